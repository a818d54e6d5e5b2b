import { createHash, randomBytes } from "node:crypto";
import { gzipSync } from "node:zlib";
import { AggregationTemporalityPreference, OTLPMetricExporter as JsonExporter } from "@opentelemetry/exporter-metrics-otlp-http";
import { OTLPMetricExporter as ProtoExporter } from "@opentelemetry/exporter-metrics-otlp-proto";
import { CompressionAlgorithm } from "@opentelemetry/otlp-exporter-base";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { AggregationType, MeterProvider, PeriodicExportingMetricReader, type ViewOptions } from "@opentelemetry/sdk-metrics";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { handleOtlpMetrics } from "../../lib/otlp/handler";
import { ExportResponse, RpcStatus } from "../../lib/otlp/proto";
import { resetRateLimits } from "../../lib/telemetry/rate-limit";
import { asAnon, closeDb, createMigration, createWorkspace, db, enroll } from "../helpers/db";
import { serve, type Answer, type Served } from "../../scripts/lib/fetch-server";

// POST /v1/metrics with the real OpenTelemetry JS SDK exporting to it over HTTP
// (JSON and protobuf exporters), and hand-made requests for what an SDK never
// sends. Every test has its own workspaces and tokens; the database is shared.
type Ws = Awaited<ReturnType<typeof createWorkspace>>;
let server: Served;
let ws: Ws;
let writer: { raw: string; id: string };

async function token(opts: { scopes?: string[]; workspaces?: string[] | null } = {}) {
  const raw = `rc_${randomBytes(32).toString("base64url")}`;
  const hash = createHash("sha256").update(raw).digest("hex");
  const [t] = await db()<{ id: string }[]>`
    insert into public.ingest_tokens (name, token_hash, prefix, workspace_ids, scopes)
    values ('otlp test', ${hash}, ${raw.slice(0, 8)}, ${opts.workspaces === undefined ? null : opts.workspaces}, ${opts.scopes ?? ["metrics:write"]})
    returning id`;
  return { raw, id: t.id };
}

const target = (w: Ws, variant = "new", migration = "lead-centric") => ({ "rollout.workspace": w.slug, "rollout.migration": migration, "rollout.variant": variant, "service.name": "checkout" });

function sdk(opts: { proto: boolean; token: string; resource: Record<string, string>; cumulative?: boolean; gzip?: boolean; views?: ViewOptions[] }) {
  const Exporter = opts.proto ? ProtoExporter : JsonExporter;
  const exporter = new Exporter({
    url: `${server.url}/v1/metrics`,
    headers: { Authorization: `Bearer ${opts.token}` },
    temporalityPreference: opts.cumulative ? AggregationTemporalityPreference.CUMULATIVE : AggregationTemporalityPreference.DELTA,
    compression: opts.gzip ? CompressionAlgorithm.GZIP : CompressionAlgorithm.NONE,
  });
  // Exports only when flushed: the test decides when a point is sent.
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ resource: resourceFromAttributes(opts.resource), readers: [reader], views: opts.views });
  return { meter: provider.getMeter("otlp-test"), flush: () => provider.forceFlush(), shutdown: () => provider.shutdown() };
}

/** The answers the server gave since `from`, decoded. */
function decoded(answers: Answer[]) {
  return answers.map((a) => ({
    status: a.status,
    body: a.type?.includes("protobuf")
      ? (a.status === 200 ? ExportResponse : RpcStatus).toObject((a.status === 200 ? ExportResponse : RpcStatus).decode(a.body), { longs: Number })
      : JSON.parse(a.body.toString("utf8") || "{}"),
  }));
}

const raw = (w: Ws, metric: string) =>
  db()<{ variant: string; value: number }[]>`select variant, value from public.performance_metrics where workspace_id = ${w.id} and metric = ${metric} order by time`;
const stats = async (w: Ws, metric: string, variant = "new") => {
  const [s] = await db()<{ n: string; mean: number; p50: number; p95: number; p99: number; min: number; max: number }[]>`
    select * from public.rollup_stats(${w.id}, ${w.migrationId!}, ${metric}, ${variant}, now() - interval '1 hour', now() + interval '1 hour')`;
  return { ...s, n: Number(s.n) };
};
const exact = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1];
};
/** Deterministic latencies (ms), log-normal-like, spread over two decades. */
const latencies = (n: number, scale = 1) => Array.from({ length: n }, (_, i) => scale * 30 * Math.exp(1.6 * Math.sin(i * 12.9898) * Math.cos(i * 78.233)) * (1 + (i % 7) / 10));

