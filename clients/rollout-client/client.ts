// A small client for the Rollout Console state API. Pointed at the edge server
// it follows a server-sent events stream of the watched workspaces (a change
// arrives within milliseconds) and polls only while the stream is down; against
// a server without streams (the Next app) it polls each watched workspace with
// If-None-Match (a 304 costs the server almost nothing). It keeps
// the last good state in memory and evaluates flags locally with the same
// sticky hash as the database. It never throws into the host app: when the
// console is down it answers from the last known state, and before any state
// arrived (or after maxStaleMs without one) from safe defaults: stage 0, flags off.
import { compileState, evaluate, isStateDocument, type CompiledState } from "./state";

export interface RolloutClientOptions {
  /** e.g. https://console.example.com */
  baseUrl: string;
  /** An ingest token with the 'state:read' scope (rc_…). */
  token: string;
  /** Workspace slugs to poll from the start; others are added on first use. */
  workspaces?: string[];
  /** Delay between polls of a workspace, default 1000 ms. */
  pollIntervalMs?: number;
  /** Per-request timeout, default 2000 ms. */
  timeoutMs?: number;
  /** Drop to safe defaults when no poll succeeded for this long (default: keep the last state forever). */
  maxStaleMs?: number;
  fetch?: typeof fetch;
  /** Told about failed polls (the client itself never throws). */
  onError?: (error: unknown, workspace: string) => void;
  /** Follow GET /api/v1/stream (server-sent events) when the server has it; default true. */
  stream?: boolean;
  /** Reconnect a stream that sent nothing (not even a heartbeat) for this long; default 45 000 ms. */
  streamIdleMs?: number;
}

interface Watched {
  slug: string;
  state: CompiledState | null;
  lastOkAt: number;
  firstAnswer: Promise<void>;
  settleFirst: () => void;
}

export type ChangeListener = (workspace: string, state: CompiledState | null) => void;

export class RolloutClient {
  private readonly opts: Required<Omit<RolloutClientOptions, "workspaces" | "onError" | "maxStaleMs">> & Pick<RolloutClientOptions, "onError" | "maxStaleMs">;
  /** The stream is connected and has sent its initial state: polling pauses. */
  private streamLive = false;
  /** The server has no stream endpoint (or refused it for good): poll only. */
  private streamUnsupported = false;
  private streamAbort: AbortController | null = null;
  private streamBackoffMs = 500;
  private lastEventId: string | null = null;
  private readonly watched = new Map<string, Watched>();
  private readonly listeners = new Set<ChangeListener>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private running = false;
  private polling: Promise<void> | null = null;

  constructor(options: RolloutClientOptions) {
    this.opts = {
      baseUrl: options.baseUrl.replace(/\/+$/, ""),
      token: options.token,
      pollIntervalMs: options.pollIntervalMs ?? 1000,
      timeoutMs: options.timeoutMs ?? 2000,
      fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
      onError: options.onError,
      maxStaleMs: options.maxStaleMs,
      stream: options.stream ?? true,
      streamIdleMs: options.streamIdleMs ?? 45_000,
    };
    for (const slug of options.workspaces ?? []) this.watch(slug);
  }

  /** Starts polling (idempotent). The timer does not keep the process alive. */
  start(): this {
    if (this.running) return this;
    this.running = true;
    void this.tick();
    if (this.opts.stream) void this.openStream();
    return this;
  }

  /** Whether changes currently arrive over the stream (else: polling). */
  get streaming(): boolean {
    return this.streamLive;
  }

  /** Stops polling; evaluation keeps answering from the last state. */
  close(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.streamAbort?.abort();
    this.streamAbort = null;
    this.streamLive = false;
  }

  /** Resolves once every watched workspace had a first answer (or failure), or after timeoutMs. Never rejects. */
  async ready(timeoutMs = 5000): Promise<void> {
    const all = Promise.all([...this.watched.values()].map((w) => w.firstAnswer));
    let t: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([all, new Promise<void>((r) => (t = setTimeout(r, timeoutMs)))]);
    clearTimeout(t);
  }

