// Page and chart-API latency at scale (run `npm run seed:scale` first): the production
// build against the scale database (1 000 workspaces by default; 10 000 with
// SCALE_WORKSPACES=10000), signed in as the demo viewer. Times full server renders
// (HTML) of every page and the chart JSON, sequentially after a warm-up, each row
// beside a baseline measured in the same run, and reports the web process's memory. Prints figures; asserts nothing. BENCH_ONLY=<regexp>
// limits it to the matching rows.
// Run: npm run build && npm run seed:scale && npx tsx bench/scale-pages.ts
import { randomBytes } from "node:crypto";
import { SignJWT } from "jose";
import postgres from "postgres";
import { asOwner, startEmbedded, withDatabase } from "../scripts/lib/embedded-db";
import { rssMb, startApp, summary } from "./lib/stack";

const RUNS = Number(process.env.RUNS ?? 40);
let url = process.env.SCALE_DATABASE_URL;
let stopDb = async () => {};
if (!url) {
  const pg = await startEmbedded({ dir: "pg-scale", port: Number(process.env.SCALE_PG_PORT ?? 54391) });
  url = asOwner(withDatabase(pg.adminUrl("postgres"), "rollout_scale"));
  stopDb = pg.stop;
}
const sql = postgres(url, { max: 2, onnotice: () => {} });
const secret = randomBytes(32).toString("hex");
const app = await startApp(url, { env: { AUTH_SECRET: secret } });
try {
  const [counts] = await sql`select (select count(*) from public.workspaces)::int as workspaces, (select count(*) from public.performance_metrics)::bigint as samples,
                                    (select count(*) from public.feedback_tracking)::int as feedback, (select count(*) from public.stage_transitions)::int as transitions`;
  console.log(`database: ${counts.workspaces} workspaces, ${Number(counts.samples).toLocaleString("en-US")} raw samples, ${counts.feedback} feedback, ${counts.transitions} transitions`);
  const [viewer] = await sql`select id, email from auth.users where email = 'viewer@example.com'`;
  // Sessions live on the server: the token names an open row, as a sign-in creates it.
  const [{ sid }] = await sql`insert into app_private.sessions (id, user_id, expires_at) values (gen_random_uuid(), ${viewer.id}, now() + interval '1 hour') returning id as sid`;
  const token = await new SignJWT({ email: viewer.email, role: "authenticated", session_id: sid }).setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(viewer.id).setAudience("authenticated").setIssuer("rollout-console").setIssuedAt().setExpirationTime("1h")
    .sign(new TextEncoder().encode(secret));
  const headers = { cookie: `rc_session=${token}` };
  const [busy] = await sql`select w.slug from public.workspaces w join public.workspace_rollouts r on r.workspace_id = w.id
                           join public.migrations m on m.id = r.migration_id where m.key = 'ai-pipeline' and w.slug like 'ws-%' order by w.slug limit 1`;
  const n = counts.workspaces.toLocaleString("en-US");
  const targets: [string, string][] = [
    [`overview, page 1 (50 of ${n} workspaces, summary)`, "/"],
    ["overview, page 10", "/?page=10"],
    ["overview, filtered (stage 2, sorted by alerts)", "/?at=ai-pipeline:2&sort=alerts"],
    ["overview, ready to advance (summary link)", "/?at=ai-pipeline&gate=ready"],
    ["migrations list", "/migrations"],
    [`migration page (${n} workspaces, plan, 30-day chart)`, "/migrations/ai-pipeline"],
    ["migration page, page 20", "/migrations/ai-pipeline?page=20"],
    ["migration page with a running plan (lead-centric)", "/migrations/lead-centric"],
    ["workspace page (plan outlook)", `/workspaces/${busy.slug}?m=ai-pipeline`],
    ["alerts", "/alerts"],
    ["audit", "/audit"],
    ["flags", "/flags"],
    ["chart API, workspace, 30 d", `/api/telemetry/series?migration=ai-pipeline&workspace=${busy.slug}&range=30d`],
    ["chart API, migration, 30 d", "/api/telemetry/series?migration=ai-pipeline&range=30d"],
    ["chart API, migration, 24 h", "/api/telemetry/series?migration=ai-pipeline&range=24h"],
  ];
  const only = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY) : null;
  console.log(`web process memory at start (RSS, with children): ${rssMb(app.pid).toFixed(0)} MB`);
  // The machine is shared: after every timed request the same client times
  // /api/health (one trivial query, no rendering), and each row prints that baseline's p50 beside
  // its figure, so a busy machine shows in the same run.
  const timeOne = async (path: string) => {
    const t0 = performance.now();
    const res = await fetch(app.baseUrl + path, { headers, redirect: "manual" });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
    return performance.now() - t0;
  };
  // The first overview after a server start: it must not wait for every workspace's
  // gate (READINESS_FIRST_WAIT_MS); then how long until the counts are there.
  if (!only || only.test("first overview")) {
    const started = performance.now();
    const first = await fetch(app.baseUrl + "/", { headers, redirect: "manual" });
    const firstHtml = await first.text();
    const firstMs = performance.now() - started;
    let judgedMs = firstHtml.includes('data-testid="readiness-pending-') ? NaN : firstMs;
    while (Number.isNaN(judgedMs) && performance.now() - started < 120_000) {
      await new Promise((r) => setTimeout(r, 250));
      const html = await (await fetch(app.baseUrl + "/", { headers, redirect: "manual" })).text();
      if (!html.includes('data-testid="readiness-pending-')) judgedMs = performance.now() - started;
    }
    console.log(`first overview after a server start: ${firstMs.toFixed(0)} ms (${firstHtml.includes('data-testid="readiness-pending-') ? "gates still being judged" : "with the counts"}); counts there after ${(judgedMs / 1000).toFixed(1)} s`);
  }
  for (const [label, path] of targets) {
    if (only && !only.test(label)) continue;
    const times: number[] = [];
    const base: number[] = [];
    for (let i = 0; i < RUNS + 5; i++) {
      const t = await timeOne(path);
      const b = await timeOne("/api/health");
      if (i >= 5) {
        times.push(t);
        base.push(b);
      }
    }
    const p50 = [...base].sort((a, b) => a - b)[Math.floor(base.length / 2)];
    console.log(`${label.padEnd(52)} ${summary(times)}  (baseline /api/health p50 ${p50.toFixed(1)} ms)`);
  }
  console.log(`web process memory after the run (RSS, with children): ${rssMb(app.pid).toFixed(0)} MB`);
} finally {
  await app.stop();
  await sql.end();
  await stopDb();
}
