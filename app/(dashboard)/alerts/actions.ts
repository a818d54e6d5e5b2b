"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { text } from "@/lib/validation/text";
import { defineAction } from "@/lib/actions/client";
import { asUser } from "@/lib/db";

const AlertNote = z.object({
  alertId: z.string().regex(/^\d{1,18}$/, "not an alert id"),
  note: text().trim().max(2000, "at most 2000 characters").default(""),
});

export const acknowledgeAlert = defineAction({ name: "acknowledgeAlert", schema: AlertNote, role: "operator" }, async (input, { session }) => {
  await asUser(session.claims, (tx) => tx`select public.acknowledge_alert(${input.alertId}::bigint, ${input.note})`);
  revalidatePath("/alerts");
  return { ok: true };
});

export const resolveAlert = defineAction(
  { name: "resolveAlert", schema: AlertNote.extend({ note: text().trim().min(3, "say what was done (at least 3 characters)").max(2000) }), role: "operator" },
  async (input, { session }) => {
    await asUser(session.claims, (tx) => tx`select public.resolve_alert(${input.alertId}::bigint, ${input.note})`);
    revalidatePath("/alerts");
    revalidatePath("/");
    return { ok: true };
  },
);
