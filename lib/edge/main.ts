// Starts an edge server: a Postgres connection (DATABASE_URL), the cache, the
// Fastify app on host:port. Used by scripts/edge.ts, the tests and the benchmark.
import postgres from "postgres";
import { buildEdgeServer, parseCorsOrigins, type EdgeServerOptions } from "./server";
import { EdgeCache } from "./sync";

export interface StartEdgeOptions extends Omit<EdgeServerOptions, "cache"> {
  databaseUrl: string;
  port?: number;
  host?: string;
  pollMs?: number;
}

export interface RunningEdge {
  url: string;
  port: number;
  cache: EdgeCache;
  app: ReturnType<typeof buildEdgeServer>;
  stop: () => Promise<void>;
}

/** Options from the environment (EDGE_*), for scripts/edge.ts. */
export function edgeOptionsFromEnv(env = process.env): Omit<StartEdgeOptions, "databaseUrl"> {
  const num = (v: string | undefined) => (v && Number.isFinite(Number(v)) ? Number(v) : undefined);
  return {
    port: num(env.EDGE_PORT) ?? 3001,
    host: env.EDGE_HOST ?? env.HOST ?? "127.0.0.1",
    streamsPerToken: num(env.EDGE_STREAMS_PER_TOKEN),
    maxStreams: num(env.EDGE_MAX_STREAMS),
    heartbeatMs: num(env.EDGE_HEARTBEAT_MS),
    pollMs: num(env.EDGE_VERSION_POLL_MS),
    corsOrigins: parseCorsOrigins(env.EDGE_CORS_ORIGINS),
  };
}

export async function startEdge(o: StartEdgeOptions): Promise<RunningEdge> {
  const sql = postgres(o.databaseUrl, { max: 3, onnotice: () => {}, connect_timeout: 5, idle_timeout: 0, max_lifetime: null,
    // No type lookup on (re)connect: nothing here needs it, and a connection cut in the middle of it must not surface as an unhandled rejection.
    fetch_types: false });
  const cache = new EdgeCache(sql, { pollMs: o.pollMs, log: o.log });
  await cache.start();
  const app = buildEdgeServer({ ...o, cache });
  await app.listen({ port: o.port ?? 0, host: o.host ?? "127.0.0.1" });
  const addr = app.server.address();
  const port = typeof addr === "object" && addr ? addr.port : (o.port ?? 0);
  return {
    url: `http://${o.host === "0.0.0.0" || !o.host ? "127.0.0.1" : o.host}:${port}`,
    port,
    cache,
    app,
    stop: async () => {
      await app.close();
      await cache.stop();
      await sql.end({ timeout: 2 });
    },
  };
}
