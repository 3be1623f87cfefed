import { LABEL_COMPONENT, LABEL_INSTANCE } from '../../api/constants.js';
import type { RestoreSource } from '../../api/types.js';
import { buildRestoreJob, type RestoreJobSpec } from '../common/restore-job.js';
import { recordedTls } from '../common/tls/server-tls.js';
import type { ServerContext } from '../types.js';
import { CHART_SUPERUSER } from './admin-sql.js';
import { chartBackupName } from './backup-values.js';
import { releaseName } from './release-name.js';
import { certificateSecretName } from './tls.js';
import { valueAt, type HelmValues } from './values.js';

/** What `observe` adds to its differences while a restore is still to be started. */
export const RESTORE_DIFFERENCE = 'restore';

/** `<release>-restore`: the one-shot restore Job of a new server (ADR 0020). */
export const restoreJobName = (release: string): string => `${release}-restore`;

/** The image the release runs, as the chart composes it (global registry ▸ image registry, repository, tag). */
export function releaseImage(values: HelmValues): string {
  const registry = String(valueAt(values, 'global.imageRegistry') || valueAt(values, 'image.registry') || 'docker.io');
  const repository = String(valueAt(values, 'image.repository') || 'bitnami/postgresql');
  const digest = valueAt(values, 'image.digest');
  return digest ? `${registry}/${repository}@${String(digest)}` : `${registry}/${repository}:${String(valueAt(values, 'image.tag'))}`;
}

/**
 * The restore Job of a release: the source release's backup claim (the chart's `-pgdumpall`), or
 * with backups in a bucket (ADR 0023) a download of the source's prefix first; the release's own
 * image as Bitnami's user 1001, the chart's superuser with the operator's Secret.
 */
export function buildReleaseRestoreJob(ctx: ServerContext, source: RestoreSource, values: HelmValues, port: number, fromBucket?: RestoreJobSpec['s3']) {
  const release = releaseName(ctx.namespace, ctx.name);
  const labels: Record<string, string> = { ...ctx.labels, [LABEL_COMPONENT]: 'restore' };
  // Not the release's instance label: its Services select on it.
  delete labels[LABEL_INSTANCE];
  return buildRestoreJob({
    name: restoreJobName(release),
    namespace: ctx.namespace,
    labels,
    owner: ctx.owner,
    image: releaseImage(values),
    host: `${release}.${ctx.namespace}.svc`,
    port,
    user: CHART_SUPERUSER,
    adminSecret: ctx.adminSecret,
    claim: chartBackupName(releaseName(ctx.namespace, source.server)),
    ...(fromBucket ? { s3: fromBucket } : {}),
    source,
    runAsUser: 1001,
    // The host above is one of the names in the release's certificate (tls.ts).
    ...(recordedTls(ctx.state)?.enabled ? { tlsSecret: certificateSecretName(release) } : {}),
  });
}