// Hand-made OTLP/JSON requests.
const nowNs = (msAgo = 0) => String(BigInt(Date.now() - msAgo) * 1_000_000n);
const attrs = (o: Record<string, string>) => Object.entries(o).map(([key, v]) => ({ key, value: { stringValue: v } }));
const request = (resource: Record<string, string>, metrics: unknown[]) => ({ resourceMetrics: [{ resource: { attributes: attrs(resource) }, scopeMetrics: [{ scope: { name: "t" }, metrics }] }] });
const gauge = (name: string, value: number, pointAttrs: Record<string, string> = {}) => ({ name, gauge: { dataPoints: [{ attributes: attrs(pointAttrs), timeUnixNano: nowNs(), asDouble: value }] } });
const counter = (name: string, value: number, startNs: string, timeNs = nowNs()) => ({
  name, sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [{ startTimeUnixNano: startNs, timeUnixNano: timeNs, asInt: String(value) }] },
});
function post(body: unknown, opts: { token?: string; auth?: string; type?: string; encoding?: string; bytes?: Uint8Array; length?: string } = {}) {
  const headers: Record<string, string> = { "content-type": opts.type ?? "application/json" };
  if (opts.auth !== undefined) headers.authorization = opts.auth;
  else headers.authorization = `Bearer ${opts.token ?? writer.raw}`;
  if (opts.encoding) headers["content-encoding"] = opts.encoding;
  if (opts.length) headers["content-length"] = opts.length;
  return handleOtlpMetrics(new Request("http://127.0.0.1/v1/metrics", { method: "POST", headers, body: (opts.bytes ?? JSON.stringify(body)) as BodyInit }));
}

beforeAll(async () => {
  server = await serve(handleOtlpMetrics);
  ws = await createWorkspace({ migrationKey: "lead-centric", stage: 2 });
  writer = await token();
});
afterEach(() => {
  vi.unstubAllEnvs();
  resetRateLimits();
});
afterAll(async () => {
  await server.close();
  await closeDb();
});

