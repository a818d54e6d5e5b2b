"use client";

import { TypedConfirm } from "@/components/typed-confirm";
import { emergencyStop } from "./actions";

/** Every workspace of the migration back to stage 0, paused, its flags killed; typed confirmation. */
export function EmergencyStop({ migration, name, canOperate }: { migration: string; name: string; canOperate: boolean }) {
  return (
    <TypedConfirm
      label="Emergency stop"
      title={`Emergency stop: ${name}`}
      explanation="Every workspace in this migration goes back to stage 0 and is paused, and the migration's flags are switched off — in one transaction. Each move is recorded."
      expected={migration}
      submitLabel="Stop everything"
      disabled={!canOperate}
      disabledReason="Viewers cannot stop a migration"
      run={(c) => emergencyStop({ migration, ...c })}
      doneMessage={(r) => `Stopped: ${r.workspaces} workspaces sent to stage 0 and paused; the migration's flags are killed.`}
    />
  );
}
