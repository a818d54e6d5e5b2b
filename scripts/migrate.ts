// npm run db:migrate — applies pending migrations to DATABASE_URL (or the embedded dev database).
import { migrate } from "../lib/db/migrator";
import { resolveDevDatabase } from "./lib/dev-database";
import { ROOT } from "./lib/embedded-db";

const { url, stop } = await resolveDevDatabase((m) => console.log(m));
try {
  const r = await migrate(url, { root: ROOT, log: (m) => console.log(m) });
  console.log(`migrations: ${r.applied.length} applied, ${r.skipped} already applied`);
} finally {
  await stop();
}
