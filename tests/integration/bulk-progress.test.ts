import { randomUUID } from "node:crypto";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asUser, closeDb, createMigration, createUser, createWorkspace, db, enroll, type TestUser } from "../helpers/db";

// A long wave tells its progress while its one transaction still runs
// (supabase/schemas/rollouts/progress.sql): NOTICEs the app's pool hands to
// lib/rollouts/progress.ts, which the wave panel polls.
let operator: TestUser;
beforeAll(async () => {
  operator = await createUser("operator");
});
afterAll(closeDb);

interface Detail { id: string; looked: number; done: number; total: number; moved: number; failed: number; skipped: number; final: boolean }

async function population(n: number) {
  const mig = await createMigration([{}, {}, {}]);
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const ws = await createWorkspace();
    await enroll(ws.id, mig.id, 0);
    ids.push(ws.id);
  }
  return { mig: mig.id, ids };
}

/** A connection of its own that keeps the progress notices it hears, as the app's pool does. */
function listener() {
  const heard: Detail[] = [];
  const sql = postgres(process.env.TEST_DATABASE_URL!, {
    max: 1,
    onnotice: (n) => {
      if (n.message === "rollout.progress") heard.push(JSON.parse(n.detail as string) as Detail);
    },
  });
  const asOperator = <T,>(fn: (tx: postgres.TransactionSql) => Promise<T>) =>
    sql.begin(async (tx) => {
      await tx`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${JSON.stringify(operator.claims)}, true)`;
      return fn(tx);
    }) as Promise<T>;
  return { sql, heard, asOperator };
}

describe("progress of a long bulk advance", () => {
  it("reaches the caller while the wave is still running, then ends with the wave's own counts", async () => {
    const { mig } = await population(30);
    const preview = await asUser(operator, async (tx) => (await tx`select public.advance_wave(${mig}, 0, 100, null, '', true) as w`)[0].w);
    const order = preview.moved.map((m: { workspace_id: string }) => m.workspace_id as string);
    expect(order).toHaveLength(30);

    // Hold the 25th workspace in wave order: the wave stops there (its transition
    // row needs that workspace), after it has looked at 24.
    const blocker = postgres(process.env.TEST_DATABASE_URL!, { max: 1 });
    const { sql, heard, asOperator } = listener();
    const id = randomUUID();
    try {
      let release!: () => void;
      let locked!: () => void;
      const released = new Promise<void>((r) => (release = r));
      const isLocked = new Promise<void>((r) => (locked = r));
      const holding = blocker.begin(async (tx) => {
        await tx`select 1 from public.workspaces where id = ${order[24]} for update`;
        locked();
        await released;
      });
      await isLocked;
      let finished = false;
      const running = asOperator(async (tx) => {
        await tx`select set_config('rollout.progress', ${id}, true)`;
        return (await tx`select public.advance_wave(${mig}, 0, 100, null, 'progress test', false) as w`)[0].w;
      }).finally(() => (finished = true));

      await expect.poll(() => heard.filter((d) => d.id === id).at(-1)?.looked ?? 0, { timeout: 30_000 }).toBe(21);
      expect(finished).toBe(false);
      expect(heard.at(-1)).toMatchObject({ id, total: 30, moved: 21, done: 21, failed: 0, skipped: 0, final: false });

      release();
      await holding;
      const result = await running;
      expect(result.moved).toHaveLength(30);
      const mine = heard.filter((d) => d.id === id);
      expect(mine.map((d) => d.looked)).toEqual([1, 11, 21, 30]);
      expect(mine.at(-1)).toMatchObject({ final: true, done: 30, total: 30, moved: 30 });
      // One wave: one transition per workspace, still one notification in all.
      const [{ n }] = await db()`select count(*)::int as n from public.stage_transitions where migration_id = ${mig}`;
      expect(n).toBe(30);
    } finally {
      await Promise.all([blocker.end(), sql.end()]);
    }
  });

  it("a hand-picked advance counts what it looked at, skipped ones included", async () => {
    const { mig, ids } = await population(12);
    await asUser(operator, (tx) => tx`select public.pause_workspace(${ids[0]}, ${mig}, 'customer freeze')`);
    const { sql, heard, asOperator } = listener();
    const id = randomUUID();
    try {
      const r = await asOperator(async (tx) => {
        await tx`select set_config('rollout.progress', ${id}, true)`;
        return (await tx`select public.advance_selected(${mig}, ${ids}::uuid[], '', false) as r`)[0].r;
      });
      expect(r.moved).toHaveLength(11);
      const last = heard.filter((d) => d.id === id).at(-1);
      expect(last).toMatchObject({ final: true, looked: 12, done: 12, total: 12, moved: 11, skipped: 1 });
    } finally {
      await sql.end();
    }
  });

  it("says nothing to a caller that did not ask", async () => {
    const { mig } = await population(3);
    const { sql, heard, asOperator } = listener();
    try {
      await asOperator((tx) => tx`select public.advance_wave(${mig}, 0, 100, null, '', false)`);
      expect(heard).toEqual([]);
    } finally {
      await sql.end();
    }
  });
});
