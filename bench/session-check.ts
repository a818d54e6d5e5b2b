// The per-request session check (issue 13): public.session_role — is the session
// still open, and the member role — in the transaction every page, action and
// session route already opens, against the baseline it replaced
// (app_private.current_member_role(), the role alone). 20 000 open sessions in the table.
// Run: npx tsx bench/session-check.ts   (BENCH_PG_PORT picks the embedded Postgres port)
import { randomUUID } from "node:crypto";
import { benchDatabase, summary } from "./lib/stack";

const N = Number(process.env.BENCH_N ?? 2000);
const db = await benchDatabase("session", { seed: true });
const { sql } = db;
try {
  const [admin] = await sql<{ id: string; email: string }[]>`select u.id, u.email from auth.users u join public.members m on m.user_id = u.id where m.role = 'admin' limit 1`;
  const sid = randomUUID();
  await sql`insert into app_private.sessions (id, user_id, expires_at) values (${sid}, ${admin.id}, now() + interval '8 hours')`;
  await sql`insert into app_private.sessions (id, user_id, expires_at, ended_at)
            select gen_random_uuid(), ${admin.id}, now() + interval '8 hours', case when g % 2 = 0 then now() end from generate_series(1, 20000) g`;
  const claims = JSON.stringify({ sub: admin.id, email: admin.email, role: "authenticated", aud: "authenticated", session_id: sid });
  const iat = Math.floor(Date.now() / 1000);
  const time = async (q: (tx: typeof sql) => Promise<unknown>) => {
    const ms: number[] = [];
    for (let i = 0; i < N; i++) {
      const t0 = performance.now();
      await sql.begin(async (tx) => {
        await tx`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${claims}, true)`;
        await q(tx as never);
      });
      ms.push(performance.now() - t0);
    }
    return ms;
  };
  await time((tx) => tx`select app_private.current_member_role()`); // warm-up
  const before = await time((tx) => tx`select app_private.current_member_role() as role`);
  const after = await time((tx) => tx`select valid, role from public.session_role(${sid}::uuid, ${iat}::bigint)`);
  console.log(`baseline  current_member_role():  ${summary(before)}   (whole request transaction)`);
  console.log(`issue 13  session_role(id, iat):  ${summary(after)}   (whole request transaction)`);
} finally {
  await db.stop();
}
