"use client";

import { TypedConfirm } from "@/components/typed-confirm";
import type { ButtonProps } from "@/components/ui/button";
import { deleteFlag, killFlag, killMigrationFlags } from "./actions";

const RUN = {
  killFlag: (key: string, c: { confirmation: string; reason: string }) => killFlag({ key, ...c }),
  killMigration: (migration: string, c: { confirmation: string; reason: string }) => killMigrationFlags({ migration, ...c }),
  deleteFlag: (key: string, c: { confirmation: string; reason: string }) => deleteFlag({ key, ...c }),
};

/** A destructive flag action behind a typed confirmation; `expected` is also its target. */
export function ConfirmAction(props: {
  label: string;
  title: string;
  explanation: string;
  expected: string;
  submitLabel: string;
  disabled?: boolean;
  disabledReason?: string;
  variant?: ButtonProps["variant"];
  size?: ButtonProps["size"];
  /** Which action; `expected` is also its target (flag or migration key). */
  action: keyof typeof RUN;
  doneMessage: string;
  redirectTo?: string;
}) {
  const { action, expected, doneMessage, ...rest } = props;
  return (
    <TypedConfirm<unknown> {...rest} size={props.size ?? "sm"} expected={expected}
      run={(c) => RUN[action](expected, c)} doneMessage={() => doneMessage} />
  );
}
