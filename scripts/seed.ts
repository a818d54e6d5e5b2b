// npm run db:seed — seeds demo data into an empty database (migrating first).
import postgres from "postgres";
import { migrate } from "../lib/db/migrator";
import { isSeeded, seedDemo } from "../lib/seed/demo";
import { resolveDevDatabase } from "./lib/dev-database";
import { ROOT } from "./lib/embedded-db";

const { url, stop } = await resolveDevDatabase((m) => console.log(m));
try {
  await migrate(url, { root: ROOT });
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    if (await isSeeded(sql)) console.log("database already has data; not seeding");
    else console.log("seeded", await seedDemo(sql));
  } finally {
    await sql.end();
  }
} finally {
  await stop();
}
