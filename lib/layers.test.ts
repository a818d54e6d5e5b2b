// The layer rules in eslint.config.mjs fire on the imports they forbid and stay
// quiet on the ones they allow.
import path from "node:path";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const eslint = new ESLint({ cwd: path.resolve(import.meta.dirname, "..") });
async function restricted(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: file });
  return result.messages.filter((m) => m.ruleId === "no-restricted-imports").map((m) => m.message);
}

// Loading the lint configuration takes seconds on a busy machine: no tight timeout.
describe("layer boundaries", { timeout: 180_000 }, () => {
  it("lib may not import app or components", async () => {
    expect(await restricted("lib/rollouts/x.ts", 'import { A } from "@/components/ui/a";\nexport const a = A;\n')).toHaveLength(1);
    expect(await restricted("lib/rollouts/x.ts", 'import { A } from "@/app/(dashboard)/page";\nexport const a = A;\n')).toHaveLength(1);
    expect(await restricted("lib/rollouts/x.ts", 'import { A } from "../../components/ui/a";\nexport const a = A;\n')).toHaveLength(1);
    expect(await restricted("lib/rollouts/x.ts", 'import { A } from "@/lib/db";\nexport const a = A;\n')).toEqual([]);
  });

  it("components may not import the database layer or the action client", async () => {
    expect(await restricted("components/ui/x.tsx", 'import { sql } from "@/lib/db";\nexport const a = sql;\n')).toHaveLength(1);
    expect(await restricted("components/ui/x.tsx", 'import { asUser } from "@/lib/db/index";\nexport const a = asUser;\n')).toHaveLength(1);
    expect(await restricted("components/ui/x.tsx", 'import { defineAction } from "@/lib/actions/client";\nexport const a = defineAction;\n')).toHaveLength(1);
    expect(await restricted("components/ui/x.tsx", 'import { cn } from "@/lib/validation/identifiers";\nexport const a = cn;\n')).toEqual([]);
  });
});
