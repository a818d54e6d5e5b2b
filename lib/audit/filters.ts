import { z } from "zod";
import { migrationKey, workspaceSlug } from "@/lib/validation/identifiers";
import { text } from "@/lib/validation/text";

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

/** The audit filters as they appear in the URL (page and CSV export share them). */
export const AuditParams = z.object({
  source: z.enum(["transition", "flag", "event"]).optional().catch(undefined),
  // text(): a NUL (Postgres text cannot hold one) drops the filter instead of failing the page.
  q: text().trim().max(100).optional().catch(undefined),
  actor: text().trim().max(254).optional().catch(undefined),
  workspace: workspaceSlug.optional().catch(undefined),
  migration: migrationKey.optional().catch(undefined),
  from: day.optional().catch(undefined),
  to: day.optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(10_000).catch(1),
});
export type AuditParamsT = z.infer<typeof AuditParams>;

/** Dates are whole UTC days; `to` includes its day. */
export function auditRange(p: AuditParamsT) {
  return {
    from: p.from ? `${p.from}T00:00:00Z` : undefined,
    to: p.to ? new Date(Date.parse(`${p.to}T00:00:00Z`) + 86_400_000).toISOString() : undefined,
  };
}
