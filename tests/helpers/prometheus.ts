// A real Prometheus server (Debian's `prometheus` package) for tests and benchmarks:
// started on 127.0.0.1 with a temporary config and data directory, scraping a small
// prom-client exporter that serves old and new series per workspace. A missing
// binary is an error, never a skip: `.ci/run` installs the package.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { Gauge, Registry } from "prom-client";

export const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN ?? "/usr/bin/prometheus";

export interface Exporter {
  port: number;
  registry: Registry;
  /** p95 latency per workspace and variant (ms) */
  latency: Gauge<"workspace" | "variant">;
  /** a gauge with many series per workspace and variant (label `i`) */
  many: Gauge<"workspace" | "variant" | "i">;
  /** a gauge that holds NaN / ±Inf */
  weird: Gauge<"workspace" | "variant">;
  close: () => Promise<void>;
}

export async function startExporter(): Promise<Exporter> {
  const registry = new Registry();
  const latency = new Gauge({ name: "app_latency_p95_ms", help: "p95 latency (ms)", labelNames: ["workspace", "variant"] as const, registers: [registry] });
  const many = new Gauge({ name: "app_many_series", help: "one series per i", labelNames: ["workspace", "variant", "i"] as const, registers: [registry] });
  const weird = new Gauge({ name: "app_weird", help: "NaN and infinities", labelNames: ["workspace", "variant"] as const, registers: [registry] });
  const server: Server = createServer(async (_req, res) => {
    const body = await registry.metrics();
    res.writeHead(200, { "content-type": registry.contentType }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as AddressInfo).port,
    registry,
    latency,
    many,
    weird,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

export interface RunningPrometheus {
  url: string;
  proc: ChildProcess;
  stop: () => Promise<void>;
}

/** Starts Prometheus scraping the exporter every `scrapeSeconds`; resolves when it is ready. */
export async function startPrometheus(opts: { exporterPort: number; port: number; scrapeSeconds?: number }): Promise<RunningPrometheus> {
  if (!existsSync(PROMETHEUS_BIN)) {
    throw new Error(`Prometheus is not installed at ${PROMETHEUS_BIN}: apt-get install -y prometheus (or set PROMETHEUS_BIN)`);
  }
  const dir = mkdtempSync(path.join(tmpdir(), "rollout-prometheus-"));
  const scrape = `${opts.scrapeSeconds ?? 1}s`;
  writeFileSync(
    path.join(dir, "prometheus.yml"),
    `global:\n  scrape_interval: ${scrape}\n  evaluation_interval: 15s\nscrape_configs:\n  - job_name: app\n    scrape_interval: ${scrape}\n    static_configs:\n      - targets: ["127.0.0.1:${opts.exporterPort}"]\n`,
  );
  const proc = spawn(
    PROMETHEUS_BIN,
    [
      `--config.file=${path.join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${path.join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${opts.port}`,
      "--storage.tsdb.retention.time=1h",
      "--log.level=warn",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  proc.stderr?.on("data", (c) => (stderr = (stderr + c).slice(-4000)));
  const exited = new Promise<number | null>((r) => proc.once("exit", (code) => r(code)));
  const url = `http://127.0.0.1:${opts.port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const dead = await Promise.race([exited, new Promise<"running">((r) => setTimeout(() => r("running"), 200))]);
    if (dead !== "running") throw new Error(`prometheus exited (${dead}): ${stderr}`);
    const ok = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`prometheus did not become ready: ${stderr}`);
  }
  return {
    url,
    proc,
    stop: async () => {
      if (proc.exitCode === null) {
        proc.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An instant query against Prometheus itself (to wait for scrapes). */
export async function promQuery(url: string, query: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const r = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(query)}`);
  const j = (await r.json()) as { data?: { result?: { metric: Record<string, string>; value: [number, string] }[] } };
  return j.data?.result ?? [];
}

/** Polls until `query` answers a value for which `ok` holds; returns the answer's first series. */
export async function waitForSeries(url: string, query: string, ok: (values: number[]) => boolean, timeoutMs = 60_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const res = await promQuery(url, query).catch(() => []);
    const values = res.map((s) => Number(s.value[1]));
    if (res.length && ok(values)) return res;
    if (Date.now() > end) throw new Error(`timed out waiting for ${query} (last: ${JSON.stringify(values)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
