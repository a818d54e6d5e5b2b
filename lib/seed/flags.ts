// Demo flags linked to the demo plans' stages, created through the same SQL
// functions the console uses (as the system), so their history shows up too.
import type postgres from "postgres";

type Sql = postgres.Sql<Record<string, unknown>>;

export const DEMO_FLAGS = [
  { key: "lead_dual_write", plan: "lead-centric", minStage: 1, bps: 10_000, description: "Write a lead next to every new contact (stage 1: dual write)." },
  { key: "lead_tracking_ui", plan: "lead-centric", minStage: 2, bps: 10_000, description: "Show the lead tracking screens (stage 2)." },
  { key: "multi_lead_contacts", plan: "lead-centric", minStage: 3, bps: 10_000, description: "Let a contact own several leads (stage 3)." },
  { key: "ai_pipeline_shadow", plan: "ai-pipeline", minStage: 1, bps: 10_000, description: "Run the new enrichment pipeline in shadow mode and log the comparison." },
  { key: "ai_pipeline_v2", plan: "ai-pipeline", minStage: 2, bps: 2_500, description: "Answer with the new pipeline for a share of users (hashed by user id)." },
] as const;

export async function seedDemoFlags(sql: Sql): Promise<number> {
  await sql.begin(async (tx) => {
    for (const f of DEMO_FLAGS) {
      const [m] = await tx<{ id: string }[]>`select id from public.migrations where key = ${f.plan}`;
      if (!m) continue;
      const [flag] = await tx<{ id: string; version: string }[]>`
        select id, version from public.create_feature_flag(${f.key}, ${f.description}, ${m.id}, ${f.minStage}, ${f.bps}, 'Demo flag')`;
      await tx`select public.set_flag_rollout(${flag.id}, ${flag.version}, true, ${f.bps}, 'Enabled with the plan')`;
    }
  });
  return DEMO_FLAGS.length;
}
