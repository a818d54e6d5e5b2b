// The part of autocannon's programmatic API bench/edge.ts uses.
declare module "autocannon" {
  interface Options {
    url: string;
    connections?: number;
    duration?: number;
    headers?: Record<string, string>;
    method?: "GET" | "POST";
    body?: string;
    requests?: { path?: string; method?: string; headers?: Record<string, string>; body?: string }[];
  }
  interface Result {
    requests: { total: number; average: number };
    latency: { p50: number; p97_5: number; p99: number; average: number };
    duration: number;
    errors: number;
    "1xx": number;
    "2xx": number;
    "3xx": number;
    "4xx": number;
    "5xx": number;
  }
  function autocannon(opts: Options): Promise<Result>;
  export default autocannon;
}
