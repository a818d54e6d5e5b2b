// A stand-in console for the client's unit tests: serves a state document with
// an ETag and If-None-Match handling on 127.0.0.1, can be changed or stopped.
import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { StateDocument } from "./state";

export interface FakeConsole {
  url: string;
  requests: { path: string; ifNoneMatch?: string; auth?: string }[];
  set(doc: StateDocument): void;
  failWith(status: number | null): void;
  close(): Promise<void>;
}

export async function startFakeConsole(doc: StateDocument): Promise<FakeConsole> {
  let body = JSON.stringify(doc);
  let fail: number | null = null;
  const requests: FakeConsole["requests"] = [];
  const server: Server = createServer((req, res) => {
    requests.push({ path: req.url ?? "", ifNoneMatch: req.headers["if-none-match"], auth: req.headers.authorization });
    if (fail !== null) {
      res.writeHead(fail, { "Content-Type": "text/html" }).end("<html>bad gateway</html>");
      return;
    }
    const etag = `"${createHash("md5").update(body).digest("hex")}"`;
    if (req.headers["if-none-match"] === etag) {
      res.writeHead(304, { ETag: etag }).end();
      return;
    }
    res.writeHead(200, { ETag: etag, "Content-Type": "application/json" }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    set: (d) => (body = JSON.stringify(d)),
    failWith: (s) => (fail = s),
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

export function sampleDoc(overrides: Partial<StateDocument["flags"]> = {}): StateDocument {
  return {
    workspace: { id: "0b4c3a9e-2f7d-4c1e-9a55-6d1f0e2b7c11", slug: "acme", name: "Acme" },
    unit: "0b4c3a9e-2f7d-4c1e-9a55-6d1f0e2b7c11",
    migrations: { "ai-pipeline": { stage: 2, stageKey: "pct-10", stageName: "10 % traffic", status: "active", lastStage: 4 } },
    flags: {
      ai_pipeline_v2: { value: false, reason: "outside_rollout", mode: "rollout", rolloutBps: 2500 },
      ai_pipeline_shadow: { value: true, reason: "in_rollout", mode: "on", rolloutBps: 10000 },
      lead_tracking_ui: { value: false, reason: "stage_not_reached", mode: "off", rolloutBps: 10000 },
      ...(overrides as StateDocument["flags"]),
    },
  };
}
