import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";

// Layer boundaries (DESIGN.md): lib holds the domain and never reaches up into the
// routes (app) or the presentation (components); components are presentational and
// never touch the database layer. lib/layers.test.ts proves these rules fire.
const fromAnywhere = (dirs) => `^(@/|(\\.\\.?/)+)(${dirs.join("|")})(/|$)`;
export const layerRules = [
  {
    files: ["lib/**/*.{ts,tsx}"],
    rules: {
      "no-restricted-imports": ["error", {
        patterns: [{ regex: fromAnywhere(["app", "components"]), message: "lib must not import from app/ or components/: move the shared piece into lib." }],
      }],
    },
  },
  {
    files: ["components/**/*.{ts,tsx}"],
    rules: {
      "no-restricted-imports": ["error", {
        patterns: [
          { regex: fromAnywhere(["lib/db", "lib/actions"]), message: "components are presentational: no database or action-client access; take data through props or a route." },
          { regex: fromAnywhere(["app"]), message: "components must not import from app/." },
        ],
      }],
    },
  },
];

const config = [
  ...nextVitals,
  ...nextTs,
  ...layerRules,
  { ignores: [".next/**", ".next-*/**", ".data/**", "node_modules/**", "next-env.d.ts", "test-results/**", "playwright-report/**"] },
];
export default config;
