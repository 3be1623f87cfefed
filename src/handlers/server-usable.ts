import { Reason } from '../api/conditions.js';
import type { PostgreSQLServer } from '../api/types.js';
import { readyOf } from '../reconcile/conditions.js';

/**
 * Ready, or NotConverging: a server whose cloud does not take one setting still serves its
 * databases (the operator only stopped re-sending that setting). A server being deleted is not.
 */
export function serverUsable(server: PostgreSQLServer): boolean {
  if (server.metadata.deletionTimestamp) return false;
  const ready = readyOf(server.status?.conditions);
  return ready?.status === 'True' || (ready?.reason === Reason.NotConverging && server.status?.endpoint !== undefined);
}
