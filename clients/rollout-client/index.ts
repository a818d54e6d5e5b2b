export { RolloutClient, type RolloutClientOptions, type ChangeListener } from "./client";
export { RolloutConsoleProvider } from "./openfeature";
export { compileState, evaluate, type CompiledState, type StateDocument } from "./state";
export { flagBucket, inRollout } from "../../lib/flags/hash";
