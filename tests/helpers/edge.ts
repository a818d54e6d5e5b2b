// Helpers for the edge server's integration tests: tokens, flags, an in-process
// edge on a free 127.0.0.1 port, and waiting for it to catch up with the database.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { startEdge, type RunningEdge, type StartEdgeOptions } from "../../lib/edge/main";
import { db } from "./db";

export async function makeToken(opts: { scopes?: string[]; workspaces?: string[] | null } = {}) {
  const raw = `rc_${randomBytes(24).toString("hex")}`;
  const hash = createHash("sha256").update(raw).digest("hex");
  const [t] = await db()<{ id: string }[]>`
    insert into public.ingest_tokens (name, token_hash, prefix, workspace_ids, scopes)
    values ('edge test', ${hash}, ${raw.slice(0, 8)}, ${opts.workspaces === undefined ? null : opts.workspaces}, ${opts.scopes ?? ["state:read"]})
    returning id`;
  return { raw, id: t.id, hash };
}

export async function makeFlag(opts: { migrationId?: string; minStage?: number; bps?: number; enabled?: boolean; prefix?: string } = {}) {
  const key = `${opts.prefix ?? "edge"}_${randomUUID().slice(0, 10)}`;
  const [f] = await db()<{ id: string; version: string }[]>`
    select id, version::text from public.create_feature_flag(${key}, 'edge test', ${opts.migrationId ?? null}, ${opts.minStage ?? null}, ${opts.bps ?? 10000}, 'test')`;
  if (opts.enabled !== false) await db()`select public.set_flag_rollout(${f.id}, null, true, ${opts.bps ?? 10000}, 'test')`;
  return { id: f.id, key };
}

export async function startTestEdge(o: Partial<StartEdgeOptions> = {}): Promise<RunningEdge> {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error("TEST_DATABASE_URL is not set");
  return startEdge({ databaseUrl: url, port: 0, host: "127.0.0.1", pollMs: 200, ...o });
}

/** Waits until the edge holds every change committed before this call. */
export async function settle(edge: RunningEdge, timeoutMs = 10_000) {
  const [{ v }] = await db()<{ v: string }[]>`select app_private.edge_version()::text as v`;
  await until(() => edge.cache.appliedVersion >= Number(v), timeoutMs, `edge applied version ${v}`);
}

/** Polls a condition until it holds or the deadline passes (then throws, naming it). */
export async function until(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const bearer = (raw: string) => ({ authorization: `Bearer ${raw}` });

export interface SseEvent {
  event: string;
  id: string | null;
  data: string;
}

/** Opens a server-sent events stream and collects its events (and comment lines) as they arrive. */
export async function openSse(url: string, headers: Record<string, string>) {
  const abort = new AbortController();
  const res = await fetch(url, { headers, signal: abort.signal });
  const events: SseEvent[] = [];
  const comments: string[] = [];
  let ended = false;
  const done = (async () => {
    if (!res.ok || !res.body) return;
    const reader = res.body.getReader();
    const dec = new TextDecoder();
    let buf = "";
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += dec.decode(value, { stream: true });
        let i: number;
        while ((i = buf.indexOf("\n\n")) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const ev: SseEvent = { event: "message", id: null, data: "" };
          let any = false;
          for (const line of block.split("\n")) {
            if (line.startsWith(":")) comments.push(line);
            else if (line.startsWith("event: ")) {
              ev.event = line.slice(7);
              any = true;
            } else if (line.startsWith("id: ")) {
              ev.id = line.slice(4);
              any = true;
            } else if (line.startsWith("data: ")) {
              ev.data = line.slice(6);
              any = true;
            }
          }
          if (any && ev.event !== "message") events.push(ev);
        }
      }
    } catch {
      /* aborted */
    } finally {
      ended = true;
    }
  })();
  return {
    res,
    events,
    comments,
    ended: () => ended,
    close: async () => {
      abort.abort();
      await done;
    },
  };
}
