// SQL definition files (supabase/schemas/<domain>/<topic>.sql) hold the single
// current text of every function, trigger, view and policy. Migrations stay the
// deployment artifact (the migrator and `supabase db push` both apply them):
// `npm run db:generate` turns changed definition files into a new timestamped
// migration, and `npm run db:check` fails when a definition has not been turned
// into a migration yet or a recorded migration was edited.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

export const SCHEMAS_DIR = "supabase/schemas";
export const MIGRATIONS_DIR = "supabase/migrations";
/** path of a definition file → sha256 of the text last written into a migration. */
export const EMITTED_FILE = "supabase/schemas/emitted.json";
/** migration file → sha256, for every migration that ever landed. */
export const LOCK_FILE = "supabase/migrations.lock.json";

export interface Definition {
  /** Path relative to supabase/schemas, with forward slashes. */
  name: string;
  text: string;
  sha256: string;
  requires: string[];
}

export const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

function walk(dir: string, base = ""): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    const rel = base ? `${base}/${entry}` : entry;
    if (statSync(full).isDirectory()) return walk(full, rel);
    return entry.endsWith(".sql") ? [rel] : [];
  });
}

const REQUIRES = /^--\s*requires:\s*(.+)$/gm;

export function readDefinitions(root: string): Definition[] {
  const dir = path.join(root, SCHEMAS_DIR);
  return walk(dir)
    .sort()
    .map((name) => {
      const text = readFileSync(path.join(dir, name), "utf8");
      const requires = [...text.matchAll(REQUIRES)].flatMap((m) => m[1].split(",").map((s) => s.trim()).filter(Boolean));
      return { name, text, sha256: sha256(text), requires };
    });
}

/**
 * Orders definitions so each comes after the files it `-- requires:`; path order otherwise.
 * `applied` names definition files outside `defs` that exist (emitted by earlier
 * migrations): a requirement on one of them is already met.
 */
export function orderDefinitions(defs: Definition[], applied: readonly string[] = []): Definition[] {
  const byName = new Map(defs.map((d) => [d.name, d]));
  const out: Definition[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (d: Definition, chain: string[]) => {
    const s = state.get(d.name);
    if (s === "done") return;
    if (s === "visiting") throw new Error(`definition files require each other in a cycle: ${[...chain, d.name].join(" → ")}`);
    state.set(d.name, "visiting");
    for (const r of d.requires) {
      const dep = byName.get(r);
      if (!dep && applied.includes(r)) continue;
      if (!dep) throw new Error(`${d.name} requires ${r}, which is not a file under ${SCHEMAS_DIR}`);
      visit(dep, [...chain, d.name]);
    }
    state.set(d.name, "done");
    out.push(d);
  };
  for (const d of defs) visit(d, []);
  return out;
}

export function readJson(root: string, file: string): Record<string, string> {
  const p = path.join(root, file);
  return existsSync(p) ? (JSON.parse(readFileSync(p, "utf8")) as Record<string, string>) : {};
}

export function stableJson(obj: Record<string, string>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(obj).sort(([a], [b]) => a.localeCompare(b))), null, 2) + "\n";
}

export interface DefinitionStatus {
  /** Definition files whose text differs from what was last emitted (new files included). */
  pending: Definition[];
  /** Files recorded as emitted that no longer exist. */
  removed: string[];
  /** Migrations recorded in the lock whose text changed or that disappeared. */
  editedMigrations: string[];
  /** Migration files not yet recorded in the lock. */
  unrecordedMigrations: string[];
  /** Migrations that share a version (the name's timestamp): the migrator records one version once. */
  sharedVersions: string[][];
}

export function definitionStatus(root: string): DefinitionStatus {
  const defs = readDefinitions(root);
  const emitted = readJson(root, EMITTED_FILE);
  const lock = readJson(root, LOCK_FILE);
  const migDir = path.join(root, MIGRATIONS_DIR);
  const migrations = readdirSync(migDir).filter((f) => f.endsWith(".sql")).sort();
  const editedMigrations = Object.entries(lock)
    .filter(([file, hash]) => !existsSync(path.join(migDir, file)) || sha256(readFileSync(path.join(migDir, file), "utf8")) !== hash)
    .map(([file]) => file);
  return {
    pending: defs.filter((d) => emitted[d.name] !== d.sha256),
    removed: Object.keys(emitted).filter((n) => !defs.some((d) => d.name === n)),
    editedMigrations,
    unrecordedMigrations: migrations.filter((f) => !(f in lock)),
    sharedVersions: sharedVersions(migrations),
  };
}

function sharedVersions(migrations: string[]): string[][] {
  const byVersion = new Map<string, string[]>();
  for (const f of migrations) {
    const v = f.split("_")[0];
    byVersion.set(v, [...(byVersion.get(v) ?? []), f]);
  }
  return [...byVersion.values()].filter((g) => g.length > 1);
}

/** The text of a migration that applies the given definitions, in dependency order. */
export function renderMigration(defs: Definition[], applied: readonly string[] = []): string {
  const ordered = orderDefinitions(defs, applied);
  const parts = [
    "-- Generated by `npm run db:generate` from supabase/schemas/: edit those files and",
    "-- generate again; never edit this file once it is on main.",
    "-- Bodies may call functions defined later in this file.",
    "set check_function_bodies = off;",
    "set lock_timeout = '5s';",
    "set statement_timeout = '60s';",
    "",
  ];
  for (const d of ordered) {
    parts.push(`-- ==== supabase/schemas/${d.name} ====`, d.text.trimEnd(), "");
  }
  parts.push("reset check_function_bodies;", "");
  return parts.join("\n");
}