describe("the OpenTelemetry SDK exporting to /v1/metrics", () => {
  it("a gauge over JSON lands as a sample", async () => {
    const w = await createWorkspace({ migrationKey: "lead-centric", stage: 1 });
    const s = sdk({ proto: false, token: writer.raw, resource: target(w) });
    s.meter.createObservableGauge("quality.score").addCallback((r) => r.observe(0.93));
    const from = server.answers.length;
    await s.shutdown(); // exports once
    expect(decoded(server.answers.slice(from))).toEqual([{ status: 200, body: {} }]);
    expect(await raw(w, "quality.score")).toEqual([{ variant: "new", value: 0.93 }]);
    expect((await stats(w, "quality.score")).n).toBe(1);
  });

  it("a delta counter over gzipped protobuf lands as one sample per export", async () => {
    const w = await createWorkspace({ migrationKey: "lead-centric", stage: 1 });
    const s = sdk({ proto: true, gzip: true, token: writer.raw, resource: target(w, "old") });
    const c = s.meter.createCounter("jobs.done");
    c.add(5);
    await s.flush();
    c.add(2);
    c.add(1);
    await s.flush();
    await s.shutdown();
    expect(await raw(w, "jobs.done")).toEqual([{ variant: "old", value: 5 }, { variant: "old", value: 3 }]);
  });

  it("a cumulative counter becomes deltas; a restarted process (new start time) counts from its start", async () => {
    const w = await createWorkspace({ migrationKey: "lead-centric", stage: 1 });
    const first = sdk({ proto: true, cumulative: true, token: writer.raw, resource: target(w) });
    const c = first.meter.createCounter("jobs.done");
    c.add(3);
    await first.flush(); // first point of a stream that started just now: counts in full
    c.add(4);
    await first.flush(); // 7 cumulative → 4
    await first.shutdown(); // exports once more: nothing new → 0
    const restarted = sdk({ proto: false, cumulative: true, token: writer.raw, resource: target(w) });
    restarted.meter.createCounter("jobs.done").add(2);
    await restarted.shutdown(); // a new start time: a reset, 2 since it
    expect((await raw(w, "jobs.done")).map((r) => r.value)).toEqual([3, 4, 0, 2]);
  });

  it("explicit-bucket histograms (delta, protobuf) keep percentiles within the rollups' tolerance; seconds become latency_ms; 5xx become errors", async () => {
    const w = await createWorkspace({ migrationKey: "lead-centric", stage: 1 });
    // Boundaries on the rollups' own bucket edges (0.01 ms · 1.05^k), in seconds.
    const boundaries = Array.from({ length: 150 }, (_, i) => (0.01 * 1.05 ** (125 + i)) / 1000);
    const s = sdk({ proto: true, token: writer.raw, resource: target(w) });
    const h = s.meter.createHistogram("http.server.request.duration", { unit: "s", advice: { explicitBucketBoundaries: boundaries } });
    const values = latencies(4000);
    values.forEach((v, i) => h.record(v / 1000, { "http.response.status_code": i % 50 === 0 ? 503 : 200 }));
    await s.flush();
    await s.shutdown();
    const st = await stats(w, "latency_ms");
    expect(st.n).toBe(values.length);
    for (const [q, got] of [[0.5, st.p50], [0.95, st.p95], [0.99, st.p99]] as const) {
      expect(Math.abs(got - exact(values, q)) / exact(values, q), `p${q * 100}`).toBeLessThan(0.03);
    }
    expect(st.mean).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 6);
    const errors = await stats(w, "error");
    expect(errors.n).toBe(values.length);
    expect(errors.mean).toBeCloseTo(80 / 4000, 9);
    expect((await stats(w, "success")).mean).toBeCloseTo(1 - 80 / 4000, 9);
    expect(await raw(w, "latency_ms")).toEqual([]); // a histogram is not a sample: rollups only
  });

  it("exponential histograms (cumulative, JSON) keep percentiles within the rollups' tolerance across exports", async () => {
    const w = await createWorkspace({ migrationKey: "lead-centric", stage: 1 });
    const views: ViewOptions[] = [{ instrumentName: "latency_ms", aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM, options: { maxSize: 160 } } }];
    const s = sdk({ proto: false, cumulative: true, token: writer.raw, resource: target(w), views });
    const h = s.meter.createHistogram("latency_ms", { unit: "ms" });
    const values = latencies(6000, 1.3);
    values.slice(0, 2500).forEach((v) => h.record(v));
    await s.flush();
    values.slice(2500).forEach((v) => h.record(v));
    await s.flush();
    await s.shutdown();
    const st = await stats(w, "latency_ms");
    expect(st.n).toBe(values.length);
    for (const [q, got] of [[0.5, st.p50], [0.95, st.p95], [0.99, st.p99]] as const) {
      expect(Math.abs(got - exact(values, q)) / exact(values, q), `p${q * 100}`).toBeLessThan(0.03);
    }
  });

  it("partial success: points for a workspace the token does not cover are rejected, the others stored", async () => {
    const [mine, theirs] = await Promise.all([createWorkspace({ migrationKey: "lead-centric", stage: 1 }), createWorkspace({ migrationKey: "lead-centric", stage: 1 })]);
    const scoped = await token({ workspaces: [mine.id] });
    const from = server.answers.length;
    for (const w of [mine, theirs]) {
      const s = sdk({ proto: true, token: scoped.raw, resource: target(w) });
      s.meter.createCounter("jobs.done").add(1);
      await s.flush();
      await s.shutdown();
    }
    const [ok, partial] = decoded(server.answers.slice(from));
    expect(ok).toEqual({ status: 200, body: {} });
    expect(partial.status).toBe(200);
    expect(partial.body.partialSuccess).toMatchObject({ rejectedDataPoints: 1 });
    expect(partial.body.partialSuccess.errorMessage).toContain(`unknown workspace '${theirs.slug}' (or one this token may not write for)`);
    expect(await raw(mine, "jobs.done")).toHaveLength(1);
    expect(await raw(theirs, "jobs.done")).toHaveLength(0);
  });

  it("a breach arriving through OTLP rolls the workspace back, as a JSON batch does", async () => {
    const mig = await createMigration([{}, {}, {}]);
    const w = await createWorkspace();
    await enroll(w.id, mig.id, 2, 120);
    for (const variant of ["old", "new"] as const) {
      const s = sdk({ proto: true, token: writer.raw, resource: { "rollout.workspace": w.slug, "rollout.migration": mig.key, "rollout.variant": variant } });
      const h = s.meter.createHistogram("http.server.request.duration", { unit: "s", advice: { explicitBucketBoundaries: Array.from({ length: 120 }, (_, i) => (0.01 * 1.05 ** (150 + i)) / 1000) } });
      for (let i = 0; i < 400; i++) h.record(((variant === "new" ? 1.6 : 1) * 100 * (0.6 + (((i * 7919) % 100) / 100) * 0.8)) / 1000);
      await s.flush();
      await s.shutdown();
    }
    await expect
      .poll(async () => (await db()`select stage, status from public.workspace_rollouts where workspace_id = ${w.id} and migration_id = ${mig.id}`)[0], { timeout: 30_000, interval: 200 })
      .toEqual({ stage: 1, status: "paused" });
    const [t] = await db()`select kind, actor from public.stage_transitions where workspace_id = ${w.id} and migration_id = ${mig.id}`;
    expect(t).toEqual({ kind: "auto_rollback", actor: null });
  });
});

