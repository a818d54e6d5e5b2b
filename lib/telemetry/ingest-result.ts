/** What the SQL ingest functions answer for a batch: the stored result, or why nothing was stored. */
export interface IngestResult {
  accepted?: number;
  replayed?: boolean;
  workspace_ids?: string[];
  migration_ids?: string[];
  error?: "invalid_token" | "missing_scope" | "unknown_workspace" | "workspace_not_allowed" | "unknown_migration" | "not_enrolled" | "idempotency_mismatch";
  scope?: string;
  workspace?: string;
  migration?: string;
}
