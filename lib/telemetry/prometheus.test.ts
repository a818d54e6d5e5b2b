import { describe, expect, it } from "vitest";
import { alignedEvaluationTime, PrometheusSourceInput, promString, readQueryAnswer, renderQuery, templateProblems } from "./prometheus";

const limits = { maxSeriesPerQuery: 3, maxSamplesPerRun: 10, maxWorkspacesPerRun: 5, maxResponseBytes: 1024, timeoutMs: 1000, maxAbsValue: 1e12 };
const vector = (...values: string[]) => JSON.stringify({ status: "success", data: { resultType: "vector", result: values.map((v, i) => ({ metric: { i: String(i) }, value: [1700000000, v] })) } });

describe("templates", () => {
  it("fills the placeholders, escaping string values for PromQL literals", () => {
    const q = renderQuery('rate(x{tenant="{{ workspace }}",track="{{variant}}",m="{{migration}}"}[{{window}}])', { workspace: 'a"b\\c', variant: "new", migration: "m-1", windowSeconds: 300 });
    expect(q).toBe('rate(x{tenant="a\\"b\\\\c",track="new",m="m-1"}[300s])');
    expect(promString("it's\nhere")).toBe("it\\'s\\nhere");
  });
  it("requires {{workspace}} and {{variant}} and knows only its placeholders", () => {
    expect(templateProblems('up{w="{{workspace}}",v="{{variant}}"}')).toEqual([]);
    expect(templateProblems("up")).toEqual(["must use {{workspace}}, so each workspace and variant gets its own series", "must use {{variant}}, so each workspace and variant gets its own series"]);
    expect(templateProblems('up{w="{{workspace}}",v="{{variant}}",x="{{tenant}}"}')[0]).toMatch(/^unknown placeholder\(s\) \{\{tenant\}\}/);
  });
  it("the form's schema names what is wrong", () => {
    const ok = { name: "p95", baseUrl: "http://prometheus.internal:9090", query: 'up{w="{{workspace}}",v="{{variant}}"}', metric: "latency_ms", windowSeconds: "300", intervalSeconds: 60, enabled: true };
    expect(PrometheusSourceInput.safeParse(ok).success).toBe(true);
    const issue = (patch: object) => { const r = PrometheusSourceInput.safeParse({ ...ok, ...patch }); return r.success ? null : `${r.error.issues[0].path.join(".")}: ${r.error.issues[0].message}`; };
    expect(issue({ baseUrl: "http://user:pw@prom:9090" })).toMatch(/^baseUrl: an http\(s\) URL without credentials/);
    expect(issue({ baseUrl: "ftp://prom" })).toMatch(/^baseUrl:/);
    expect(issue({ metric: "9bad" })).toMatch(/^metric: is not a metric name/);
    expect(issue({ intervalSeconds: 30 })).toBe("intervalSeconds: at least 60 s");
    expect(issue({ query: "up" })).toMatch(/^query: must use \{\{workspace\}\}/);
    expect(issue({ name: "a\u0000b" })).toMatch(/^name: must not contain the NUL/);
  });
});

describe("reading a Prometheus answer", () => {
  it("keeps finite values of an instant vector or scalar", () => {
    expect(readQueryAnswer(200, vector("1.5", "2"), limits)).toEqual({ kind: "values", values: [1.5, 2], series: 2, dropped: 0 });
    expect(readQueryAnswer(200, JSON.stringify({ status: "success", data: { resultType: "scalar", result: [1, "7"] } }), limits)).toMatchObject({ kind: "values", values: [7] });
  });
  it("drops NaN, ±Inf and absurd magnitudes; none left is no data", () => {
    expect(readQueryAnswer(200, vector("NaN", "+Inf", "3", "1e300").replace(/"1e300"/, '"1e300"'), { ...limits, maxSeriesPerQuery: 10 })).toEqual({ kind: "values", values: [3], series: 4, dropped: 3 });
    expect(readQueryAnswer(200, vector("NaN", "-Inf"), limits)).toEqual({ kind: "no_data", reason: "2 series, none with a finite value (NaN or ±Inf)" });
  });
  it("no series is no data; too many series, a range vector or an error answer is an error", () => {
    expect(readQueryAnswer(200, vector(), limits)).toEqual({ kind: "no_data", reason: "no series" });
    expect(readQueryAnswer(200, vector("1", "2", "3", "4"), limits)).toMatchObject({ kind: "error", reason: expect.stringContaining("4 series; at most 3") });
    expect(readQueryAnswer(200, JSON.stringify({ status: "success", data: { resultType: "matrix", result: [] } }), limits)).toMatchObject({ kind: "error", reason: expect.stringContaining("matrix") });
    expect(readQueryAnswer(400, JSON.stringify({ status: "error", errorType: "bad_data", error: "1:5: parse error" }), limits)).toEqual({ kind: "error", reason: "invalid query: 1:5: parse error" });
    expect(readQueryAnswer(502, "<html>bad gateway</html>", limits)).toEqual({ kind: "error", reason: "HTTP 502: not a Prometheus API answer" });
  });
  it("aligns evaluation times down to the interval", () => {
    expect(alignedEvaluationTime(1_700_000_059_999, 60)).toBe(1_700_000_040);
  });
});
