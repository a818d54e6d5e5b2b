// npm run bench:flags (second part) — time from a flag change committed in the
// database to a RolloutClient (polling the production build) seeing it,
// for poll intervals of 1000 ms and 250 ms. A fixed number of changes each.
import { RolloutClient } from "../clients/rollout-client/client";
import { percentile, startFlagsStack } from "./flags-stack";

const CHANGES = Number(process.env.BENCH_CHANGES ?? 12);
const stack = await startFlagsStack({ port: Number(process.env.BENCH_PORT ?? 3302) });
try {
  const [flag] = await stack.sql<{ id: string }[]>`select id from public.feature_flags where key = 'ai_pipeline_shadow'`;
  const [ws] = await stack.sql<{ slug: string; id: string }[]>`
    select w.slug, w.id from public.workspaces w join public.workspace_rollouts r on r.workspace_id = w.id
    join public.migrations m on m.id = r.migration_id where m.key = 'ai-pipeline' and r.stage >= 1 order by w.slug limit 1`;
  for (const interval of [1000, 250]) {
    const client = new RolloutClient({ baseUrl: stack.baseUrl, token: stack.token, workspaces: [ws.slug], pollIntervalMs: interval }).start();
    await client.ready();
    const times: number[] = [];
    for (let i = 0; i < CHANGES; i++) {
      const want = !client.isEnabled(ws.slug, "ai_pipeline_shadow");
      const seen = new Promise<number>((resolve) => {
        const off = client.onChange(() => {
          if (client.isEnabled(ws.slug, "ai_pipeline_shadow") === want) {
            off();
            resolve(performance.now());
          }
        });
      });
      // Random phase against the poll timer, as a real change would have.
      await new Promise((r) => setTimeout(r, Math.random() * interval));
      const t0 = performance.now();
      await stack.sql`select public.set_flag_override(${flag.id}, ${ws.id}, ${want}, 'propagation bench')`;
      times.push((await seen) - t0);
    }
    client.close();
    times.sort((a, b) => a - b);
    console.log(
      `poll every ${String(interval).padStart(4)} ms: change → client sees it  p50 ${percentile(times, 50).toFixed(0)} ms  p95 ${percentile(times, 95).toFixed(0)} ms  max ${times.at(-1)!.toFixed(0)} ms  (${CHANGES} changes)`,
    );
  }
} finally {
  await stack.stop();
}
