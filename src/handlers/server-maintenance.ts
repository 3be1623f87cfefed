import type { MaintenanceStatus, PostgreSQLServer, ServerStatus } from '../api/types.js';
import type { ServerObservation } from '../backends/types.js';
import type { HandlerDeps } from './deps.js';

/**
 * The server handler's part in changes held for the maintenance window (ADR 0021): the backend
 * says what waits (`ServerObservation.maintenance`); this file writes it to `status.maintenance`,
 * names it in the Ready message, and records one Normal event when something starts waiting.
 */

/** `status.maintenance`: what waits, or gone when nothing does. */
export function maintenanceStatusFields(observed: ServerObservation): Partial<ServerStatus> {
  return { maintenance: observed.maintenance };
}

/** What the Ready message says while changes wait. */
export function maintenanceNote(observed: ServerObservation): string | undefined {
  const held = observed.maintenance;
  if (!held) return undefined;
  return `${held.pending.join('; ')}: waits for the maintenance window (${held.window}, next ${held.scheduledFor}) or the label operator/action=restart`;
}

/**
 * One Normal event when a change starts waiting (not on every look): compared with what status
 * said before this reconcile wrote it.
 */
export async function reportMaintenancePending(deps: HandlerDeps, server: PostgreSQLServer, before: MaintenanceStatus | undefined, observed: ServerObservation): Promise<void> {
  const held = observed.maintenance;
  const fresh = held?.pending.filter((p) => !before?.pending.includes(p)) ?? [];
  if (!held || fresh.length === 0) return;
  await deps.events.record(server, 'Normal', 'MaintenanceScheduled', `${fresh.join('; ')}: scheduled for the maintenance window (${held.window}) at ${held.scheduledFor}; the label operator/action=restart does it now`);
}
