"use client";

import { TypedConfirm } from "@/components/typed-confirm";
import { emergencyStop, resumeMigration } from "./actions";

/** Every workspace of the migration back to stage 0, paused, its flags killed; typed confirmation. */
export function EmergencyStop({ migration, name, canOperate, stopped }: { migration: string; name: string; canOperate: boolean; stopped: boolean }) {
  return (
    <TypedConfirm
      label="Emergency stop"
      title={`Emergency stop: ${name}`}
      explanation="Every workspace in this migration goes back to stage 0 and is paused, and the migration's flags are switched off — in one transaction. Each move is recorded."
      expected={migration}
      submitLabel="Stop everything"
      disabled={!canOperate || stopped}
      disabledReason={stopped ? "The migration is stopped; an admin can resume it" : "Viewers cannot stop a migration"}
      run={(c) => emergencyStop({ migration, ...c })}
      doneMessage={(r) => `Stopped: ${r.workspaces} workspaces sent to stage 0 and paused; the migration's flags are killed.`}
    />
  );
}

/** Admins resume a stopped migration: its workspaces un-paused at stage 0, the flags the stop killed restored. */
export function ResumeMigration({ migration, name, isAdmin }: { migration: string; name: string; isAdmin: boolean }) {
  return (
    <TypedConfirm
      label="Resume migration…"
      title={`Resume ${name}`}
      explanation="Every workspace the emergency stop left at stage 0 is un-paused there (none moves forward), and the flags the stop switched off are switched back on. Each change is recorded."
      expected={migration}
      submitLabel="Resume migration"
      variant="primary"
      submitVariant="primary"
      disabled={!isAdmin}
      disabledReason="Only admins can resume a stopped migration"
      run={(c) => resumeMigration({ migration, ...c })}
      doneMessage={(r) => `Resumed: ${r.workspaces} workspaces active again at stage 0; ${r.flags} flags restored.`}
    />
  );
}