  /** Adds a workspace to the polled set; its first poll starts right away. */
  watch(slug: string): void {
    if (this.watched.has(slug)) return;
    let settleFirst = () => {};
    const firstAnswer = new Promise<void>((r) => (settleFirst = r));
    const w: Watched = { slug, state: null, lastOkAt: 0, firstAnswer, settleFirst };
    this.watched.set(slug, w);
    if (this.running) void this.pollOne(w);
    // A stream follows a fixed set of workspaces: reopen it with the new one.
    if (this.running && this.opts.stream && !this.streamUnsupported && this.streamAbort) {
      this.streamAbort.abort();
      this.streamAbort = null;
      this.streamLive = false;
      void this.openStream();
    }
  }

  onChange(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A flag's value for a unit (default: the workspace). Unknown workspace or flag: false. */
  isEnabled(workspace: string, flagKey: string, unitId?: string): boolean {
    const w = this.watched.get(workspace);
    if (w === undefined) {
      this.watch(workspace);
      return false;
    }
    return w.state === null ? false : evaluate(w.state, flagKey, unitId);
  }

  /** The workspace's stage in a migration; 0 when unknown. */
  stage(workspace: string, migrationKey: string): number {
    return this.state(workspace)?.migrations.get(migrationKey)?.stage ?? 0;
  }

  /** The workspace's rollout status in a migration ('unknown' without state). */
  status(workspace: string, migrationKey: string): string {
    return this.state(workspace)?.migrations.get(migrationKey)?.status ?? "unknown";
  }

  /** The current compiled state of a workspace, or null (safe defaults apply). */
  state(workspace: string): CompiledState | null {
    const w = this.watched.get(workspace);
    if (w === undefined) {
      this.watch(workspace);
      return null;
    }
    return w.state;
  }

  /** Polls every watched workspace now (also what the timer calls). Never rejects. */
  refresh(): Promise<void> {
    this.polling ??= Promise.all([...this.watched.values()].map((w) => this.pollOne(w))).then(() => {
      this.polling = null;
    });
    return this.polling;
  }

  private async tick(): Promise<void> {
    if (!this.streamLive) await this.refresh();
    if (!this.running) return;
    this.timer = setTimeout(() => void this.tick(), this.opts.pollIntervalMs);
    (this.timer as { unref?: () => void }).unref?.();
  }

  /** Follows the stream until it ends, then reconnects (with Last-Event-ID) after a backoff. */
  private async openStream(): Promise<void> {
    if (!this.running || this.streamUnsupported || this.streamAbort || this.watched.size === 0) return;
    const abort = new AbortController();
    this.streamAbort = abort;
    let idle: ReturnType<typeof setTimeout> | undefined;
    const kick = () => {
      clearTimeout(idle);
      idle = setTimeout(() => abort.abort(), this.opts.streamIdleMs);
      (idle as { unref?: () => void }).unref?.();
    };
    try {
      const qs = [...this.watched.keys()].map((s) => `workspace=${encodeURIComponent(s)}`).join("&");
      const headers: Record<string, string> = { Authorization: `Bearer ${this.opts.token}`, Accept: "text/event-stream" };
      if (this.lastEventId) headers["Last-Event-ID"] = this.lastEventId;
      kick();
      const res = await this.opts.fetch(`${this.opts.baseUrl}/api/v1/stream?${qs}`, { headers, signal: abort.signal });
      if (!res.ok || !(res.headers.get("content-type") ?? "").startsWith("text/event-stream") || !res.body) {
        await res.body?.cancel().catch(() => {});
        // No stream here (an older server, the Next app): poll for good.
        if (res.status === 404 || res.status === 405 || res.status === 501 || res.ok) this.streamUnsupported = true;
        throw new Error(`stream answered ${res.status}`);
      }
      const decoder = new TextDecoder();
      let buf = "";
      const reader = res.body.getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        kick();
        buf += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = buf.indexOf("\n\n")) >= 0) {
          const block = buf.slice(0, end);
          buf = buf.slice(end + 2);
          this.onStreamEvent(block);
        }
      }
    } catch (e) {
      if (!abort.signal.aborted || this.running) this.report(e, [...this.watched.keys()].join(","));
    } finally {
      clearTimeout(idle);
      if (this.streamAbort === abort) this.streamAbort = null;
      const wasLive = this.streamLive;
      this.streamLive = false;
      if (this.running && !this.streamUnsupported && this.streamAbort === null) {
        // Poll at once to cover the gap, then try the stream again.
        if (wasLive) void this.refresh();
        this.streamBackoffMs = wasLive ? 500 : Math.min(this.streamBackoffMs * 2, 30_000);
        const t = setTimeout(() => void this.openStream(), this.streamBackoffMs);
        (t as { unref?: () => void }).unref?.();
      }
    }
  }

  private onStreamEvent(block: string) {
    let event = "message";
    let data = "";
    let id: string | null = null;
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) continue;
      const i = line.indexOf(":");
      const field = i < 0 ? line : line.slice(0, i);
      const value = i < 0 ? "" : line.slice(i + 1).replace(/^ /, "");
      if (field === "event") event = value;
      else if (field === "data") data += (data ? "\n" : "") + value;
      else if (field === "id") id = value;
    }
    if (id !== null) this.lastEventId = id;
    if (event === "ready") {
      this.streamLive = true;
      this.streamBackoffMs = 500;
      for (const w of this.watched.values()) w.settleFirst();
    } else if (event === "state") {
      const msg = JSON.parse(data) as { workspace: string; etag: string; state: unknown };
      const w = this.watched.get(msg.workspace);
      if (!w || !isStateDocument(msg.state)) return;
      w.state = compileState(msg.state, msg.etag);
      w.lastOkAt = Date.now();
      w.settleFirst();
      this.emit(w);
    } else if (event === "error") {
      this.report(new Error(`stream closed by the server: ${data}`), [...this.watched.keys()].join(","));
    }
  }

  private async pollOne(w: Watched): Promise<void> {
    try {
      const headers: Record<string, string> = { Authorization: `Bearer ${this.opts.token}`, Accept: "application/json" };
      if (w.state?.etag) headers["If-None-Match"] = w.state.etag;
      const res = await this.opts.fetch(`${this.opts.baseUrl}/api/v1/workspaces/${encodeURIComponent(w.slug)}/state`, {
        headers,
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
      if (res.status === 304 && w.state) {
        w.lastOkAt = Date.now();
      } else if (res.ok) {
        const doc: unknown = await res.json();
        if (!isStateDocument(doc)) throw new Error("the state endpoint answered with something that is not a state document");
        w.state = compileState(doc, res.headers.get("etag"));
        w.lastOkAt = Date.now();
        this.emit(w);
      } else {
        await res.body?.cancel().catch(() => {});
        throw new Error(`state endpoint answered ${res.status} for workspace "${w.slug}"`);
      }
    } catch (e) {
      this.report(e, w.slug);
      const max = this.opts.maxStaleMs;
      if (w.state && max !== undefined && Date.now() - w.lastOkAt > max) {
        w.state = null;
        this.emit(w);
      }
    } finally {
      w.settleFirst();
    }
  }

  private emit(w: Watched) {
    for (const l of this.listeners) {
      try {
        l(w.slug, w.state);
      } catch (e) {
        this.report(e, w.slug);
      }
    }
  }

  private report(e: unknown, slug: string) {
    try {
      this.opts.onError?.(e, slug);
    } catch {
      /* a failing logger must not break polling */
    }
  }
}
