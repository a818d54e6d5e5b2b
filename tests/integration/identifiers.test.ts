// The identifier rules are written once in TypeScript (lib/validation/identifiers.ts)
// and once in SQL (supabase/schemas/common/identifiers.sql): these keep them equal,
// on the pattern text and on what they accept, and check the tables' own
// constraints against them.
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { isIdentifier, PATTERNS, type IdentifierKind } from "../../lib/validation/identifiers";
import { asUser, closeDb, createUser, db } from "../helpers/db";

afterAll(closeDb);

const KINDS = Object.keys(PATTERNS) as IdentifierKind[];
// Characters the rules care about, plus some they must refuse; Postgres text cannot hold NUL.
const interesting = fc.constantFrom(..."aZz09-_.:/ \n\tÄé€😀".split(""), "A", "m", "x", "5", "-", "_");
const candidates = fc.oneof(
  fc.string({ unit: interesting, maxLength: 120 }),
  fc.string({ maxLength: 80 }).filter((s) => !s.includes("\u0000")),
);

describe("identifier rules: TypeScript and SQL agree", () => {
  it.each(KINDS)("%s has the same pattern text in both", async (kind) => {
    const [row] = await db()`select app_private.identifier_pattern(${kind}) as p`;
    expect(row.p).toBe(PATTERNS[kind]);
  });

  it.each(KINDS)("%s accepts and refuses the same strings in both", async (kind) => {
    const values = [
      ...fc.sample(candidates, { numRuns: 1500, seed: 20261202 }),
      "a", "a".repeat(63), "a".repeat(64), "a".repeat(100), "a".repeat(101), "api:latency", "Latency.p95", "a\n", "\na", "-a", "_a",
    ];
    const rows = await db()<{ v: string; ok: boolean }[]>`
      select v, app_private.is_identifier(${kind}, v) as ok from unnest(${values}::text[]) as v`;
    const disagree = rows.filter((r) => r.ok !== isIdentifier(kind, r.v)).map((r) => JSON.stringify(r.v));
    expect(disagree).toEqual([]);
    expect(rows.some((r) => r.ok)).toBe(true);
    expect(rows.some((r) => !r.ok)).toBe(true);
  });

  it("the tables' own constraints use the same patterns", async () => {
    const rows = await db()<{ def: string; t: string }[]>`
      select conrelid::regclass::text as t, pg_get_constraintdef(oid) as def from pg_constraint
       where conrelid in ('public.workspaces'::regclass, 'public.migrations'::regclass, 'public.migration_stages'::regclass,
                          'public.feature_flags'::regclass, 'public.guardrail_rules'::regclass) and contype = 'c'`;
    const def = (t: string, needle: string) => rows.filter((r) => r.t === t && r.def.includes(needle)).map((r) => r.def);
    expect(def("workspaces", "slug")[0]).toContain(PATTERNS.workspace_slug);
    expect(def("migrations", "key")[0]).toContain(PATTERNS.migration_key);
    expect(def("migration_stages", "key ~")[0]).toContain(PATTERNS.stage_key);
    expect(def("feature_flags", "key")[0]).toContain(PATTERNS.flag_key);
    expect(def("guardrail_rules", "is_identifier")[0]).toContain("is_identifier('metric_name'::text, metric)");
  });

  it("a metric that ingest stores can be guarded (api:latency)", async () => {
    const admin = await createUser("admin");
    const [rule] = await asUser(admin, (tx) => tx`
      insert into public.guardrail_rules (name, statistic, metric, comparison, operator, threshold, window_minutes, min_samples, severity, action)
      values (${`api latency ${Date.now()}`}, 'metric_mean', 'api:latency', 'ratio', '>', 1.5, 15, 100, 'warning', 'alert') returning id, metric`);
    expect(rule.metric).toBe("api:latency");
    await expect(asUser(admin, (tx) => tx`
      insert into public.guardrail_rules (name, statistic, metric, comparison, operator, threshold, window_minutes, min_samples, severity, action)
      values ('bad metric', 'metric_mean', '9lives', 'ratio', '>', 1.5, 15, 100, 'warning', 'alert')`)).rejects.toThrow(/guardrail_rules_metric_check/);
    await db()`delete from public.guardrail_rules where id = ${rule.id as string}`;
  });
});
