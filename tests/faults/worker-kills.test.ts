import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Cluster, createPlan, createWorkspaces, kill, killAll, say, sleep, startReceiver, startWorkerProcess, waitFor, type Child, type Receiver, type Sql } from "./harness";
import { upsertAuthUser } from "../../lib/seed/users";

// Worker processes SIGKILLed again and again while they deliver to a slow
// receiver; a final worker finishes. At-least-once: every delivery arrives.
const cluster = new Cluster("pg-faults-worker", Number(process.env.FAULTS_PG_PORT ?? 54372) + 1);
const NOTIFICATIONS = 30;
const KILL_EVERY_MS = 3_000;
const KILLING_FOR_MS = 24_000;

let url: string;
let sql: Sql;
let receiver: Receiver;

beforeAll(async () => {
  await cluster.start();
  url = await cluster.database("rc_faults_worker");
  sql = postgres(url, { max: 4, onnotice: () => {} });
  receiver = await startReceiver({ delayMs: 1_500 });
}, 180_000);

afterAll(async () => {
  await killAll();
  await receiver?.close();
  await sql?.end({ timeout: 1 }).catch(() => {});
  if (url) await cluster.drop(url);
  await cluster.stop();
}, 120_000);

describe("worker killed repeatedly during deliveries", () => {
  it("still delivers every notification at least once", async () => {
    const [ch] = await sql<{ id: string }[]>`insert into public.notification_channels (name, kind, url, secret, events)
      values ('fault receiver', 'webhook', ${receiver.url}, 'fault-secret', ${["stage_changed"]}) returning id`;
    const u = { id: await upsertAuthUser(sql as never, { email: "op@faults.example", encryptedPassword: "x" }) };
    await sql`insert into public.members (user_id, role) values (${u.id}, 'operator')`;
    const claims = JSON.stringify({ sub: u.id, email: "op@faults.example", role: "authenticated", aud: "authenticated" });
    const plan = await createPlan(sql, 2);
    const workspaces = await createWorkspaces(sql, plan.id, NOTIFICATIONS, 1);
    // Each pause is a stage change that writes its outbox row and job in the same transaction.
    for (const w of workspaces) {
      await sql.begin(async (tx) => {
        await tx`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${claims}, true)`;
        await tx`select public.pause_workspace(${w.id}, ${plan.id}, 'fault suite')`;
      });
    }
    const rows = await sql<{ id: string }[]>`select id::text from public.notification_deliveries where channel_id = ${ch.id}`;
    expect(rows).toHaveLength(NOTIFICATIONS);
    const ids = new Set(rows.map((r) => r.id));

    let kills = 0;
    let worker: Child = startWorkerProcess(url);
    const killingUntil = Date.now() + KILLING_FOR_MS;
    while (Date.now() < killingUntil) {
      await sleep(KILL_EVERY_MS);
      await kill(worker, "SIGKILL");
      kills++;
      worker = startWorkerProcess(url);
    }
    const deliveredBeforeFinal = new Set(receiver.got).size;
    say(`killed ${kills} workers; ${deliveredBeforeFinal}/${NOTIFICATIONS} deliveries had arrived; the last worker runs to the end`);

    await waitFor("every delivery to be marked delivered", async () => {
      const [{ n }] = await sql<{ n: number }[]>`select count(*)::int as n from public.notification_deliveries where channel_id = ${ch.id} and status = 'delivered'`;
      return n === NOTIFICATIONS;
    }, 150_000, 500);
    await kill(worker);

    // Kills did hit deliveries in flight (the receiver saw requests cut off).
    expect(receiver.aborted()).toBeGreaterThan(0);
    const arrived = new Set(receiver.got);
    expect([...ids].filter((id) => !arrived.has(id))).toEqual([]);
    const statuses = await sql<{ status: string; n: number }[]>`select status, count(*)::int as n from public.notification_deliveries where channel_id = ${ch.id} group by status`;
    expect(statuses).toEqual([{ status: "delivered", n: NOTIFICATIONS }]);
    const [{ attempts }] = await sql<{ attempts: number }[]>`select coalesce(sum(attempts), 0)::int as attempts from public.notification_deliveries where channel_id = ${ch.id}`;
    const [{ left }] = await sql<{ left: number }[]>`select count(*)::int as left from graphile_worker.jobs where task_identifier = 'deliver_notification'`;
    expect(left).toBe(0);
    say(`requests cut off by a kill: ${receiver.aborted()}`);
    say(`deliveries: ${NOTIFICATIONS}, requests received: ${receiver.got.length}, duplicates: ${receiver.got.length - arrived.size}, recorded attempts: ${attempts}, most concurrent requests for one delivery: ${receiver.maxConcurrentPerDelivery()}`);
  }, 240_000);
});
