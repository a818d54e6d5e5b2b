// The one home of the identifier rules: workspace slugs, migration and stage keys,
// flag keys and metric names, and flag-evaluation units (checked only here: SQL
// takes them as opaque text). Routes, server actions and
// the ingest path use these; SQL uses the same patterns through
// supabase/schemas/common/identifiers.sql (app_private.is_identifier), and
// lib/validation/identifiers.test.ts plus tests/integration/identifiers.test.ts
// keep the two in step.
import { z } from "zod";

/** Pattern sources, written so that JavaScript and Postgres (ARE) read them alike. */
export const PATTERNS = {
  workspace_slug: "^[a-z0-9][a-z0-9-]{0,62}$",
  migration_key: "^[a-z0-9][a-z0-9_-]{0,62}$",
  stage_key: "^[a-z0-9][a-z0-9_-]{0,62}$",
  flag_key: "^[a-z0-9][a-z0-9_.-]{0,99}$",
  metric_name: "^[A-Za-z][A-Za-z0-9_.:-]{0,63}$",
} as const;
export type IdentifierKind = keyof typeof PATTERNS;

export const SLUG_RE = new RegExp(PATTERNS.workspace_slug);
export const KEY_RE = new RegExp(PATTERNS.migration_key);
export const FLAG_KEY_RE = new RegExp(PATTERNS.flag_key);
export const METRIC_RE = new RegExp(PATTERNS.metric_name);

export const DESCRIPTIONS: Record<IdentifierKind, string> = {
  workspace_slug: "a workspace slug: lowercase letters, digits and dashes, up to 63 characters",
  migration_key: "a migration key: lowercase letters, digits, “-” and “_”, up to 63 characters",
  stage_key: "a stage key: lowercase letters, digits, “-” and “_”, up to 63 characters",
  flag_key: "a flag key: lowercase letters, digits, “_”, “.” or “-”, up to 100 characters",
  metric_name: "a metric name: a letter, then letters, digits, “_”, “.”, “:” or “-”, up to 64 characters",
};

export const isIdentifier = (kind: IdentifierKind, value: string) => new RegExp(PATTERNS[kind]).test(value);

/** A zod string of the given kind; the message names what was expected. */
export const identifier = (kind: IdentifierKind, message = `is not ${DESCRIPTIONS[kind]}`) => z.string().regex(new RegExp(PATTERNS[kind]), message);

export const workspaceSlug = identifier("workspace_slug", "not a workspace slug");
export const migrationKey = identifier("migration_key", "not a migration key");
export const flagKey = identifier("flag_key", "lowercase letters, digits, “_”, “.” or “-”, up to 100 characters");
export const metricName = identifier("metric_name", "metric names start with a letter, then letters, digits, _ . : or -, up to 64 characters");

/** A flag-evaluation unit (user id, UUID, e-mail…), as services send it. */
export const UnitId = z
  .string()
  .min(1, "must not be empty")
  .max(200, "must be at most 200 characters")
  .regex(/^[^\u0000-\u001f\u007f]+$/, "must not contain control characters");
