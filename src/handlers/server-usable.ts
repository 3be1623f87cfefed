import { Reason } from '../api/conditions.js';
import type { PostgreSQLDatabase, PostgreSQLServer } from '../api/types.js';
import { readyOf } from '../reconcile/conditions.js';

/**
 * Ready=False reasons of a server that still serves its databases: NotConverging (its cloud does
 * not take one setting; the operator only stopped re-sending it), and a spec the config no longer
 * accepts (a class or limit removed: the server runs as it is, see the server handler's
 * `keepServing`) — neither may stop its databases, their password resets or their deletion.
 */
const SERVER_SERVING_DESPITE: ReadonlySet<string> = new Set([Reason.NotConverging, Reason.InvalidSpec, Reason.UnknownClass, Reason.LimitExceeded, Reason.BackendNotAllowed]);

/** A database that exists but whose extension the config no longer allows keeps what it has. */
const DATABASE_SERVING_DESPITE: ReadonlySet<string> = new Set([Reason.ExtensionNotAllowed]);

/** Ready, or running despite a reason above (it has an endpoint). A server being deleted is not. */
export function serverUsable(server: PostgreSQLServer): boolean {
  if (server.metadata.deletionTimestamp) return false;
  const ready = readyOf(server.status?.conditions);
  if (ready?.status === 'True') return true;
  return server.status?.endpoint !== undefined && ready !== undefined && SERVER_SERVING_DESPITE.has(ready.reason);
}

/** Ready, or existing despite a reason above. A database being deleted is not. */
export function databaseUsable(db: PostgreSQLDatabase): boolean {
  if (db.metadata.deletionTimestamp) return false;
  const ready = readyOf(db.status?.conditions);
  if (ready?.status === 'True') return true;
  return db.status?.database !== undefined && ready !== undefined && DATABASE_SERVING_DESPITE.has(ready.reason);
}
