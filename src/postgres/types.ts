import type { QueryResult, QueryResultRow } from 'pg';

/** Anything that runs one statement: a `pg.Pool`, a `pg.Client` or a checked-out pool client. */
export interface Queryable {
  query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
}

/**
 * The connections the SQL layer needs for one server: the admin's maintenance database, and any
 * other database on the same server as the same admin (schema and extension work, cleanup).
 * `PoolRegistry.forServer(conn)` builds one.
 */
export interface ServerPools {
  admin: Queryable;
  forDatabase(database: string): Queryable;
  /** Called after a database was dropped so cached connections to it are closed. */
  forget?(database: string): Promise<void>;
}
