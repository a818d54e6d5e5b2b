// Keeps an edge server's memory current with Postgres.
//  - start(): LISTEN on 'rollout_edge', then a full load in one repeatable-read
//    snapshot. Every (re)connect of the LISTEN connection loads fully again, so
//    whatever happened while it was down is picked up.
//  - Each notification ('<version>:<kind>:<id>', raised by the triggers in
//    supabase/schemas/edge/notify.sql in the changing transaction) reloads just
//    that part: one workspace's rows, the flag definitions, the migrations, a token.
//  - Every pollMs it reads app_private.edge_version(); a version above every one
//    it was told about, still there at the next poll, means a lost notification:
//    full reload. A failed poll marks the cache degraded (answers go on from
//    memory, with their age).
import type postgres from "postgres";
import type { FlagDefinition } from "../flags/rules";
import {
  compileWorkspace, emptySnapshot, sortFlags, type CompiledWorkspace, type MigrationRow, type Snapshot, type TokenGrant, type WorkspaceRow,
} from "./model";

type Sql = postgres.Sql<Record<string, unknown>>;
type Q = postgres.Sql<Record<string, unknown>> | postgres.TransactionSql<Record<string, unknown>>;

export const CHANNEL = "rollout_edge";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface ChangeSet {
  /** workspaces whose default body changed (or that were removed), by id */
  workspaces: Map<string, CompiledWorkspace | null>;
  /** token hashes whose grant changed or went away */
  tokens: string[];
  version: number;
}

export interface EdgeCacheOptions {
  pollMs?: number;
  log?: (msg: string, extra?: Record<string, unknown>) => void;
}

export class EdgeCache {
  snap: Snapshot = emptySnapshot();
  compiled = new Map<string, CompiledWorkspace>();
  bySlug = new Map<string, CompiledWorkspace>();
  /** highest version loaded or notified */
  version = 0;
  /** highest version whose change is in memory (every change up to it that was notified or read) */
  appliedVersion = 0;
  ready = false;
  /** last successful contact with the database (ms epoch) */
  lastContactAt = 0;
  dbOk = false;
  resyncs = 0;
  notifications = 0;

  private sortedFlags = sortFlags([]);
  private migrationsSorted: MigrationRow[] = [];
  private pending = new Set<string>();
  private running: Promise<void> | null = null;
  private listeners = new Set<(c: ChangeSet) => void>();
  private pollTimer: ReturnType<typeof setInterval> | null = null;
  private gapSeen: number | null = null;
  private unlisten: (() => Promise<void>) | null = null;
  private stopped = false;
  private firstLoad: Promise<void>;
  private settleFirst!: () => void;

  constructor(
    private readonly sql: Sql,
    private readonly opts: EdgeCacheOptions = {},
  ) {
    this.firstLoad = new Promise((r) => (this.settleFirst = r));
  }

