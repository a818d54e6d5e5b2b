import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { definitionStatus, sha256 } from "./definitions";

let root: string;
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** A project with the given migration files, all recorded in the lock, and no definition files. */
function project(files: Record<string, string>) {
  root = mkdtempSync(path.join(tmpdir(), "defs-"));
  mkdirSync(path.join(root, "supabase/schemas"), { recursive: true });
  mkdirSync(path.join(root, "supabase/migrations"), { recursive: true });
  for (const [f, text] of Object.entries(files)) writeFileSync(path.join(root, "supabase/migrations", f), text);
  writeFileSync(path.join(root, "supabase/migrations.lock.json"), JSON.stringify(Object.fromEntries(Object.entries(files).map(([f, t]) => [f, sha256(t)]))));
  writeFileSync(path.join(root, "supabase/schemas/emitted.json"), "{}");
  return root;
}

describe("definitionStatus", () => {
  it("names migrations that share a version, which the migrator would record once", () => {
    const s = definitionStatus(project({ "20260101000000_a.sql": "select 1;", "20260101000000_b.sql": "select 2;", "20260101000001_c.sql": "select 3;" }));
    expect(s.sharedVersions).toEqual([["20260101000000_a.sql", "20260101000000_b.sql"]]);
  });

  it("names an edited recorded migration and an unrecorded one", () => {
    project({ "20260101000000_a.sql": "select 1;" });
    writeFileSync(path.join(root, "supabase/migrations/20260101000000_a.sql"), "select 11;");
    writeFileSync(path.join(root, "supabase/migrations/20260101000001_b.sql"), "select 2;");
    const s = definitionStatus(root);
    expect(s).toMatchObject({ editedMigrations: ["20260101000000_a.sql"], unrecordedMigrations: ["20260101000001_b.sql"], sharedVersions: [] });
  });
});
