// How an audit record is shown, on the page and in the CSV export alike. Every
// value a person reads goes through presentAudit(), so a redaction step (secrets
// in details, before/after) slots in here once and covers both.
import type { AuditRecord } from "./queries";
import { redactSecrets } from "./redact";

export interface DiffLine {
  field: string;
  before: string;
  after: string;
}

export interface PresentedAudit {
  at: string;
  actor: string;
  kind: string;
  action: string;
  target: string;
  workspace: string;
  migration: string;
  reason: string;
  /** fields that changed (before → after) */
  diff: DiffLine[];
  /** other details, as "key: value" */
  details: string[];
}

const ACTIONS: Record<string, string> = {
  "transition.advance": "Advanced",
  "transition.override": "Advanced (gate overridden)",
  "transition.rollback": "Rolled back",
  "transition.auto_rollback": "Automatic rollback",
  "transition.emergency_stop": "Emergency stop",
  "transition.pause": "Paused",
  "transition.resume": "Resumed",
  "transition.enroll": "Enrolled",
  "migration.resume": "Migration resumed",
};

const KIND: Record<AuditRecord["source"], string> = { transition: "Stage", flag: "Flag", event: "Settings / alerts" };

// Keys never worth a line of their own (ids are shown as names elsewhere).
const HIDDEN = new Set(["id", "workspace_id", "migration_id", "flag_id", "created_at", "updated_at", "version", "reason", "note", "created_by", "user_id"]);

function words(action: string): string {
  if (ACTIONS[action]) return ACTIONS[action];
  const [head, ...rest] = action.split(".");
  const verb = rest.join(" ").replace(/_/g, " ");
  return `${head.replace(/_/g, " ")}${verb ? ` ${verb}` : ""}`.replace(/^./, (c) => c.toUpperCase());
}

export function show(v: unknown): string {
  if (v === null || v === undefined) return "—";
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : String(Number(v.toFixed(4)));
  if (typeof v === "string") return v.length > 200 ? `${v.slice(0, 200)}…` : v;
  if (Array.isArray(v)) return v.map(show).join(", ");
  return JSON.stringify(v).slice(0, 200);
}

function asObject(v: unknown): Record<string, unknown> | null {
  return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

/** Fields whose value differs between before and after (a created or deleted record lists every field). */
export function diffOf(before: unknown, after: unknown): DiffLine[] {
  const b = asObject(before);
  const a = asObject(after);
  if (!b && !a) return [];
  const keys = [...new Set([...Object.keys(b ?? {}), ...Object.keys(a ?? {})])].filter((k) => !HIDDEN.has(k));
  return keys
    .filter((k) => JSON.stringify(b?.[k] ?? null) !== JSON.stringify(a?.[k] ?? null))
    .map((k) => ({ field: k.replace(/_/g, " "), before: b ? show(b[k]) : "—", after: a ? show(a[k]) : "—" }));
}

export function presentAudit(record: AuditRecord): PresentedAudit {
  // Secrets are redacted before anything is shown or shortened (./redact.ts).
  const r: AuditRecord = {
    ...record,
    reason: String(redactSecrets(record.reason ?? "")),
    before: redactSecrets(record.before),
    after: redactSecrets(record.after),
    details: redactSecrets(record.details) as AuditRecord["details"],
  };
  const details = Object.entries(r.details ?? {})
    .filter(([k, v]) => !HIDDEN.has(k) && v !== null && v !== "" && typeof v !== "object")
    .map(([k, v]) => `${k.replace(/_/g, " ")}: ${show(v)}`);
  return {
    at: new Date(r.at).toISOString().replace("T", " ").slice(0, 19),
    actor: r.actor ?? "system",
    kind: KIND[r.source],
    action: words(r.action),
    target: r.targetName ?? (r.targetId ? `${r.targetType.replace(/_/g, " ")} (deleted)` : r.targetType.replace(/_/g, " ")),
    workspace: r.workspace ?? "",
    migration: r.migration ?? "",
    reason: r.reason,
    diff: diffOf(r.before, r.after),
    details,
  };
}

const CSV_COLUMNS: (keyof PresentedAudit)[] = ["at", "actor", "kind", "action", "target", "workspace", "migration", "reason", "diff", "details"];

function cell(v: unknown): string {
  const s = Array.isArray(v)
    ? v.map((x) => (typeof x === "string" ? x : `${(x as DiffLine).field}: ${(x as DiffLine).before} → ${(x as DiffLine).after}`)).join("; ")
    : String(v ?? "");
  // Quote every cell; neutralise spreadsheet formulas.
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return `"${safe.replace(/"/g, '""')}"`;
}

export function auditCsv(rows: PresentedAudit[]): string {
  return [CSV_COLUMNS.map((c) => `"${c === "at" ? "time (UTC)" : c}"`).join(","), ...rows.map((r) => CSV_COLUMNS.map((c) => cell(r[c])).join(","))].join("\r\n") + "\r\n";
}
