import { Pool } from 'pg';
import type { AdminConnection } from '../backends/types.js';
import { APPLICATION_NAME, connectionConfig } from './session.js';
import type { ServerPools } from './types.js';

export interface PoolRegistryOptions {
  /** Connections per pool: reconciles of one server run one at a time, so a few are plenty. */
  max?: number;
  idleTimeoutMillis?: number;
  connectionTimeoutMillis?: number;
  /** Server-side limit per statement, so a stuck lock cannot hang a reconcile forever. */
  statementTimeoutMillis?: number;
  applicationName?: string;
  /** Told about connections that break while idle (server restart, dropped database). */
  onIdleError?: (err: Error, where: { host: string; port: number; database: string }) => void;
}

interface Entry {
  pool: Pool;
  host: string;
  port: number;
  database: string;
  /** What a connection was opened with beyond the key: a change means a new pool. */
  password: string;
  caCert?: string;
}

/**
 * One `pg.Pool` per (host, port, user, database, sslmode), kept across reconciles. A pool whose
 * password or CA no longer matches the connection it is asked for is replaced, so an admin
 * password change never leaves stale credentials in use. Nothing here logs a password.
 */
export class PoolRegistry {
  private readonly pools = new Map<string, Entry>();
  private readonly opts: Required<Omit<PoolRegistryOptions, 'onIdleError'>> & Pick<PoolRegistryOptions, 'onIdleError'>;

  constructor(opts: PoolRegistryOptions = {}) {
    this.opts = {
      max: opts.max ?? 3,
      idleTimeoutMillis: opts.idleTimeoutMillis ?? 30_000,
      connectionTimeoutMillis: opts.connectionTimeoutMillis ?? 10_000,
      statementTimeoutMillis: opts.statementTimeoutMillis ?? 120_000,
      applicationName: opts.applicationName ?? APPLICATION_NAME,
      onIdleError: opts.onIdleError,
    };
  }

  /** The pool for `conn`, connected to `database` (default: the connection's maintenance database). */
  get(conn: AdminConnection, database: string = conn.database): Pool {
    const key = JSON.stringify([conn.host, conn.port, conn.user, database, conn.sslmode, conn.tlsServerName ?? '']);
    const existing = this.pools.get(key);
    if (existing && existing.password === conn.password && existing.caCert === conn.caCert) return existing.pool;
    if (existing) {
      this.pools.delete(key);
      void existing.pool.end().catch(() => undefined);
    }
    const entry: Entry = { pool: this.create(conn, database), host: conn.host, port: conn.port, database, password: conn.password, caCert: conn.caCert };
    this.pools.set(key, entry);
    return entry.pool;
  }

  /** The admin pool and per-database pools of one server, as the SQL functions take them. */
  forServer(conn: AdminConnection): ServerPools {
    return {
      admin: this.get(conn),
      forDatabase: (database) => this.get(conn, database),
      forget: (database) => this.invalidate(conn.host, conn.port, database),
    };
  }

  /** Closes the pools of a server (after an admin password change), or of one of its databases. */
  async invalidate(host: string, port: number, database?: string): Promise<void> {
    const doomed = [...this.pools].filter(([, e]) => e.host === host && e.port === port && (database === undefined || e.database === database));
    for (const [key] of doomed) this.pools.delete(key);
    await Promise.all(doomed.map(([, e]) => e.pool.end().catch(() => undefined)));
  }

  async closeAll(): Promise<void> {
    const all = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(all.map((e) => e.pool.end().catch(() => undefined)));
  }

  get size(): number {
    return this.pools.size;
  }

  private create(conn: AdminConnection, database: string): Pool {
    const pool = new Pool({
      ...connectionConfig({ ...conn, database }),
      // Pools into single databases serve rare work (extensions, drops, old servers): one
      // connection, closed soon, so a thousand databases never hold a thousand connections.
      max: database === conn.database ? this.opts.max : 1,
      idleTimeoutMillis: database === conn.database ? this.opts.idleTimeoutMillis : Math.min(1000, this.opts.idleTimeoutMillis),
      connectionTimeoutMillis: this.opts.connectionTimeoutMillis,
      statement_timeout: this.opts.statementTimeoutMillis,
      application_name: this.opts.applicationName,
    });
    // Without a listener, an idle connection killed by the server would crash the process.
    pool.on('error', (err) => this.opts.onIdleError?.(err, { host: conn.host, port: conn.port, database }));
    return pool;
  }
}
