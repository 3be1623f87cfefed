import { Reason } from '../api/conditions.js';
import type { PostgreSQLServer } from '../api/types.js';
import type { OperatorConfig } from '../config/types.js';
import type { Problem } from '../backends/types.js';

export type BackendChoice = { backend: string; note?: string } | { problem: Problem };

/**
 * Which backend serves a server: the one pinned in status at the first reconcile (never changes,
 * even if the config's default does), else the user's choice when `allowed_backends` permits it,
 * else the default. With an empty `allowed_backends` the default is always used, as in the reference.
 */
export function chooseBackend(server: PostgreSQLServer, config: OperatorConfig): BackendChoice {
  const pinned = server.status?.backend;
  if (pinned) return { backend: pinned };
  const requested = server.spec.backend?.trim();
  const allowed = config.allowed_backends;
  if (!requested || requested === config.backend) return { backend: config.backend };
  if (allowed.length === 0) {
    return { backend: config.backend, note: `spec.backend "${requested}" ignored: the operator only offers its default backend "${config.backend}"` };
  }
  if (!allowed.includes(requested)) {
    return {
      problem: {
        reason: Reason.BackendNotAllowed,
        field: 'spec.backend',
        message: `backend "${requested}" is not allowed; choose one of: ${allowed.join(', ')}`,
      },
    };
  }
  return { backend: requested };
}
