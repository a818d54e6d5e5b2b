// Delivers one outbox row to its channel. Runs at least once per delivery: it
// re-reads the row, skips it when already delivered, and on failure records the
// error and throws so graphile-worker retries with exponential backoff.
import { createHmac } from "node:crypto";
import type { PoolClient } from "pg";
import type { Task } from "graphile-worker";
import { DestinationRefused, postGuarded } from "../security/outbound";
import { summary, type DeliveryPayload } from "./notify-format";

const TIMEOUT_MS = Number(process.env.NOTIFY_TIMEOUT_MS ?? 10_000);

/** Header value for generic webhooks: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">. */
export function signature(secret: string, body: string, timestamp: number): string {
  const mac = createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
  return `t=${timestamp},v1=${mac}`;
}

interface Row {
  id: string;
  event: string;
  payload: DeliveryPayload & { at?: string };
  status: string;
  kind: "webhook" | "slack";
  url: string;
  secret: string | null;
  enabled: boolean;
}

// Waves and emergency stops are reported once: list what moved together.
async function enrich(client: PoolClient, row: Row): Promise<DeliveryPayload> {
  const p = row.payload;
  if ((row.event === "wave_applied" || row.event === "emergency_stop") && p.at && p.migration) {
    const { rows } = await client.query<{ slug: string; name: string }>(
      `select w.slug, w.name from public.stage_transitions t join public.workspaces w on w.id = t.workspace_id
        where t.migration_id = (select id from public.migrations where key = $1) and t.created_at = $2 and t.kind = $3
        order by w.slug`,
      [p.migration.key, p.at, row.event === "wave_applied" ? "advance" : "emergency_stop"],
    );
    return row.event === "wave_applied" ? { ...p, moved: rows } : { ...p, workspaces_stopped: rows.length };
  }
  return p;
}

export const deliverNotification: Task = async (raw, helpers) => {
  const deliveryId = Number((raw as { deliveryId?: unknown })?.deliveryId);
  if (!Number.isSafeInteger(deliveryId)) throw new Error("deliver_notification: payload needs a numeric deliveryId");
  const row = await helpers.withPgClient(async (client) => {
    const { rows } = await client.query<Row>(
      `select d.id, d.event, d.payload, d.status, c.kind, c.url, c.secret, c.enabled
         from public.notification_deliveries d join public.notification_channels c on c.id = d.channel_id
        where d.id = $1`,
      [deliveryId],
    );
    return rows[0] ? { row: rows[0], payload: await enrich(client, rows[0]) } : null;
  });
  if (!row || row.row.status === "delivered") return; // deleted channel, or a retry after success

  const baseUrl = process.env.PUBLIC_URL?.replace(/\/$/, "");
  const payload = { ...row.payload, delivery_id: deliveryId, text: summary(row.payload, baseUrl) };
  const body = row.row.kind === "slack" ? JSON.stringify({ text: payload.text }) : JSON.stringify(payload);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": "rollout-console-notifier/1",
    "x-rollout-event": row.row.event,
    "x-rollout-delivery": String(deliveryId),
  };
  if (row.row.kind === "webhook" && row.row.secret) headers["x-rollout-signature"] = signature(row.row.secret, body, Math.floor(Date.now() / 1000));

  // last_error keeps the status code or a short error class only: never the answer's
  // body or a resolver message, so the delivery log cannot read internal services.
  let error: string | null = null;
  let status: number | null = null;
  try {
    status = await postGuarded(row.row.url, headers, body, TIMEOUT_MS);
    if (status < 200 || status > 299) error = `HTTP ${status}`;
  } catch (e) {
    error = deliveryError(e);
  }
  const finalAttempt = helpers.job.attempts >= helpers.job.max_attempts;
  await helpers.withPgClient((client) =>
    client.query(
      `update public.notification_deliveries
          set attempts = attempts + 1, last_status = $2, last_error = $3, updated_at = now(),
              status = case when $3::text is null then 'delivered' when $4 then 'failed' else 'pending' end,
              delivered_at = case when $3::text is null then now() end
        where id = $1`,
      [deliveryId, status, error, finalAttempt],
    ),
  );
  if (error) throw new Error(`delivery ${deliveryId} to ${row.row.kind} failed: ${error}`);
};

/** A failed attempt in words that reveal nothing about the destination's insides. */
export function deliveryError(e: unknown): string {
  if (e instanceof DestinationRefused) return "refused: the destination is not a public address";
  const code = (e as { code?: unknown })?.code;
  if (code === "ETIMEDOUT" || code === "ESOCKETTIMEDOUT") return "timed out";
  if (typeof code === "string" && /^[A-Z_]{3,40}$/.test(code)) return `connection failed (${code})`;
  return "connection failed";
}
