import type { BackupPlan } from '../common/backup-plan.js';
import { backupScript } from '../common/backup-script.js';
import { verifiedTls } from '../common/restore-job.js';
import type { HelmValues } from './values.js';

/**
 * The chart's `backup.cronjob` values for a server's backup plan (ADR 0020): the chart renders
 * the CronJob `<release>-pgdumpall` and its claim; the command is the operator's shared backup
 * script (the same layout and report as the statefulset backend, so status and restore read it
 * the same way) instead of the chart's single pg_dumpall file. No plan, or backups to a bucket
 * (ADR 0023: the operator's own CronJob then, bucket-backups.ts): the chart's backup off (its
 * claim and backups are kept: `resourcePolicy: keep`).
 *
 * With TLS on, the backup verifies the server (`verify-full`) like the statefulset backend's and
 * every restore Job: the `ca.crt` key of the server's certificate Secret is mounted at `/tls`
 * through the chart's `extraVolumes`/`extraVolumeMounts`, and the command sets `PGSSLROOTCERT` and
 * `PGSSLMODE` itself. It cannot rely on the chart's own TLS wiring: with `tls.enabled` the chart
 * mounts the whole Secret at `/tmp/certs` (no value turns that off) and sets
 * `PGSSLROOTCERT=/tmp/certs/<tls.certCAFilename>`, which the operator leaves empty on purpose
 * (values.ts), so it names the directory, libpq cannot load it as a CA file and `sslmode=prefer`
 * quietly falls back (to plain TCP, which pg_hba refuses with require_tls).
 */
export interface BackupValuesInput {
  plan?: BackupPlan;
  storageGB: number;
  /** Empty: the cluster's default storage class. */
  storageClass: string;
  /** The server's certificate Secret when it serves TLS: the backup then verifies the server. */
  tlsSecret?: string;
}

export function buildBackupValues(input: BackupValuesInput): HelmValues {
  if (!input.plan) return { backup: { enabled: false } };
  const tls = verifiedTls(input.tlsSecret);
  // Set in the command, after the chart's env (whose PGSSLROOTCERT they replace).
  const exports = tls.env.map((e) => `export ${e.name}='${e.value ?? ''}'\n`).join('');
  return {
    backup: {
      enabled: true,
      cronjob: {
        schedule: input.plan.schedule,
        timeZone: 'Etc/UTC',
        // A backup still running when the next is due: skip the next, never two dumps at once.
        concurrencyPolicy: 'Forbid',
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
        command: ['/bin/sh', '-c', `${exports}${backupScript(input.plan.retentionDays)}`],
        ...(tls.volumes.length ? { extraVolumes: tls.volumes, extraVolumeMounts: tls.mounts } : {}),
        storage: {
          enabled: true,
          size: `${input.storageGB}Gi`,
          ...(input.storageClass ? { storageClass: input.storageClass } : {}),
          // Backups outlive the release (a deleted server is what they are for); pvc_cleanup deletes them.
          resourcePolicy: 'keep',
        },
      },
    },
  };
}

/** `<release>-pgdumpall`: the chart's backup CronJob and claim. */
export const chartBackupName = (release: string): string => `${release}-pgdumpall`;

/** `backup.cronjob` came with chart 12; a release pinned to an older chart (11.9.13, ADR 0012) gets no backups. */
export function chartHasBackups(chartVersion: string | undefined): boolean {
  const major = chartVersion ? Number(/^(\d+)\./.exec(chartVersion)?.[1]) : Number.NaN;
  return !(major < 12);
}
