import { ErrorCode, OpenFeature, StandardResolutionReasons } from "@openfeature/server-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inRollout } from "../../lib/flags/hash";
import { RolloutClient } from "./client";
import { RolloutConsoleProvider } from "./openfeature";
import { sampleDoc, startFakeConsole, type FakeConsole } from "./test-server";

let server: FakeConsole;
beforeAll(async () => {
  server = await startFakeConsole(sampleDoc());
  const client = new RolloutClient({ baseUrl: server.url, token: "rc_test", workspaces: ["acme"], pollIntervalMs: 50 });
  await OpenFeature.setProviderAndWait(new RolloutConsoleProvider(client));
});
afterAll(async () => {
  await OpenFeature.close();
  await server.close();
});

describe("RolloutConsoleProvider (OpenFeature)", () => {
  it("answers boolean flags for the workspace and unit in the context", async () => {
    const of = OpenFeature.getClient();
    expect(await of.getBooleanValue("ai_pipeline_shadow", false, { workspace: "acme" })).toBe(true);
    expect(await of.getBooleanValue("lead_tracking_ui", true, { workspace: "acme" })).toBe(false);
    for (const u of ["u1", "u2", "u3", "u4", "u5", "u6"]) {
      const d = await of.getBooleanDetails("ai_pipeline_v2", false, { workspace: "acme", targetingKey: u });
      expect(d.value).toBe(inRollout("ai_pipeline_v2", u, 2500));
      expect(d.reason).toBe(StandardResolutionReasons.SPLIT);
    }
  });

  it("returns the default with an error code for unknown flags, missing workspace and wrong types", async () => {
    const of = OpenFeature.getClient();
    const missing = await of.getBooleanDetails("nope", true, { workspace: "acme" });
    expect(missing).toMatchObject({ value: true, errorCode: ErrorCode.FLAG_NOT_FOUND });
    const noWs = await of.getBooleanDetails("ai_pipeline_shadow", false, {});
    expect(noWs).toMatchObject({ value: false, errorCode: ErrorCode.INVALID_CONTEXT });
    const str = await of.getStringDetails("ai_pipeline_shadow", "x", { workspace: "acme" });
    expect(str).toMatchObject({ value: "x", errorCode: ErrorCode.TYPE_MISMATCH });
  });
});
