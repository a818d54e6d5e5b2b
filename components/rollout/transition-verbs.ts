import type { Tone } from "@/components/ui/badge";

/** How each kind of stage transition is named and coloured everywhere it is shown. */
export const TRANSITION_KINDS: Record<string, { label: string; tone: Tone }> = {
  advance: { label: "advanced", tone: "green" },
  override: { label: "advanced (gate overridden)", tone: "violet" },
  rollback: { label: "rolled back", tone: "amber" },
  auto_rollback: { label: "auto rollback", tone: "red" },
  emergency_stop: { label: "emergency stop", tone: "red" },
  pause: { label: "paused", tone: "amber" },
  resume: { label: "resumed", tone: "blue" },
  enroll: { label: "enrolled", tone: "neutral" },
};

export const TRANSITION_VERBS: Record<string, string> = Object.fromEntries(
  Object.entries(TRANSITION_KINDS).map(([k, v]) => [k, v.label.charAt(0).toUpperCase() + v.label.slice(1)]),
);
