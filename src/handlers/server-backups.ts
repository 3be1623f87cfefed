import { Reason } from '../api/conditions.js';
import type { PostgreSQLServer, RestoreSource, ServerStatus } from '../api/types.js';
import type { ServerBackend, ServerObservation } from '../backends/types.js';
import type { HandlerDeps } from './deps.js';
import { failWith } from './reporting.js';

/**
 * The server handler's part in backups and restores (ADR 0020): checking `spec.restoreFrom`
 * against the source server, and reporting what the backend observed of the backups in status,
 * events and metrics. The backends do the work; this file only reads CRs and reports.
 */

/** The restore the backend should look for, and what is wrong with its source now, if anything. */
export interface CheckedRestore {
  source: RestoreSource;
  /**
   * The source server is gone, on another backend or no longer lists the backup. Terminal only
   * while the restore is still to be done: a server restored already (its Job or the marker in its
   * data says so, `ServerObservation.restoredFrom`) needs its source no more — it may have been
   * deleted or pruned since, and `status.restoredFrom` lost.
   */
  sourceProblem?: string;
}

/**
 * The restore the backend should look for or carry out: the source PostgreSQLServer exists in
 * the same namespace, runs on the same backend (the backup volume's layout is the backend's) and
 * lists the backup in `status.backup.backups`. Nothing to do once `status.restoredFrom` is set.
 * A backend that cannot restore, or a server named as its own source, is terminal at once; a
 * source that does not (or no longer) fit is reported with the restore, for the handler to refuse
 * after the backend's observation (`refusedRestore`).
 */
export async function checkedRestoreSource(deps: HandlerDeps, server: PostgreSQLServer, restorer: ServerBackend): Promise<CheckedRestore | undefined> {
  const wanted = server.spec.restoreFrom;
  if (!wanted || server.status?.restoredFrom) return undefined;
  if (!restorer.supportsRestore) return failWith(deps, server, Reason.InvalidSpec, `spec.restoreFrom: backend ${restorer.name} cannot restore a backup (the statefulset backend can)`);
  if (wanted.server === server.metadata.name) return failWith(deps, server, Reason.InvalidSpec, 'spec.restoreFrom: a server cannot be restored from its own backups');
  const source = await deps.servers.get(server.metadata.namespace, wanted.server);
  const sourceProblem = restoreProblem(server, restorer, source);
  return { source: { server: wanted.server, backup: wanted.backup }, ...(sourceProblem ? { sourceProblem } : {}) };
}

/**
 * A restore whose source does not fit, unless the backend found it done: refused (InvalidSpec)
 * before anything is created or a restore Job started.
 */
export async function refusedRestore(deps: HandlerDeps, server: PostgreSQLServer, restore: CheckedRestore | undefined, observed: ServerObservation): Promise<void> {
  if (restore?.sourceProblem && !observed.restoredFrom) await failWith(deps, server, Reason.InvalidSpec, `spec.restoreFrom: ${restore.sourceProblem}`);
}

/** What is wrong with the restore source, if anything. */
function restoreProblem(server: PostgreSQLServer, restorer: ServerBackend, source: PostgreSQLServer | undefined): string | undefined {
  const wanted = server.spec.restoreFrom!;
  const backend = restorer.name;
  if (!source) return `PostgreSQLServer ${wanted.server} not found in namespace ${server.metadata.namespace}`;
  if (source.status?.backend !== backend) return `PostgreSQLServer ${wanted.server} runs on backend ${source.status?.backend ?? '(none yet)'}; a restore needs a backup of the same backend (${backend})`;
  const listed = source.status?.backup?.backups ?? [];
  if (!listed.includes(wanted.backup)) return `backup ${wanted.backup} is not listed by PostgreSQLServer ${wanted.server}; available: ${listed.length ? listed.join(', ') : 'none yet'}`;
  return undefined;
}

/** Status fields for the backups and a finished restore. */
export function backupStatusFields(server: PostgreSQLServer, observed: ServerObservation): Partial<ServerStatus> {
  const restoredFrom = observed.restoredFrom ?? server.status?.restoredFrom;
  // No backups observed (turned off, or a cloud backend): status.backup goes rather than going stale.
  return { backup: observed.backup, ...(restoredFrom ? { restoredFrom } : {}) };
}

/** The warning the Ready condition carries while the newest backup failed. */
export function backupWarning(observed: ServerObservation): string | undefined {
  const failure = observed.backup?.lastFailure;
  return failure ? `the last backup failed (Job ${failure.job}): ${failure.message}` : undefined;
}

/** A backup job that failed since the last look: one Warning event and the failure metric. */
export async function reportBackupFailure(deps: HandlerDeps, server: PostgreSQLServer, observed: ServerObservation): Promise<void> {
  const failure = observed.backup?.lastFailure;
  if (!failure || failure.job === server.status?.backup?.lastFailure?.job) return;
  await deps.events.record(server, 'Warning', 'BackupFailed', `backup Job ${failure.job} failed: ${failure.message}`);
  deps.onBackupFailed?.(server.metadata.namespace, server.metadata.name);
}
