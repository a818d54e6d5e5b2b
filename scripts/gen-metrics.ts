// npm run gen:metrics -- [--samples 10000000] [--days 30] [--workspaces 24]
// Writes benchmark telemetry into DATABASE_URL: a migration "scale-test" with its
// own workspaces (so it never collides with demo data), and N samples (latency_ms,
// error, success per request, old and new variants) spread over the last D days.
// Days are written in time order, each with one bulk flush (COPY), so the rollups
// equal what the ingest path would have built. Prints progress and throughput.
import { parseArgs } from "node:util";
import postgres from "postgres";
import { BulkLoader } from "../lib/telemetry/bulk-load";
import { rng } from "../lib/seed/random";

const DAY = 86_400_000;

export async function generateMetrics(url: string, opts: { samples: number; days: number; workspaces: number; log?: (m: string) => void }) {
  const log = opts.log ?? console.log;
  const sql = postgres(url, { max: 2, onnotice: () => {} });
  const r = rng(1234);
  try {
    const [existing] = await sql`select id from public.migrations where key = 'scale-test'`;
    if (existing) throw new Error("this database already has the scale-test data (drop it or use a fresh database)");
    const [mig] = await sql<{ id: string }[]>`
      insert into public.migrations (key, name, description) values ('scale-test', 'Scale test', 'Benchmark data from scripts/gen-metrics.ts') returning id`;
    await sql`insert into public.migration_stages (migration_id, position, key, name) values (${mig.id}, 0, 'old', 'Old'), (${mig.id}, 1, 'new', 'New')`;
    const ws: string[] = [];
    for (let i = 1; i <= opts.workspaces; i++) {
      const slug = `scale-${String(i).padStart(3, "0")}`;
      const [w] = await sql<{ id: string }[]>`insert into public.workspaces (slug, name, tier) values (${slug}, ${`Scale ${i}`}, 'standard') returning id`;
      await sql`insert into public.workspace_rollouts (workspace_id, migration_id, stage) values (${w.id}, ${mig.id}, 1)`;
      ws.push(w.id);
    }
    const loader = new BulkLoader(sql);
    const requests = Math.ceil(opts.samples / 3);
    const perDay = Math.ceil(requests / opts.days);
    // Hour-aligned days: every rollup bucket falls inside one day, so days never overlap.
    const end = Math.floor(Date.now() / 3_600_000) * 3_600_000;
    const start = end - opts.days * DAY;
    const t0 = performance.now();
    let written = 0;
    for (let d = 0; d < opts.days; d++) {
      const dayStart = start + d * DAY;
      const n = Math.min(perDay, requests - d * perDay);
      // Requests in time order within the day, spread over its workspaces.
      const times = Array.from({ length: n }, () => dayStart + Math.floor(r.next() * DAY)).sort((a, b) => a - b);
      for (const t of times) {
        const w = ws[Math.floor(r.next() * ws.length)];
        const isNew = r.next() < 0.5;
        const variant = isNew ? "new" : "old";
        const latency = Math.round((isNew ? 160 : 180) * Math.exp(0.4 * r.normal()) * 10) / 10;
        const error = r.next() < (isNew ? 0.004 : 0.006) ? 1 : 0;
        loader.add(w, mig.id, "latency_ms", variant, latency, t);
        loader.add(w, mig.id, "error", variant, error, t);
        loader.add(w, mig.id, "success", variant, 1 - error, t);
      }
      await loader.flush();
      written = loader.samples;
      const s = (performance.now() - t0) / 1000;
      log(`day ${d + 1}/${opts.days}: ${written.toLocaleString("en")} samples, ${Math.round(written / s).toLocaleString("en")} samples/s`);
    }
    return { migrationId: mig.id, workspaceIds: ws, samples: written, seconds: (performance.now() - t0) / 1000 };
  } finally {
    await sql.end();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { samples: { type: "string", default: "10000000" }, days: { type: "string", default: "30" }, workspaces: { type: "string", default: "24" } } });
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error("Set DATABASE_URL to the database to fill (a migrated one of its own, not a shared one)");
    process.exit(2);
  }
  const res = await generateMetrics(url, { samples: Number(values.samples), days: Number(values.days), workspaces: Number(values.workspaces) });
  console.log(`done: ${res.samples.toLocaleString("en")} samples in ${res.seconds.toFixed(1)} s`);
}
