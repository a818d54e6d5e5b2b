// The edge server: the read API for the user's services, answered from memory
// (lib/edge/sync.ts keeps it current). Fastify, nothing of Next.js.
//   GET  /api/v1/workspaces/{slug}/state[?unit=]   state + evaluated flags, ETag / 304
//   GET  /api/v1/stream?workspace=<slug>…          server-sent events of state changes
//   POST /ofrep/v1/evaluate/flags/{key}            OFREP single evaluation
//   POST /ofrep/v1/evaluate/flags                  OFREP bulk evaluation, ETag / 304
//   GET  /health                                   ok | degraded | starting
import { randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { bearerFromHeader, hashToken } from "../api/token-hash";
import { parseIfNoneMatch, UnitId, WORKSPACE_SLUG } from "../flags/state-input";
import { covers, md5Etag, stateBody, type CompiledWorkspace, type TokenGrant } from "./model";
import { evaluateOfrep, isFailure, notYours, resolveContext } from "./ofrep";
import type { ChangeSet, EdgeCache } from "./sync";

export interface EdgeServerOptions {
  cache: EdgeCache;
  /** open streams one token may hold on this process (default 50) */
  streamsPerToken?: number;
  /** open streams on this process (default 20 000) */
  maxStreams?: number;
  /** SSE comment line interval (default 15 000 ms) */
  heartbeatMs?: number;
  /** allowed origins for browsers (the OFREP web provider): a list, "*", or null (default: no CORS) */
  corsOrigins?: string[] | "*" | null;
  /** a stream whose unsent data grows past this is closed as too slow (default 1 MiB) */
  maxStreamBuffer?: number;
  /** a request's headers and body must arrive within this (default 10 000 ms): slow senders get a 408 */
  requestTimeoutMs?: number;
  log?: (msg: string, extra?: Record<string, unknown>) => void;
}

const STATE_HEADERS = { "cache-control": "no-cache", vary: "Authorization", "x-content-type-options": "nosniff" };
const JSON_TYPE = "application/json; charset=utf-8";
const MAX_STREAM_WORKSPACES = 100;

interface Stream {
  raw: ServerResponse;
  grant: TokenGrant;
  /** workspace id → slug */
  workspaces: Map<string, string>;
}

export function parseCorsOrigins(v: string | undefined): string[] | "*" | null {
  if (!v || !v.trim()) return null;
  if (v.trim() === "*") return "*";
  return v.split(",").map((s) => s.trim()).filter(Boolean);
}

export function buildEdgeServer(o: EdgeServerOptions): FastifyInstance & { streamCount: () => number } {
  const cache = o.cache;
  const perToken = o.streamsPerToken ?? 50;
  const maxStreams = o.maxStreams ?? 20_000;
  const maxBuffer = o.maxStreamBuffer ?? 1 << 20;
  const boot = randomBytes(4).toString("hex");
  let seq = 0;

  const app = Fastify({
    logger: false,
    bodyLimit: 64 * 1024,
    routerOptions: { maxParamLength: 200 },
    onProtoPoisoning: "error",
    onConstructorPoisoning: "error",
    requestTimeout: o.requestTimeoutMs ?? 10_000,
    keepAliveTimeout: 65_000,
    forceCloseConnections: true,
    return503OnClosing: false,
    // connectionsCheckingInterval: how often Node enforces the request timeouts below (default 30 s).
    http: { maxHeaderSize: 16 * 1024, connectionsCheckingInterval: Math.min(1000, o.requestTimeoutMs ?? 10_000) },
  });
  // Slow senders (slowloris): headers must arrive within the same limit.
  app.server.headersTimeout = o.requestTimeoutMs ?? 10_000;

  // JSON only: a text/plain body is a 415, not a string to validate.
  app.removeContentTypeParser("text/plain");

  // CORS -------------------------------------------------------------------------
  const cors = o.corsOrigins ?? null;
  const corsHeaders = (origin: string | undefined): Record<string, string> => {
    if (!cors || !origin) return {};
    if (cors !== "*" && !cors.includes(origin)) return {};
    return { "access-control-allow-origin": cors === "*" ? "*" : origin, "access-control-expose-headers": "ETag, X-Rollout-State-Age", vary: "Origin, Authorization" };
  };
  if (cors) {
    app.addHook("onRequest", async (req, reply) => {
      const h = corsHeaders(req.headers.origin);
      if (Object.keys(h).length) reply.headers(h);
    });
    app.options("/*", (req, reply) => {
      const h = corsHeaders(req.headers.origin);
      if (!Object.keys(h).length) return sendError(reply, 403, "This origin is not allowed (EDGE_CORS_ORIGINS)");
      reply
        .code(204)
        .headers({ ...h, "access-control-allow-methods": "GET, POST, OPTIONS", "access-control-allow-headers": "Authorization, Content-Type, If-None-Match, Last-Event-ID", "access-control-max-age": "600" })
        .send();
    });
  }

  // Errors: 4xx with a clear message; anything else is logged and opaque.
  const isOfrep = (url: string) => url.startsWith("/ofrep/");
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) o.log?.("edge: request failed", { error: String(err), stack: err.stack, url: req.url.slice(0, 200) });
    const message = status === 500 ? "Internal error" : err.message;
    if (isOfrep(req.url) && status === 400) {
      return reply.code(400).type(JSON_TYPE).send({ errorCode: "PARSE_ERROR", errorDetails: message });
    }
    return sendError(reply, status, message);
  });
  app.setNotFoundHandler((req, reply) => sendError(reply, 404, `No such endpoint: ${req.method} ${req.url.split("?")[0].slice(0, 100)}`));

  function sendError(reply: FastifyReply, status: number, message: string, headers: Record<string, string> = {}) {
    return reply.code(status).headers({ "cache-control": "no-store", ...headers }).type(JSON_TYPE).send({ error: { status, message } });
  }

  /** The grant for the request's bearer token with the scope, or null after sending the refusal. */
  function authenticate(req: FastifyRequest, reply: FastifyReply, ofrep = false): TokenGrant | null {
    const header = req.headers.authorization;
    const raw = bearerFromHeader(header);
    const grant = raw === null ? undefined : cache.snap.tokens.get(hashToken(raw));
    if (!grant) {
      const message = header ? "Invalid or revoked token" : "Missing bearer token: send 'Authorization: Bearer <token>'";
      const www = header ? 'Bearer error="invalid_token"' : 'Bearer realm="rollout-console"';
      if (ofrep) reply.code(401).headers({ "www-authenticate": www }).type(JSON_TYPE).send({ errorCode: "GENERAL", errorDetails: message });
      else sendError(reply, 401, message, { "www-authenticate": www });
      return null;
    }
    if (!grant.scopes.has("state:read")) {
      const message = "This token lacks the 'state:read' scope";
      if (ofrep) reply.code(403).type(JSON_TYPE).send({ errorCode: "GENERAL", errorDetails: message });
      else sendError(reply, 403, message);
      return null;
    }
    return grant;
  }

  function notReady(reply: FastifyReply) {
    return sendError(reply, 503, "The edge server is loading its state; retry shortly", { "retry-after": "1" });
  }

  const ageHeader = (reply: FastifyReply) => {
    if (cache.degraded) reply.header("x-rollout-state-age", String(cache.ageSeconds()));
  };

  // Health -------------------------------------------------------------------------
  app.get("/health", (_req, reply) => {
    const status = !cache.ready ? "starting" : cache.degraded ? "degraded" : "ok";
    reply
      .code(cache.ready ? 200 : 503)
      .header("cache-control", "no-store")
      .send({ status, version: cache.version, workspaces: cache.compiled.size, ageSeconds: cache.ageSeconds(), streams: streams.size, resyncs: cache.resyncs });
  });

  // State ------------------------------------------------------------------------
  app.get<{ Params: { slug: string }; Querystring: Record<string, unknown> }>("/api/v1/workspaces/:slug/state", (req, reply) => {
    if (!cache.ready) return notReady(reply);
    const grant = authenticate(req, reply);
    if (!grant) return reply;
    const slug = req.params.slug;
    const c = WORKSPACE_SLUG.test(slug) ? cache.bySlug.get(slug) : undefined;
    if (!c || !covers(grant, c.ws.id)) return sendError(reply, 404, notYours(slug.slice(0, 70)));
    const rawUnit = req.query.unit;
    let body = c.body;
    let etag = c.etag;
    if (rawUnit !== undefined) {
      const u = UnitId.safeParse(rawUnit);
      if (!u.success) return sendError(reply, 400, `Invalid unit: ${typeof rawUnit === "string" ? u.error.issues[0].message : "give one unit"}`);
      body = stateBody(c, u.data);
      etag = md5Etag(body);
    }
    reply.headers(STATE_HEADERS).header("etag", etag);
    ageHeader(reply);
    const inm = req.headers["if-none-match"];
    if (inm !== undefined && (inm === etag || parseIfNoneMatch(inm).some((t) => t === etag || t === "*"))) return reply.code(304).send();
    return reply.type(JSON_TYPE).send(body);
  });

  // Server-sent events ------------------------------------------------------------------
  const streams = new Set<Stream>();
  const byToken = new Map<string, Set<Stream>>();
  const byWorkspace = new Map<string, Set<Stream>>();

  const eventId = () => `${boot}.${seq}`;
  const stateEvent = (c: CompiledWorkspace) => `id: ${eventId()}\nevent: state\ndata: {"workspace":${JSON.stringify(c.ws.slug)},"etag":${JSON.stringify(c.etag)},"state":${c.body}}\n\n`;

  function write(s: Stream, text: string) {
    if (s.raw.destroyed) return;
    if (s.raw.writableLength > maxBuffer) {
      // Too slow to keep up: close it; the client reconnects with Last-Event-ID.
      s.raw.destroy();
      return;
    }
    s.raw.write(text);
  }

  function closeStream(s: Stream) {
    if (!streams.delete(s)) return;
    byToken.get(s.grant.hash)?.delete(s);
    if (byToken.get(s.grant.hash)?.size === 0) byToken.delete(s.grant.hash);
    for (const id of s.workspaces.keys()) {
      const set = byWorkspace.get(id);
      set?.delete(s);
      if (set?.size === 0) byWorkspace.delete(id);
    }
  }

  app.get<{ Querystring: Record<string, unknown> }>("/api/v1/stream", (req, reply) => {
    if (!cache.ready) return notReady(reply);
    const grant = authenticate(req, reply);
    if (!grant) return reply;
    const q = req.query.workspace;
    const named = (q === undefined ? [] : Array.isArray(q) ? q : [q]).flatMap((s) => String(s).split(",")).filter(Boolean);
    if (named.length > MAX_STREAM_WORKSPACES) return sendError(reply, 400, `At most ${MAX_STREAM_WORKSPACES} workspaces per stream`);
    const subs = new Map<string, string>();
    if (named.length === 0) {
      if (grant.workspaceIds === null) return sendError(reply, 400, "Name the workspaces to follow: ?workspace=<slug>&workspace=<slug>… (this token may read every workspace)");
      if (grant.workspaceIds.size > MAX_STREAM_WORKSPACES) return sendError(reply, 400, `This token covers more than ${MAX_STREAM_WORKSPACES} workspaces: name the ones to follow with ?workspace=<slug>`);
      for (const id of grant.workspaceIds) {
        const c = cache.compiled.get(id);
        if (c) subs.set(id, c.ws.slug);
      }
    } else {
      for (const slug of named) {
        const c = WORKSPACE_SLUG.test(slug) ? cache.bySlug.get(slug) : undefined;
        if (!c || !covers(grant, c.ws.id)) return sendError(reply, 404, notYours(slug.slice(0, 70)));
        subs.set(c.ws.id, slug);
      }
    }
    const mine = byToken.get(grant.hash)?.size ?? 0;
    if (mine >= perToken)
      return sendError(reply, 429, `This token already has ${mine} open streams on this server (limit ${perToken}): share one stream per process, or close some`, { "retry-after": "5" });
    if (streams.size >= maxStreams) return sendError(reply, 429, `This server holds its maximum of ${maxStreams} streams; retry on another replica`, { "retry-after": "5" });

    // Resume: only what changed since the client's last event, when that event came from this process.
    const last = req.headers["last-event-id"];
    const m = typeof last === "string" ? /^([0-9a-f]{8})\.(\d{1,15})$/.exec(last) : null;
    const since = m && m[1] === boot ? Number(m[2]) : null;

    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      connection: "keep-alive",
      "x-accel-buffering": "no",
      "x-content-type-options": "nosniff",
      ...corsHeaders(req.headers.origin),
    });
    raw.socket?.setNoDelay(true);
    const s: Stream = { raw, grant, workspaces: subs };
    streams.add(s);
    let t = byToken.get(grant.hash);
    if (!t) byToken.set(grant.hash, (t = new Set()));
    t.add(s);
    for (const id of subs.keys()) {
      let w = byWorkspace.get(id);
      if (!w) byWorkspace.set(id, (w = new Set()));
      w.add(s);
    }
    raw.on("close", () => closeStream(s));
    raw.on("error", () => closeStream(s));
    let out = "retry: 2000\n\n";
    for (const id of subs.keys()) {
      const c = cache.compiled.get(id);
      if (c && (since === null || (seqOf.get(id) ?? 0) > since)) out += stateEvent(c);
    }
    out += `id: ${eventId()}\nevent: ready\ndata: {}\n\n`;
    raw.write(out);
  });

  /** local sequence number of the last push per workspace (for resume) */
  const seqOf = new Map<string, number>();

  const unsubscribe = cache.onChange((change: ChangeSet) => {
    if (change.workspaces.size) seq++;
    for (const [id, c] of change.workspaces) {
      seqOf.set(id, seq);
      const set = byWorkspace.get(id);
      if (!set) continue;
      const text = c ? stateEvent(c) : `id: ${eventId()}\nevent: removed\ndata: {"workspace":${JSON.stringify([...set][0]?.workspaces.get(id) ?? "")}}\n\n`;
      for (const s of set) write(s, text);
    }
    // A revoked or narrowed token loses its streams at once.
    for (const hash of change.tokens) {
      const set = byToken.get(hash);
      if (!set) continue;
      const now = cache.snap.tokens.get(hash);
      for (const s of [...set]) {
        const ok = now && now.scopes.has("state:read") && [...s.workspaces.keys()].every((id) => covers(now, id));
        if (ok) {
          s.grant = now;
          continue;
        }
        write(s, `event: error\ndata: {"status":401,"message":"The token was revoked or no longer covers these workspaces"}\n\n`);
        s.raw.end();
        closeStream(s);
      }
    }
  });

  const heartbeat = setInterval(() => {
    for (const s of streams) write(s, ": ping\n\n");
  }, o.heartbeatMs ?? 15_000);
  heartbeat.unref();

  app.addHook("onClose", async () => {
    clearInterval(heartbeat);
    unsubscribe();
    for (const s of streams) s.raw.destroy();
  });

  // OFREP -------------------------------------------------------------------------
  const lookup = (slug: string) => cache.bySlug.get(slug);
  const byId = (id: string) => cache.compiled.get(id);

  app.post<{ Params: { key: string } }>("/ofrep/v1/evaluate/flags/:key", (req, reply) => {
    if (!cache.ready) return notReady(reply);
    const grant = authenticate(req, reply, true);
    if (!grant) return reply;
    const key = req.params.key;
    const t = resolveContext(req.body, grant, lookup, byId);
    reply.header("cache-control", "no-store");
    ageHeader(reply);
    if (isFailure(t)) return reply.code(t.status).type(JSON_TYPE).send({ key, errorCode: t.errorCode, errorDetails: t.errorDetails });
    const rule = t.c.rules.find((r) => r.key === key);
    if (!rule) return reply.code(404).type(JSON_TYPE).send({ key, errorCode: "FLAG_NOT_FOUND", errorDetails: `No flag "${key.slice(0, 100)}"` });
    const r = evaluateOfrep(t, rule);
    return reply.code("errorCode" in r ? 400 : 200).type(JSON_TYPE).send(r);
  });

  app.post("/ofrep/v1/evaluate/flags", (req, reply) => {
    if (!cache.ready) return notReady(reply);
    const grant = authenticate(req, reply, true);
    if (!grant) return reply;
    const t = resolveContext(req.body, grant, lookup, byId);
    ageHeader(reply);
    if (isFailure(t)) return reply.code(400).header("cache-control", "no-store").type(JSON_TYPE).send({ errorCode: t.errorCode, errorDetails: t.errorDetails });
    const body = JSON.stringify({ flags: t.c.rules.map((r) => evaluateOfrep(t, r)) });
    const etag = md5Etag(body);
    reply.headers(STATE_HEADERS).header("etag", etag);
    const inm = req.headers["if-none-match"];
    if (inm !== undefined && parseIfNoneMatch(inm).some((x) => x === etag || x === "*")) return reply.code(304).send();
    return reply.type(JSON_TYPE).send(body);
  });

  return Object.assign(app, { streamCount: () => streams.size });
}
