/**
 * A real PostgreSQL standing in for the database engine behind emulated RDS instances. What RDS
 * does inside the engine is mirrored through the emulator's engine hooks: creating an instance
 * makes its master user (LOGIN CREATEROLE CREATEDB, not a superuser, like RDS's rds_superuser
 * member), a ModifyDBInstance MasterUserPassword changes that user's password. Instances report
 * this server's address and port as their Endpoint, and `requireTls` makes TCP logins need TLS
 * (RDS with rds.force_ssl=1), so a client that skips TLS fails instead of passing silently.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { scramVerifier } from '../../../src/postgres/index.js';
import type { TestPostgres } from '../postgres-server.js';
import type { EndpointFor, EngineHooks, MasterUser } from '../rds-emulator/model.js';

export class RdsEngine {
  private pg?: TestPostgres;
  private pool?: pg.Pool;
  /** Master users made and passwords changed, in order (no passwords: those are checked by logging in). */
  readonly log: string[] = [];

  /**
   * @param host the name instances report as Endpoint.Address; the server certificate must name it.
   * @param caPem the CA that issued the server certificate.
   */
  constructor(
    readonly host: string,
    private readonly caPem: string,
  ) {}

  /** For `startRdsEmulator({ endpoint })`: every instance is served by this PostgreSQL. */
  readonly endpoint: EndpointFor = () => ({ address: this.host, port: this.server().port });

  /** For `startRdsEmulator({ hooks })`. */
  readonly hooks: EngineHooks = {
    instanceCreated: (m) => this.createMaster(m),
    masterPasswordChanged: (m) => this.changeMasterPassword(m),
  };

  /** Binds the engine to the PostgreSQL once it runs (the emulator may be started before it). */
  attach(server: TestPostgres): void {
    this.pg = server;
    this.pool = new pg.Pool({ ...this.connection(server.user, server.password), max: 2 });
    this.pool.on('error', () => undefined);
  }

  /** Connection settings for a login as `user`, verifying the server as `sslmode=verify-full` does. */
  connection(user: string, password: string, database = 'postgres', caPem = this.caPem): pg.ClientConfig {
    return { host: this.host, port: this.server().port, user, password, database, ssl: { ca: caPem, rejectUnauthorized: true }, connectionTimeoutMillis: 30_000 };
  }

  /** Runs SQL as the bootstrap superuser (over TLS). */
  async query<R extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<R[]> {
    if (!this.pool) throw new Error('RdsEngine.attach() was not called');
    return (await this.pool.query<R>(sql, params)).rows;
  }

  /** Turns every `host` line of pg_hba.conf into `hostssl`: plain TCP logins are refused from now on. */
  async requireTls(): Promise<void> {
    const file = join(this.server().dataDir, 'pg_hba.conf');
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace(/^host(\s)/gm, 'hostssl$1'));
    await this.query('SELECT pg_reload_conf()');
  }

  async close(): Promise<void> {
    await this.pool?.end();
    this.pool = undefined;
  }

  private async createMaster(m: MasterUser): Promise<void> {
    const verifier = pg.escapeLiteral(await scramVerifier(m.password));
    await this.query(`CREATE ROLE ${pg.escapeIdentifier(m.username)} LOGIN CREATEROLE CREATEDB PASSWORD ${verifier}`);
    this.log.push(`${m.id}: created master user ${m.username}`);
  }

  private async changeMasterPassword(m: MasterUser): Promise<void> {
    await this.query(`ALTER ROLE ${pg.escapeIdentifier(m.username)} PASSWORD ${pg.escapeLiteral(await scramVerifier(m.password))}`);
    this.log.push(`${m.id}: changed the password of ${m.username}`);
  }

  private server(): TestPostgres {
    if (!this.pg) throw new Error('RdsEngine.attach() was not called');
    return this.pg;
  }
}
