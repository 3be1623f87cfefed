import { LABEL_SERVER } from '../../api/constants.js';
import { TemporaryError } from '../errors.js';
import type { ActionResult } from '../types.js';
import type { HelmCli, HelmRevision } from './helm-cli.js';
import { valueAt, type HelmValues } from './values.js';

/** Statuses a helm call leaves while it runs; after it was killed, they stay for good. */
export const REPAIRABLE_STATUSES: ReadonlySet<string> = new Set(['pending-install', 'pending-upgrade', 'pending-rollback']);

/** Revisions a rollback may return to: the last one that was deployed. */
const DEPLOYED = new Set(['deployed', 'superseded']);

export interface Interrupted {
  release: string;
  namespace: string;
  head: HelmRevision;
  /** The PostgreSQLServer's name, as the release's values carry it in `commonLabels` (see `ownedBy`). */
  server: string;
}

/**
 * Whether a pending revision can no longer have a helm process behind it. Every helm call of this
 * operator is killed after `helm_timeout_seconds` (and force-killed 5 s later); a call of an
 * operator process that was killed dies with its container. So a revision pending for longer than
 * the timeout plus a margin (clock skew between the API server and us, a slow start) was
 * interrupted, not in progress. Helm writes `updated` when the operation starts.
 */
export function isInterrupted(head: HelmRevision, now: number, stuckAfterMs: number): boolean {
  const since = Date.parse(head.updated);
  return REPAIRABLE_STATUSES.has(head.status) && Number.isFinite(since) && now - since > stuckAfterMs;
}

/** The release was made by this operator for this server: its values carry our server label. */
export function ownedBy(values: HelmValues, server: string): boolean {
  const labels = valueAt(values, 'commonLabels');
  return typeof labels === 'object' && labels !== null && (labels as Record<string, unknown>)[LABEL_SERVER] === server;
}

/**
 * Repairs a release an interrupted helm call left pending, without a person:
 * - a first install that never finished (`pending-install`, or no revision was ever deployed) is
 *   uninstalled; the volume claims stay (helm does not delete claims made from the StatefulSet's
 *   templates), and the next reconcile installs it again on the same data;
 * - a stuck upgrade or rollback is rolled back to the last deployed revision; the next reconcile
 *   finds the values differ and retries the upgrade.
 * Only releases this operator made for this server are touched (`ownedBy`); another is reported
 * for a person to finish, as before.
 */
export async function repairInterrupted(helm: HelmCli, target: Interrupted): Promise<ActionResult> {
  const { release, namespace, head } = target;
  if (!ownedBy(await helm.getValues(release, namespace), target.server)) {
    throw new TemporaryError(
      `Helm release ${release} has been ${head.status} since ${head.updated} and was not installed by this operator for this server; ` +
        `finish it by hand (helm rollback ${release}, or helm uninstall ${release} if it never installed), then the operator continues`,
    );
  }
  const lastDeployed = head.status === 'pending-install' ? undefined : await lastDeployedRevision(helm, release, namespace, head.revision);
  if (lastDeployed === undefined) {
    await helm.uninstall(release, namespace);
    const message = `Helm release ${release} was left ${head.status} (revision ${head.revision}, since ${head.updated}) by an interrupted helm call and never deployed: uninstalled it to install it again; its volume claims are kept`;
    return { message, retryAfterSeconds: 1, notice: { reason: 'HelmReleaseRepaired', message } };
  }
  await helm.rollback(release, namespace, lastDeployed);
  const message = `Helm release ${release} was left ${head.status} (revision ${head.revision}, since ${head.updated}) by an interrupted helm call: rolled it back to revision ${lastDeployed}; the change is applied again`;
  return { message, retryAfterSeconds: 1, notice: { reason: 'HelmReleaseRepaired', message } };
}

async function lastDeployedRevision(helm: HelmCli, release: string, namespace: string, below: number): Promise<number | undefined> {
  const revisions = await helm.history(release, namespace);
  return revisions.filter((r) => r.revision < below && DEPLOYED.has(r.status)).map((r) => r.revision).sort((a, b) => b - a)[0];
}
