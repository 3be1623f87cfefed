import type { Pool } from 'pg';
import type { PostgreSQLDatabase, PostgreSQLServer } from '../api/types.js';
import { TemporaryError } from '../backends/errors.js';
import type { HandlerDeps } from './deps.js';
import { databaseStoreName, STORE_PASSWORD } from './names.js';
import { STORE_LOGIN } from './password-rotation.js';
import { serverAccess } from './server-access.js';

export interface TableConnection {
  /** Connections into the table's database as the database's own role (never the admin). */
  pool: Pool;
  database: string;
  role: string;
}

/**
 * Connects as the PostgreSQLDatabase's role, with the password from the database's own store
 * Secret, through the same endpoint the admin uses (TLS as the server's backend says). Tables are
 * then owned by the application's role, which can use and alter them.
 */
export async function tableConnection(deps: HandlerDeps, db: PostgreSQLDatabase, server: PostgreSQLServer): Promise<TableConnection> {
  const database = db.status?.database;
  const role = db.status?.username;
  if (!database || !role) throw new TemporaryError(`PostgreSQLDatabase ${db.metadata.name} has not recorded its database yet`, 10);
  const access = await serverAccess(deps, server);
  const store = await deps.secrets.read(db.metadata.namespace, databaseStoreName(db.metadata.name), db.metadata.uid ?? '');
  const password = store.kind === 'owned' ? store.data[STORE_PASSWORD] : undefined;
  if (!password) throw new TemporaryError(`the password of PostgreSQLDatabase ${db.metadata.name} is not stored yet`, 10);
  // After a rotation the password is the second login's, whose sessions act as the role (ADR 0016).
  const login = (store.kind === 'owned' && store.data[STORE_LOGIN]) || role;
  const pool = deps.pools.get({ ...access.admin, user: login, password, database }, database);
  return { pool, database, role };
}
