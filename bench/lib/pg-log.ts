import type { TestPostgres } from '../../test/support/postgres-server.js';

/**
 * PostgreSQL settings that make its log the bench's statement counter and stopwatch: every
 * completed statement with its duration, every new connection, and the client's
 * application_name on every line (so the operator's statements are told apart from the harness's).
 */
export const PG_LOG_SETTINGS: Record<string, string> = {
  log_min_duration_statement: '0',
  log_connections: 'on',
  log_line_prefix: '%m [%p] app=%a ',
  // CREATE DATABASE writes the whole template through the WAL: fewer forced checkpoints.
  max_wal_size: '1GB',
};

/** What the operator's (or any one application's) SQL looked like over a stretch of the log. */
export interface SqlActivity {
  statements: number;
  connections: number;
  /** Milliseconds each CREATE DATABASE took inside PostgreSQL, by database name. */
  createDatabaseMs: Map<string, number>;
}

const PREFIX = /^\S+ \S+ \S+ \[\d+\] app=(\S*) /;
const STATEMENT = /LOG: {2}duration: ([\d.]+) ms {2}(?:statement|execute [^:]*): (.*)$/;
/** The name quoted (as the operator and the baseline write it: `escapeIdentifier`) or bare (folded to lower case). */
const CREATE_DB = /^CREATE DATABASE (?:"((?:[^"]|"")+)"|([A-Za-z_][\w$]*))/i;
const CONNECTION = /LOG: {2}connection authorized: .*application_name=(\S+)/;

/** Reads the log of a test PostgreSQL from a mark onwards. */
export class PgLog {
  private offset = 0;

  constructor(private readonly pg: TestPostgres) {}

  /** Forgets everything logged so far. */
  mark(): void {
    this.offset = this.pg.log().length;
  }

  /** Statements and connections of `application` since the mark (the mark does not move). */
  activity(application: string): SqlActivity {
    const text = this.pg.log().slice(this.offset);
    const result: SqlActivity = { statements: 0, connections: 0, createDatabaseMs: new Map() };
    for (const line of text.split('\n')) {
      const prefix = PREFIX.exec(line);
      const conn = CONNECTION.exec(line);
      if (conn && conn[1] === application) result.connections++;
      if (!prefix || prefix[1] !== application) continue;
      const st = STATEMENT.exec(line);
      if (!st) continue;
      result.statements++;
      const created = CREATE_DB.exec(st[2] as string);
      if (created) result.createDatabaseMs.set(created[1]?.replaceAll('""', '"') ?? (created[2] as string).toLowerCase(), Number(st[1]));
    }
    return result;
  }
}
