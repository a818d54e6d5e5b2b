// Migrates and seeds the test database once before the integration files run.
import path from "node:path";
import postgres from "postgres";
import { migrate } from "../../lib/db/migrator";
import { isSeeded, seedDemo } from "../../lib/seed/demo";

export default async function setup() {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error("TEST_DATABASE_URL is not set: run integration tests through `npm run test:integration`");
  await migrate(url, { root: path.resolve(import.meta.dirname, "../..") });
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  if (!(await isSeeded(sql))) await seedDemo(sql);
  await sql.end();
}
