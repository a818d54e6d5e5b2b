import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluateRule } from "../../lib/flags/rules";
import { stateBody, md5Etag } from "../../lib/edge/model";
import type { RunningEdge } from "../../lib/edge/main";
import { closeDb, createMigration, createWorkspace, db, enroll } from "../helpers/db";
import { bearer, makeFlag, makeToken, settle, startTestEdge } from "../helpers/edge";

// One evaluation, two places: the edge evaluates from memory in TypeScript, the
// Next route and public.evaluate_flags in SQL. Over every flag in the database,
// every workspace this file made and many units (ASCII, UUIDs, unicode), the
// values, reasons, the whole state body and its ETag must be identical.
let edge: RunningEdge;
const wsIds: string[] = [];
let token: string;
let changeLater: { id: string; key: string };
const units = [
  ...Array.from({ length: 60 }, (_, i) => `user-${i}`),
  ...Array.from({ length: 20 }, () => randomUUID()),
  "ü", "日本語-ユーザー", "emoji-😀", "a b", "quote\"back\\slash", "x".repeat(200), "1", "0",
];

beforeAll(async () => {
  const mig = await createMigration([{}, {}, {}, {}]);
  for (const [i, stage] of [0, 1, 2, 3].entries()) {
    const w = await createWorkspace();
    await enroll(w.id, mig.id, stage);
    wsIds.push(w.id);
    if (i === 3) await db()`update public.workspaces set name = ${'Name with "quotes", \\ and ünïcode'} where id = ${w.id}`;
  }
  wsIds.push((await createWorkspace()).id); // not enrolled
  const flags = [
    await makeFlag({ bps: 2500 }),
    await makeFlag({ bps: 10000 }),
    await makeFlag({ bps: 1 }),
    await makeFlag({ bps: 9999 }),
    await makeFlag({ bps: 5000, enabled: false }),
    await makeFlag({ migrationId: mig.id, minStage: 2, bps: 10000 }),
    await makeFlag({ migrationId: mig.id, minStage: 1, bps: 3300 }),
  ];
  await db()`select public.kill_feature_flag(${flags[1].id}, 'parity')`;
  changeLater = flags[2];
  await db()`select public.set_flag_override(${flags[0].id}, ${wsIds[1]}, true, 'parity')`;
  await db()`select public.set_flag_override(${flags[5].id}, ${wsIds[3]}, false, 'parity')`;
  token = (await makeToken()).raw;
  edge = await startTestEdge();
});
afterAll(async () => {
  await edge?.stop();
  await closeDb();
});

describe("edge evaluation = SQL evaluation", () => {
  it("every flag, every workspace, many units: value and reason as public.evaluate_flags", async () => {
    let compared = 0;
    for (const id of wsIds) {
      for (const unit of units) {
        // Other files change flags concurrently: compare at a moment when the edge and SQL saw the same version.
        const sqlRows = await atOneVersion(() => db()<{ key: string; value: boolean; reason: string }[]>`select key, value, reason from public.evaluate_flags(${id}, ${unit})`);
        const c = edge.cache.compiled.get(id)!;
        const mine = c.rules.map((r) => ({ key: r.key, ...evaluateRule(r, unit) })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
        const theirs = [...sqlRows].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
        expect(mine).toEqual(theirs);
        compared += sqlRows_count(edge, id);
      }
    }
    expect(compared).toBeGreaterThan(units.length * wsIds.length * 7 - 1);
  });

  it("the state body and ETag are the very text public.workspace_state returns, with and without a unit", async () => {
    // Changed while the edge runs: the flags-only reload path, which keeps each workspace's own text.
    await db()`select public.set_flag_rollout(${changeLater.id}, null, true, 7300, 'parity')`;
    await db()`update public.workspace_rollouts set stage = 2 where workspace_id = ${wsIds[0]}`;
    const tokenHash = (await db()<{ h: string }[]>`select token_hash as h from public.ingest_tokens where token_hash = encode(sha256(convert_to(${token}, 'UTF8')), 'hex')`)[0].h;
    for (const id of wsIds) {
      const [{ slug }] = await db()<{ slug: string }[]>`select slug from public.workspaces where id = ${id}`;
      for (const unit of [null, ...units.slice(55, 90)]) {
        const [row] = await atOneVersion(() => db()<{ status: number; etag: string; body: string }[]>`
          select status, etag, body from public.workspace_state(${tokenHash}, ${slug}, ${unit}, '{}'::text[])`);
        const c = edge.cache.compiled.get(id)!;
        const body = unit === null ? c.body : stateBody(c, unit);
        expect(row.status).toBe(200);
        expect(body).toBe(row.body);
        expect(unit === null ? c.etag : md5Etag(body)).toBe(row.etag);
      }
      // And over HTTP: the edge's answer carries the same ETag, and the SQL ETag gets a 304 from the edge.
      const res = await fetch(`${edge.url}/api/v1/workspaces/${slug}/state`, { headers: bearer(token) });
      expect(res.status).toBe(200);
      const etag = res.headers.get("etag")!;
      const again = await fetch(`${edge.url}/api/v1/workspaces/${slug}/state`, { headers: { ...bearer(token), "if-none-match": etag } });
      expect(again.status).toBe(304);
    }
  });
});

/**
 * Runs a SQL read at a moment the edge has applied every change up to the current
 * state version and no change arrives during the read (every change takes a version
 * in its own transaction, so an unchanged version means an unchanged state): then
 * the edge's memory and the read describe the same database. Other test files keep
 * changing flags, so this retries until such a moment (bounded; the last read is
 * returned and the comparison then names the difference).
 */
async function atOneVersion<T>(read: () => Promise<T>): Promise<T> {
  let result!: T;
  for (let attempt = 0; attempt < 100; attempt++) {
    await settle(edge);
    const seen = edge.cache.appliedVersion;
    result = await read();
    const [{ v }] = await db()<{ v: string }[]>`select app_private.edge_version()::text as v`;
    if (Number(v) === seen && edge.cache.appliedVersion === seen) return result;
  }
  return result;
}

function sqlRows_count(edge: RunningEdge, id: string) {
  return edge.cache.compiled.get(id)!.rules.length;
}
