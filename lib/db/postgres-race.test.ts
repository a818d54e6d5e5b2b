import { describe, expect, it } from "vitest";
import { isPostgresWriteRace } from "./postgres-race";

const race = () => {
  const e = new TypeError("Cannot read properties of null (reading 'write')");
  e.stack = `${e.message}\n    at Immediate.nextWrite (node_modules/postgres/src/connection.js:250:25)\n    at process.processImmediate (node:internal/timers:478:21)`;
  return e;
};

describe("the known postgres.js write race", () => {
  it("is recognised by its message and where it was thrown", () => {
    expect(isPostgresWriteRace(race())).toBe(true);
  });
  it("nothing else is", () => {
    const elsewhere = race();
    elsewhere.stack = `${elsewhere.message}\n    at Immediate.flush (lib/edge/sync.ts:10:1)`;
    expect(isPostgresWriteRace(elsewhere)).toBe(false);
    expect(isPostgresWriteRace(new TypeError("Cannot read properties of null (reading 'write')"))).toBe(false);
    expect(isPostgresWriteRace(null)).toBe(false);
    expect(isPostgresWriteRace("reading 'write'")).toBe(false);
  });
});
