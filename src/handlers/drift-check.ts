import type { Logger } from 'pino';
import type { PostgreSQLDatabase, PostgreSQLServer } from '../api/types.js';
import { databasesOutOfPlace } from '../postgres/index.js';
import { isSettled } from '../reconcile/object-state.js';
import type { HandlerDeps } from './deps.js';
import { serverAccess } from './server-access.js';
import { serverUsable } from './server-usable.js';
import { serverRefOf } from './sharing.js';

export type DriftCheckResult = 'in_place' | 'drifted' | 'error';

export interface DriftCheckOptions {
  intervalSeconds: number;
  /** Every database and server the informer caches hold. */
  databases(): PostgreSQLDatabase[];
  server(namespace: string, name: string): PostgreSQLServer | undefined;
  /** Reconciles a database now (its reconcile recreates what is missing and records a Warning). */
  enqueue(namespace: string, name: string): void;
  /** One server checked: what it found and how long the query took. */
  checked?(result: DriftCheckResult, seconds: number): void;
  log: Logger;
}

/**
 * Notices within seconds a database or role dropped by hand, without waiting for the resync:
 * every interval, one catalogue query per server covers all its Ready databases. Nothing is
 * written anywhere unless something drifted: then only the drifted databases are enqueued, and
 * their reconcile repairs them. Reads come from the informer caches (no API calls).
 */
export class DriftCheck {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running = false;

  constructor(
    private readonly deps: HandlerDeps,
    private readonly opts: DriftCheckOptions,
  ) {}

  start(): void {
    if (this.running || this.opts.intervalSeconds <= 0) return;
    this.running = true;
    this.schedule();
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** One pass over every server (exposed for tests; the timer calls it). */
  async checkAll(): Promise<void> {
    const byServer = new Map<string, PostgreSQLDatabase[]>();
    for (const db of this.opts.databases()) {
      if (!isSettled(db) || !db.status?.database) continue;
      const ref = serverRefOf(db);
      const key = `${ref.namespace}/${ref.name}`;
      byServer.set(key, [...(byServer.get(key) ?? []), db]);
    }
    // Servers are independent (each has its own pool): one slow server does not hold the others up.
    await Promise.all([...byServer.values()].map((dbs) => this.checkServer(dbs)));
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      void this.checkAll().finally(() => {
        if (this.running) this.schedule();
      });
    }, this.opts.intervalSeconds * 1000);
    this.timer.unref?.();
  }

  private async checkServer(dbs: PostgreSQLDatabase[]): Promise<void> {
    const ref = serverRefOf(dbs[0] as PostgreSQLDatabase);
    const server = this.opts.server(ref.namespace, ref.name);
    if (!server || !serverUsable(server)) return;
    const started = process.hrtime.bigint();
    let result: DriftCheckResult = 'in_place';
    try {
      const access = await serverAccess(this.deps, server);
      const wanted = dbs.map((db) => {
        const owner = db.status?.username ?? (db.status?.database as string);
        return { database: db.status?.database as string, owner, login: db.status?.passwordRotation?.login ?? owner };
      });
      const missing = new Set(await databasesOutOfPlace(this.deps.pools.forServer(access.admin).admin, wanted));
      for (const db of dbs) {
        if (!missing.has(db.status?.database as string)) continue;
        result = 'drifted';
        this.opts.log.info({ namespace: db.metadata.namespace, name: db.metadata.name }, 'database or role missing in the server; reconciling');
        this.opts.enqueue(db.metadata.namespace, db.metadata.name);
      }
    } catch (err) {
      // The reconciles report an unreachable server; the check only tries again next time.
      result = 'error';
      this.opts.log.debug({ server: server.metadata.name, err: err instanceof Error ? err.message : String(err) }, 'drift check failed');
    } finally {
      this.opts.checked?.(result, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }
}