  onChange(l: (c: ChangeSet) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** Listens, loads everything, starts the version poll. Resolves after the first full load. */
  async start(): Promise<void> {
    const sub = await this.sql.listen(
      CHANNEL,
      (payload) => this.onNotify(payload),
      () => this.enqueue("all"),
    );
    this.unlisten = () => sub.unlisten();
    this.pollTimer = setInterval(() => void this.poll(), this.opts.pollMs ?? 1000);
    this.pollTimer.unref?.();
    await this.firstLoad;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    await this.unlisten?.().catch(() => {});
    await this.running?.catch(() => {});
  }

  /** Seconds since the last successful contact with the database. */
  ageSeconds(): number {
    return this.lastContactAt ? Math.max(0, Math.round((Date.now() - this.lastContactAt) / 1000)) : 0;
  }

  get degraded(): boolean {
    return !this.dbOk;
  }

  private onNotify(payload: string) {
    this.notifications++;
    const [v, kind, rawId] = payload.split(":");
    const id = UUID.test(rawId ?? "") ? rawId : "";
    const version = Number(v);
    if (Number.isFinite(version) && version > this.version) this.version = version;
    this.noteVersion(version);
    this.lastContactAt = Date.now();
    this.dbOk = true;
    if (kind === "ws" && id) this.enqueue(`ws:${id}`, version);
    else if (kind === "token" && id) this.enqueue(`token:${id}`, version);
    else if (kind === "flags" || kind === "migrations") this.enqueue(kind, version);
    else this.enqueue("all", version);
  }

  private pendingVersion = 0;

  // Every version up to `contiguous` has been notified or loaded; `ahead` holds the
  // notified ones above it. A version left out (a lost notification, or a change
  // whose transaction rolled back after taking its number) keeps `contiguous` below
  // the database's version, even when later notifications arrive: the poll sees it.
  private contiguous = 0;
  private ahead = new Set<number>();

  private noteVersion(v: number) {
    if (!Number.isFinite(v) || v <= this.contiguous) return;
    this.ahead.add(v);
    while (this.ahead.has(this.contiguous + 1)) this.ahead.delete(++this.contiguous);
  }

  private loadedUpTo(v: number) {
    if (v > this.contiguous) this.contiguous = v;
    for (const a of this.ahead) if (a <= this.contiguous) this.ahead.delete(a);
    while (this.ahead.has(this.contiguous + 1)) this.ahead.delete(++this.contiguous);
  }

  private enqueue(item: string, version = 0) {
    if (this.stopped) return;
    this.pending.add(item);
    if (version > this.pendingVersion) this.pendingVersion = version;
    if (!this.running) this.running = this.drain().finally(() => (this.running = null));
  }

  private async drain(): Promise<void> {
    while (this.pending.size && !this.stopped) {
      // Let a burst of notifications (a wave, a kill switch) arrive and load once.
      await new Promise((r) => setImmediate(r));
      // A burst this large (a bulk import, a wave over thousands) is cheaper as one snapshot.
      if (this.pending.size > 500) this.pending.add("all");
      const items = [...this.pending];
      const version = this.pendingVersion;
      this.pending.clear();
      try {
        if (items.includes("all")) await this.loadAll();
        else await this.loadParts(items, version);
        this.lastContactAt = Date.now();
        this.dbOk = true;
      } catch (e) {
        this.dbOk = false;
        this.opts.log?.("edge: load failed; answering from memory", { error: String(e) });
        // Retry the whole picture once the database answers again (the poll or a reconnect re-queues it).
        if (!this.stopped) this.pending.clear();
        this.needFull = true;
        return;
      }
    }
  }

  private needFull = false;

  private async poll() {
    try {
      const [{ v }] = await this.sql<{ v: string }[]>`select app_private.edge_version()::text as v`;
      const dbVersion = Number(v);
      this.lastContactAt = Date.now();
      this.dbOk = true;
      if (this.needFull || !this.ready) {
        this.needFull = false;
        this.enqueue("all");
        return;
      }
      // A version we were not told about, still uncovered a poll later, is a lost
      // notification (one merely in flight arrives within milliseconds).
      if (this.gapSeen !== null && this.contiguous < this.gapSeen) {
        this.opts.log?.("edge: missed a notification; reloading", { dbVersion, version: this.version, contiguous: this.contiguous });
        this.gapSeen = null;
        this.enqueue("all");
      } else this.gapSeen = dbVersion > this.contiguous ? dbVersion : null;
    } catch {
      this.dbOk = false;
    }
  }

  // Loading --------------------------------------------------------------------

  private async loadAll() {
    const next = emptySnapshot();
    let version = 0;
    await this.sql.begin("isolation level repeatable read read only", async (tx) => {
      const [{ v }] = await tx<{ v: string }[]>`select app_private.edge_version()::text as v`;
      version = Number(v);
      for (const w of await loadWorkspaces(tx, null)) next.workspaces.set(w.id, w);
      next.migrations = await loadMigrations(tx);
      next.flags = await loadFlags(tx);
      await loadRollouts(tx, null, next);
      await loadOverrides(tx, null, next);
      for (const t of await loadTokens(tx, null)) next.tokens.set(t.hash, t);
    });
    this.resyncs++;
    this.loadedUpTo(version);
    if (version > this.version) this.version = version;
    if (version > this.appliedVersion) this.appliedVersion = version;
    const old = this.snap;
    this.snap = next;
    this.sortedFlags = sortFlags(next.flags);
    this.migrationsSorted = [...next.migrations.values()];
    const changed = this.recompile([...new Set([...next.workspaces.keys(), ...this.compiled.keys()])], this.version);
    const tokens = diffTokens(old.tokens, next.tokens);
    if (!this.ready) {
      this.ready = true;
      this.settleFirst();
    }
    this.emit({ workspaces: changed, tokens, version: this.version });
  }

  private async loadParts(items: string[], version: number) {
    const wsIds: string[] = [];
    const tokenIds: string[] = [];
    let flags = false;
    let migrations = false;
    for (const it of items) {
      if (it.startsWith("ws:")) wsIds.push(it.slice(3));
      else if (it.startsWith("token:")) tokenIds.push(it.slice(6));
      else if (it === "flags") flags = true;
      else if (it === "migrations") migrations = true;
    }
    const snap = this.snap;
    const tokenChanges: string[] = [];
    await this.sql.begin("isolation level repeatable read read only", async (tx) => {
      if (flags) snap.flags = await loadFlags(tx);
      if (migrations) snap.migrations = await loadMigrations(tx);
      if (wsIds.length) {
        const rows = await loadWorkspaces(tx, wsIds);
        for (const id of wsIds) {
          snap.workspaces.delete(id);
          snap.rollouts.delete(id);
          snap.overrides.delete(id);
        }
        for (const w of rows) snap.workspaces.set(w.id, w);
        await loadRollouts(tx, wsIds, snap);
        await loadOverrides(tx, wsIds, snap);
      }
      if (tokenIds.length) {
        const rows = await loadTokens(tx, tokenIds);
        const ids = new Set(tokenIds);
        for (const [hash, g] of snap.tokens)
          if (ids.has(g.id)) {
            snap.tokens.delete(hash);
            tokenChanges.push(hash);
          }
        for (const t of rows) {
          snap.tokens.set(t.hash, t);
          tokenChanges.push(t.hash);
        }
      }
    });
    if (version > this.appliedVersion) this.appliedVersion = version;
    if (flags) this.sortedFlags = sortFlags(snap.flags);
    if (migrations) this.migrationsSorted = [...snap.migrations.values()];
    const all = flags || migrations;
    // Flag definitions alone leave each workspace's own text as it was: reuse it (a kill switch at 10 000 workspaces).
    const reuse = flags && !migrations ? new Set(this.compiled.keys()) : null;
    if (reuse) for (const id of wsIds) reuse.delete(id);
    const changed =
      all || wsIds.length ? this.recompile(all ? [...this.compiled.keys(), ...snap.workspaces.keys()] : wsIds, version || this.version, reuse) : new Map();
    this.emit({ workspaces: changed, tokens: tokenChanges, version: version || this.version });
  }

  /** Recompiles workspaces; returns those whose default body changed (null: removed). */
  private recompile(ids: Iterable<string>, version: number, reuse: Set<string> | null = null): Map<string, CompiledWorkspace | null> {
    const changed = new Map<string, CompiledWorkspace | null>();
    for (const id of new Set(ids)) {
      const old = this.compiled.get(id);
      const ws = this.snap.workspaces.get(id);
      if (!ws) {
        if (old) {
          this.compiled.delete(id);
          if (this.bySlug.get(old.ws.slug) === old) this.bySlug.delete(old.ws.slug);
          changed.set(id, null);
        }
        continue;
      }
      const c = compileWorkspace(this.snap, this.sortedFlags, this.migrationsSorted, ws, version, reuse?.has(id) ? old : undefined);
      if (old && old.etag === c.etag) {
        c.version = old.version;
      } else changed.set(id, c);
      if (old && old.ws.slug !== ws.slug && this.bySlug.get(old.ws.slug) === old) this.bySlug.delete(old.ws.slug);
      this.compiled.set(id, c);
      this.bySlug.set(ws.slug, c);
    }
    return changed;
  }

  private emit(c: ChangeSet) {
    if (!c.workspaces.size && !c.tokens.length) return;
    for (const l of this.listeners) {
      try {
        l(c);
      } catch (e) {
        this.opts.log?.("edge: change listener failed", { error: String(e) });
      }
    }
  }
}

function diffTokens(a: Map<string, TokenGrant>, b: Map<string, TokenGrant>): string[] {
  const out: string[] = [];
  for (const [h, g] of a) {
    const n = b.get(h);
    if (!n || !sameGrant(g, n)) out.push(h);
  }
  return out;
}

function sameGrant(a: TokenGrant, b: TokenGrant): boolean {
  const setEq = (x: Set<string> | null, y: Set<string> | null) => (x === null || y === null ? x === y : x.size === y.size && [...x].every((v) => y.has(v)));
  return a.id === b.id && setEq(a.workspaceIds, b.workspaceIds) && setEq(a.scopes, b.scopes);
}

async function loadWorkspaces(tx: Q, ids: string[] | null): Promise<WorkspaceRow[]> {
  return ids
    ? tx<WorkspaceRow[]>`select id::text, slug, name from public.workspaces where id = any(string_to_array(${ids.join(",")}, ',')::uuid[])`
    : tx<WorkspaceRow[]>`select id::text, slug, name from public.workspaces`;
}

async function loadMigrations(tx: Q): Promise<Map<string, MigrationRow>> {
  const out = new Map<string, MigrationRow>();
  for (const m of await tx<{ id: string; key: string }[]>`select id::text, key from public.migrations`)
    out.set(m.id, { id: m.id, key: m.key, stages: new Map(), lastStage: null });
  for (const s of await tx<{ mid: string; position: number; key: string; name: string }[]>`
      select migration_id::text as mid, position, key, name from public.migration_stages`) {
    const m = out.get(s.mid);
    if (!m) continue;
    m.stages.set(s.position, { key: s.key, name: s.name });
    if (m.lastStage === null || s.position > m.lastStage) m.lastStage = s.position;
  }
  return out;
}

async function loadFlags(tx: Q): Promise<FlagDefinition[]> {
  return tx<FlagDefinition[]>`
    select id::text, key, migration_id::text as "migrationId", min_stage as "minStage", enabled, rollout_bps as "rolloutBps", killed
      from public.feature_flags`;
}

async function loadRollouts(tx: Q, ids: string[] | null, snap: Snapshot) {
  const rows = ids
    ? await tx<{ w: string; m: string; stage: number; status: string }[]>`
        select workspace_id::text as w, migration_id::text as m, stage, status from public.workspace_rollouts where workspace_id = any(string_to_array(${ids.join(",")}, ',')::uuid[])`
    : await tx<{ w: string; m: string; stage: number; status: string }[]>`
        select workspace_id::text as w, migration_id::text as m, stage, status from public.workspace_rollouts`;
  for (const r of rows) {
    let m = snap.rollouts.get(r.w);
    if (!m) snap.rollouts.set(r.w, (m = new Map()));
    m.set(r.m, { stage: r.stage, status: r.status });
  }
}

async function loadOverrides(tx: Q, ids: string[] | null, snap: Snapshot) {
  const rows = ids
    ? await tx<{ w: string; f: string; value: boolean }[]>`
        select workspace_id::text as w, flag_id::text as f, value from public.flag_overrides where workspace_id = any(string_to_array(${ids.join(",")}, ',')::uuid[])`
    : await tx<{ w: string; f: string; value: boolean }[]>`select workspace_id::text as w, flag_id::text as f, value from public.flag_overrides`;
  for (const r of rows) {
    let m = snap.overrides.get(r.w);
    if (!m) snap.overrides.set(r.w, (m = new Map()));
    m.set(r.f, r.value);
  }
}

async function loadTokens(tx: Q, ids: string[] | null): Promise<TokenGrant[]> {
  const rows = ids
    ? await tx<{ id: string; hash: string; ws: string[] | null; scopes: string[] }[]>`
        select id::text, token_hash as hash, array_to_json(workspace_ids) as ws, array_to_json(scopes) as scopes from public.ingest_tokens
         where id = any(string_to_array(${ids.join(",")}, ',')::uuid[]) and revoked_at is null`
    : await tx<{ id: string; hash: string; ws: string[] | null; scopes: string[] }[]>`
        select id::text, token_hash as hash, array_to_json(workspace_ids) as ws, array_to_json(scopes) as scopes from public.ingest_tokens where revoked_at is null`;
  return rows.map((r) => ({ id: r.id, hash: r.hash, workspaceIds: r.ws ? new Set(r.ws) : null, scopes: new Set(r.scopes) }));
}
