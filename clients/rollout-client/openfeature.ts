// An OpenFeature server provider on top of RolloutClient, so services use the
// standard API: client.getBooleanValue("ai_pipeline_v2", false, { workspace: "acme", targetingKey: userId }).
// The context's `workspace` (slug) picks the workspace (or the provider's
// defaultWorkspace); targetingKey is the unit for percentage rollouts.
import {
  ErrorCode,
  OpenFeatureEventEmitter,
  ProviderEvents,
  StandardResolutionReasons,
  type EvaluationContext,
  type JsonValue,
  type Provider,
  type ResolutionDetails,
} from "@openfeature/server-sdk";
import type { RolloutClient } from "./client";

export class RolloutConsoleProvider implements Provider {
  readonly metadata = { name: "rollout-console" } as const;
  readonly runsOn = "server" as const;
  readonly events = new OpenFeatureEventEmitter();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly client: RolloutClient,
    private readonly options: { defaultWorkspace?: string } = {},
  ) {
    this.unsubscribe = client.onChange((workspace) => this.events.emit(ProviderEvents.ConfigurationChanged, { metadata: { workspace } }));
  }

  async initialize(): Promise<void> {
    this.client.start();
    await this.client.ready();
  }

  async onClose(): Promise<void> {
    this.unsubscribe();
    this.client.close();
  }

  async resolveBooleanEvaluation(flagKey: string, defaultValue: boolean, context: EvaluationContext): Promise<ResolutionDetails<boolean>> {
    const workspace = typeof context.workspace === "string" ? context.workspace : this.options.defaultWorkspace;
    if (!workspace) {
      return { value: defaultValue, reason: StandardResolutionReasons.ERROR, errorCode: ErrorCode.INVALID_CONTEXT, errorMessage: "Set `workspace` (a workspace slug) in the evaluation context" };
    }
    const state = this.client.state(workspace);
    if (state === null) {
      // Console not reached yet for this workspace: the caller's default (the SDK would return it anyway).
      return { value: defaultValue, reason: StandardResolutionReasons.DEFAULT, errorCode: ErrorCode.PROVIDER_NOT_READY, errorMessage: `No state for workspace "${workspace}" yet` };
    }
    const flag = state.flags.get(flagKey);
    if (flag === undefined) {
      return { value: defaultValue, reason: StandardResolutionReasons.ERROR, errorCode: ErrorCode.FLAG_NOT_FOUND, errorMessage: `No flag "${flagKey}"` };
    }
    const unit = context.targetingKey;
    const value = this.client.isEnabled(workspace, flagKey, unit);
    const reason =
      flag.reason === "override" ? StandardResolutionReasons.TARGETING_MATCH
      : flag.mode === 2 ? StandardResolutionReasons.SPLIT
      : flag.reason === "killed" || flag.reason === "disabled" ? StandardResolutionReasons.DISABLED
      : StandardResolutionReasons.STATIC;
    return { value, reason, variant: value ? "on" : "off", flagMetadata: { workspace, detail: flag.reason } };
  }

  // Flags are booleans; other types answer the default with TYPE_MISMATCH.
  async resolveStringEvaluation(_k: string, defaultValue: string): Promise<ResolutionDetails<string>> {
    return mismatch(defaultValue);
  }
  async resolveNumberEvaluation(_k: string, defaultValue: number): Promise<ResolutionDetails<number>> {
    return mismatch(defaultValue);
  }
  async resolveObjectEvaluation<T extends JsonValue>(_k: string, defaultValue: T): Promise<ResolutionDetails<T>> {
    return mismatch(defaultValue);
  }
}

function mismatch<T>(value: T): ResolutionDetails<T> {
  return { value, reason: StandardResolutionReasons.ERROR, errorCode: ErrorCode.TYPE_MISMATCH, errorMessage: "Rollout Console flags are booleans" };
}
