// The development database: DATABASE_URL when set (a Supabase project, a local
// Postgres service), otherwise the embedded Postgres under .data/postgres.
import { ensureProject, startEmbedded } from "./embedded-db";

export const DEV_PORT = Number(process.env.EMBEDDED_PG_PORT ?? 54322);
export const DEV_DB = "rollout_console";

export async function resolveDevDatabase(log: (m: string) => void): Promise<{ url: string; embedded: boolean; stop: () => Promise<void> }> {
  if (process.env.DATABASE_URL) {
    return { url: process.env.DATABASE_URL, embedded: false, stop: async () => {} };
  }
  const pg = await startEmbedded({ dir: "postgres", port: DEV_PORT, log });
  const url = await ensureProject(pg.adminUrl("postgres"), DEV_DB);
  return { url, embedded: true, stop: pg.stop };
}