describe("cumulative series kept by the receiver", () => {
  it("a retried request counts nothing twice; a stream that started long before counts from its second point", async () => {
    const w = await createWorkspace({ migrationKey: "lead-centric", stage: 1 });
    const longAgo = nowNs(3 * 86_400_000);
    const t1 = nowNs(60_000);
    const first = request(target(w), [counter("orders", 1000, longAgo, t1)]);
    expect((await post(first)).status).toBe(200);
    expect(await raw(w, "orders")).toEqual([]); // a baseline only: 1000 since 3 days ago would be one spike
    const second = request(target(w), [counter("orders", 1012, longAgo)]);
    expect((await post(second)).status).toBe(200);
    expect((await post(second)).status).toBe(200); // the exporter retried
    expect((await post(first)).status).toBe(200); // a late duplicate
    expect((await raw(w, "orders")).map((r) => r.value)).toEqual([12]);
    // the counter went down without a new start time: a reset, counted from zero
    expect((await post(request(target(w), [counter("orders", 5, longAgo)]))).status).toBe(200);
    expect((await raw(w, "orders")).map((r) => r.value)).toEqual([12, 5]);
  });

  it("stops keeping new series past OTLP_MAX_SERIES_PER_TOKEN, saying so", async () => {
    vi.stubEnv("OTLP_MAX_SERIES_PER_TOKEN", "1");
    const w = await createWorkspace({ migrationKey: "lead-centric", stage: 1 });
    const t = await token();
    const start = nowNs(60_000);
    const res = await post(request(target(w), [counter("a.count", 1, start), counter("b.count", 1, start)]), { token: t.raw });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.partialSuccess.rejectedDataPoints).toBe("1");
    expect(body.partialSuccess.errorMessage).toContain("OTLP_MAX_SERIES_PER_TOKEN");
    expect((await raw(w, "a.count")).length + (await raw(w, "b.count")).length).toBe(1);
    const [{ n }] = await db()`select count(*)::int as n from app_private.otlp_series where token_id = ${t.id}`;
    expect(n).toBe(1);
  });
});

