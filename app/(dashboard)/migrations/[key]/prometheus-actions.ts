"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { defineAction, ExpectedError } from "@/lib/actions/client";
import { asUser } from "@/lib/db";
import { PrometheusSourceInput } from "@/lib/telemetry/prometheus";
import { deletePrometheusSource, insertPrometheusSource, setPrometheusSourceEnabled, updatePrometheusSource } from "@/lib/telemetry/prometheus-sources";
import { assertPublicDestination, DestinationRefused } from "@/lib/security/outbound";
import { migrationKey } from "@/lib/validation/identifiers";

// Prometheus sources of a migration: admins add, edit, disable and delete them.
// The worker checks the address again at every run (DNS can change); this says it early.
async function checkDestination(url: string) {
  try {
    await assertPublicDestination(url);
  } catch (e) {
    if (e instanceof DestinationRefused) throw new ExpectedError(`baseUrl: ${e.message}`);
    throw e;
  }
}

function duplicateName(e: unknown): never {
  if ((e as { code?: string })?.code === "23505") throw new ExpectedError("name: this migration already has a source with that name");
  throw e;
}

export const createPrometheusSource = defineAction(
  { name: "createPrometheusSource", schema: PrometheusSourceInput.extend({ migration: migrationKey }), role: "admin" },
  async ({ migration, ...s }, { session }) => {
    await checkDestination(s.baseUrl);
    const id = await asUser(session.claims, (tx) => insertPrometheusSource(tx, migration, s)).catch(duplicateName);
    if (!id) throw new ExpectedError("That migration no longer exists.");
    revalidatePath(`/migrations/${migration}`);
    return { id };
  },
);

export const updatePrometheusSourceAction = defineAction(
  { name: "updatePrometheusSource", schema: PrometheusSourceInput.extend({ migration: migrationKey, id: z.uuid("not a source id") }), role: "admin" },
  async ({ migration, id, ...s }, { session }) => {
    await checkDestination(s.baseUrl);
    const ok = await asUser(session.claims, (tx) => updatePrometheusSource(tx, id, s)).catch(duplicateName);
    if (!ok) throw new ExpectedError("That source no longer exists.");
    revalidatePath(`/migrations/${migration}`);
    return { ok: true };
  },
);

const Ref = z.object({ migration: migrationKey, id: z.uuid("not a source id") });

export const setPrometheusSourceEnabledAction = defineAction(
  { name: "setPrometheusSourceEnabled", schema: Ref.extend({ enabled: z.boolean() }), role: "admin" },
  async ({ migration, id, enabled }, { session }) => {
    if (!(await asUser(session.claims, (tx) => setPrometheusSourceEnabled(tx, id, enabled)))) throw new ExpectedError("That source no longer exists.");
    revalidatePath(`/migrations/${migration}`);
    return { ok: true };
  },
);

export const deletePrometheusSourceAction = defineAction({ name: "deletePrometheusSource", schema: Ref, role: "admin" }, async ({ migration, id }, { session }) => {
  if (!(await asUser(session.claims, (tx) => deletePrometheusSource(tx, id)))) throw new ExpectedError("That source no longer exists.");
  revalidatePath(`/migrations/${migration}`);
  return { ok: true };
});
