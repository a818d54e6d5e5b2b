"use server";

import { randomBytes } from "node:crypto";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { text } from "@/lib/validation/text";
import { defineAction } from "@/lib/actions/client";
import { hashToken, TOKEN_PREFIX } from "@/lib/api/token-auth";
import { asUser } from "@/lib/db";

const CreateToken = z.object({
  name: text().trim().min(1, "Give the token a name").max(100, "At most 100 characters"),
  scopes: z.array(z.enum(["metrics:write", "feedback:write", "state:read"])).min(1, "Pick at least one scope").max(3),
  /** null: every workspace */
  workspaceIds: z.array(z.uuid("not a workspace id")).min(1, "Pick at least one workspace, or allow all").max(500).nullable(),
});

/**
 * Creates an ingest token. The raw token is returned once, here, and never stored:
 * the database keeps its sha256 (public.create_ingest_token checks the admin role
 * again and writes the audit event).
 */
export const createToken = defineAction({ name: "createIngestToken", schema: CreateToken, role: "admin" }, async (input, { session }) => {
  const raw = `${TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
  const prefix = raw.slice(0, 10);
  const [row] = await asUser(session.claims, (tx) => tx<{ id: string }[]>`
    select public.create_ingest_token(${input.name}, ${hashToken(raw)}, ${prefix}, ${input.workspaceIds}::uuid[], ${input.scopes}::text[]) as id`);
  revalidatePath("/settings");
  return { id: row.id, token: raw, prefix };
});

/** Revokes a token; the next request carrying it is refused. */
export const revokeToken = defineAction({ name: "revokeIngestToken", schema: z.object({ id: z.uuid("not a token id") }), role: "admin" }, async (input, { session }) => {
  await asUser(session.claims, (tx) => tx`select public.revoke_ingest_token(${input.id})`);
  revalidatePath("/settings");
  return { ok: true };
});
