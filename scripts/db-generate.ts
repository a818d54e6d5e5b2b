// npm run db:generate -- <name>: writes supabase/migrations/<timestamp>_<name>.sql
// from every definition file under supabase/schemas/ that changed since it was last
// emitted, records it in supabase/schemas/emitted.json, and records every new
// migration file (generated or hand-written) in supabase/migrations.lock.json.
// npm run db:check: exits 1, saying what to do, when anything is out of date.
import { writeFileSync } from "node:fs";
import path from "node:path";
import {
  definitionStatus, EMITTED_FILE, LOCK_FILE, MIGRATIONS_DIR, readDefinitions, readJson, renderMigration, sha256, stableJson,
} from "../lib/db/definitions";
import { ROOT } from "./lib/embedded-db";
import { readFileSync } from "node:fs";

const args = process.argv.slice(2);
const check = args.includes("--check");
const status = definitionStatus(ROOT);

if (check) {
  const problems: string[] = [];
  for (const f of status.editedMigrations)
    problems.push(`migration ${f} changed after it landed: restore it (git checkout -- ${MIGRATIONS_DIR}/${f}) and put the change in a new migration or a definition file`);
  for (const d of status.pending)
    problems.push(`supabase/schemas/${d.name} changed but no migration applies it: run npm run db:generate -- <name>`);
  for (const n of status.removed)
    problems.push(`supabase/schemas/${n} was removed: write a migration that drops what it defined, then run npm run db:generate -- <name>`);
  for (const f of status.unrecordedMigrations)
    problems.push(`migration ${f} is not in ${LOCK_FILE}: run npm run db:generate to record it`);
  for (const g of status.sharedVersions)
    problems.push(`migrations ${g.join(", ")} share the version ${g[0].split("_")[0]}: give the one that has not landed a later timestamp (rename it and its entry in ${LOCK_FILE})`);
  if (problems.length) {
    console.error(problems.map((p) => `✗ ${p}`).join("\n"));
    process.exit(1);
  }
  console.log(`✓ SQL definitions and migrations are in step (${readDefinitions(ROOT).length} definition files)`);
  process.exit(0);
}

if (status.editedMigrations.length) {
  console.error(`refusing: recorded migrations were edited: ${status.editedMigrations.join(", ")}`);
  process.exit(1);
}
if (status.removed.length) {
  console.error(`refusing: definition files were removed (${status.removed.join(", ")}); write a migration that drops what they defined and remove their entries from ${EMITTED_FILE}`);
  process.exit(1);
}

const lock = readJson(ROOT, LOCK_FILE);
if (status.pending.length) {
  const name = args.find((a) => !a.startsWith("-"));
  if (!name || !/^[a-z0-9_]+$/.test(name)) {
    console.error("usage: npm run db:generate -- <name in lower_snake_case>");
    process.exit(2);
  }
  const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
  const file = `${stamp}_${name}.sql`;
  const text = renderMigration(status.pending, readDefinitions(ROOT).map((d) => d.name));
  writeFileSync(path.join(ROOT, MIGRATIONS_DIR, file), text);
  const emitted = readJson(ROOT, EMITTED_FILE);
  for (const d of status.pending) emitted[d.name] = d.sha256;
  writeFileSync(path.join(ROOT, EMITTED_FILE), stableJson(emitted));
  status.unrecordedMigrations.push(file);
  console.log(`wrote ${MIGRATIONS_DIR}/${file} from ${status.pending.length} definition file(s): ${status.pending.map((d) => d.name).join(", ")}`);
} else {
  console.log("no definition changed");
}
for (const f of status.unrecordedMigrations) lock[f] = sha256(readFileSync(path.join(ROOT, MIGRATIONS_DIR, f), "utf8"));
writeFileSync(path.join(ROOT, LOCK_FILE), stableJson(lock));
if (status.unrecordedMigrations.length) console.log(`recorded in ${LOCK_FILE}: ${status.unrecordedMigrations.join(", ")}`);