describe("refusals", () => {
  const good = () => request(target(ws), [gauge("refusal.probe", 1)]);
  const probes = async () => (await raw(ws, "refusal.probe")).length;

  it("401 without a token, with a malformed, unknown or revoked one; 403 without metrics:write", async () => {
    const before = await probes();
    for (const auth of ["", "Basic abc", "Bearer nope", "Bearer rc_unknown"]) {
      const res = await post(good(), { auth });
      expect(res.status, auth).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
      expect((await res.json()).code).toBe(16);
    }
    const revoked = await token();
    await db()`update public.ingest_tokens set revoked_at = now() where id = ${revoked.id}`;
    expect((await post(good(), { token: revoked.raw })).status).toBe(401);
    const feedbackOnly = await token({ scopes: ["feedback:write"] });
    const res = await post(good(), { token: feedbackOnly.raw, type: "application/x-protobuf", bytes: new Uint8Array() });
    expect(res.status).toBe(403);
    expect(res.headers.get("content-type")).toBe("application/x-protobuf");
    expect(RpcStatus.toObject(RpcStatus.decode(new Uint8Array(await res.arrayBuffer())))).toMatchObject({ code: 7, message: expect.stringContaining("metrics:write") });
    expect(await probes()).toBe(before);
  });

  it("a token for another workspace: every point rejected, nothing written", async () => {
    const elsewhere = await createWorkspace({ migrationKey: "lead-centric", stage: 1 });
    const t = await token({ workspaces: [elsewhere.id] });
    const before = await probes();
    const res = await post(good(), { token: t.raw });
    expect(res.status).toBe(200);
    expect((await res.json()).partialSuccess).toMatchObject({ rejectedDataPoints: "1", errorMessage: expect.stringContaining(`unknown workspace '${ws.slug}'`) });
    expect(await probes()).toBe(before);
  });

  it("415 for another content type or encoding, 400 for garbage protobuf or JSON, 400 for a wrong envelope", async () => {
    expect((await post(good(), { type: "text/plain" })).status).toBe(415);
    expect((await post(good(), { encoding: "br" })).status).toBe(415);
    const garbage = await post(null, { type: "application/x-protobuf", bytes: new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2]) });
    expect(garbage.status).toBe(400);
    expect(RpcStatus.toObject(RpcStatus.decode(new Uint8Array(await garbage.arrayBuffer())))).toMatchObject({ code: 3 });
    expect((await post(null, { bytes: new TextEncoder().encode("{not json") })).status).toBe(400);
    const wrong = await post({ resourceMetrics: [{ scopeMetrics: "x" }] });
    expect(wrong.status).toBe(400);
    expect((await wrong.json()).message).toContain("resourceMetrics.0.scopeMetrics");
  });

  it("413 for a body over the limit, a gzip bomb, or too many data points", async () => {
    vi.stubEnv("OTLP_MAX_BODY_BYTES", "1000");
    const big = request(target(ws), [gauge("refusal.probe", 1, { pad: "x".repeat(1000) })]);
    expect((await post(big)).status).toBe(413);
    vi.stubEnv("OTLP_MAX_BODY_BYTES", String(1 << 20));
    // 64 MiB of zeros gzip to ~64 KiB: refused when inflating passes 16 MiB.
    const bomb = gzipSync(Buffer.alloc(64 << 20));
    expect(bomb.length).toBeLessThan(1 << 20);
    const res = await post(null, { bytes: bomb, encoding: "gzip", type: "application/x-protobuf" });
    expect(res.status).toBe(413);
    vi.stubEnv("OTLP_MAX_DATA_POINTS", "2");
    expect((await post(request(target(ws), [gauge("refusal.probe", 1), gauge("refusal.probe", 2), gauge("refusal.probe", 3)]))).status).toBe(413);
  });

  it("gzipped JSON is read; bad points are rejected alone with the first reason", async () => {
    const w = await createWorkspace({ migrationKey: "lead-centric", stage: 1 });
    const body = request(target(w), [
      gauge("ok.metric", 1),
      gauge("bad.variant", 1, { "rollout.variant": "beta" }),
      { name: "a summary", summary: { dataPoints: [{ timeUnixNano: nowNs(), count: "1", sum: 1 }] } },
      gauge("9-not-a-name", 1),
    ]);
    const res = await post(null, { bytes: gzipSync(JSON.stringify(body)), encoding: "gzip" });
    expect(res.status).toBe(200);
    const answer = await res.json();
    expect(answer.partialSuccess.rejectedDataPoints).toBe("3");
    expect(answer.partialSuccess.errorMessage).toContain("'rollout.variant' must be \"old\" or \"new\"");
    expect(await raw(w, "ok.metric")).toHaveLength(1);
  });

  it("the SQL entry points, called directly as anon with a hash that is no live token, read and write nothing", async () => {
    const key = "0".repeat(64);
    const [p] = await asAnon((tx) => tx`select public.otlp_prepare('not-a-token', ${[ws.slug]}::text[], '{lead-centric}', '{1,1}', ${[key]}::text[]) as r`);
    expect(p.r).toEqual({ error: "invalid_token" });
    const [s] = await asAnon((tx) => tx`select public.ingest_otlp('not-a-token', ${[ws.slug]}::text[], '{lead-centric}', '{x}', '{1,1}',
      '{1}', '{1}', '{1}', '{t}', '{1}', '{null}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', ${[key]}::text[], '[{"s":"0","t":"1","d":{}}]') as r`);
    expect(s.r).toEqual({ error: "invalid_token" });
    expect((await db()`select count(*)::int as n from app_private.otlp_series where series_key = ${key}`)[0].n).toBe(0);
    expect((await raw(ws, "x")).length).toBe(0);
  });

  it("429 with Retry-After over the per-token rate limit", async () => {
    vi.stubEnv("INGEST_RATE_LIMIT_PER_SEC", "1");
    vi.stubEnv("INGEST_RATE_LIMIT_BURST", "1");
    const t = await token();
    expect((await post(good(), { token: t.raw })).status).toBe(200);
    const res = await post(good(), { token: t.raw });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});
