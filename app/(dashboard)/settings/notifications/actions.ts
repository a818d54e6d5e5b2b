"use server";

import { randomBytes } from "node:crypto";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { defineAction, ExpectedError } from "@/lib/actions/client";
import { asUser } from "@/lib/db";
import { ChannelInput } from "@/lib/guardrails/schemas";
import { assertPublicDestination, DestinationRefused } from "@/lib/security/outbound";

export const createChannel = defineAction({ name: "createChannel", schema: ChannelInput, role: "admin" }, async (c, { session }) => {
  // The worker checks again at each delivery (DNS can change); this says it early.
  try {
    await assertPublicDestination(c.url);
  } catch (e) {
    if (e instanceof DestinationRefused) throw new ExpectedError(`url: ${e.message}`);
    throw e;
  }
  // Generic webhooks are signed; the key is shown once here and in Settings to admins.
  const secret = c.kind === "webhook" ? `whsec_${randomBytes(24).toString("base64url")}` : null;
  const [row] = await asUser(session.claims, (tx) => tx`
    insert into public.notification_channels (name, kind, url, secret, events)
    values (${c.name}, ${c.kind}, ${c.url}, ${secret}, ${c.events}) returning id`);
  revalidatePath("/settings/notifications");
  return { id: row.id as string, secret };
});

const Id = z.object({ id: z.uuid("not a channel id") });

export const setChannelEnabled = defineAction({ name: "setChannelEnabled", schema: Id.extend({ enabled: z.boolean() }), role: "admin" }, async (input, { session }) => {
  const rows = await asUser(session.claims, (tx) => tx`update public.notification_channels set enabled = ${input.enabled} where id = ${input.id} returning id`);
  if (rows.length === 0) throw new ExpectedError("That channel no longer exists.");
  revalidatePath("/settings/notifications");
  return { ok: true };
});

export const deleteChannel = defineAction({ name: "deleteChannel", schema: Id, role: "admin" }, async (input, { session }) => {
  const rows = await asUser(session.claims, (tx) => tx`delete from public.notification_channels where id = ${input.id} returning id`);
  if (rows.length === 0) throw new ExpectedError("That channel no longer exists.");
  revalidatePath("/settings/notifications");
  return { ok: true };
});
