import { int, str } from '../checks.js';
import { FLAG, TEXT } from '../common-formats.js';
import { defineFormat } from '../formats.js';
import type { Fragment } from '../fragment.js';

/**
 * `backends.<statefulset|helmbitnami>.backup`: the scheduled logical backup of the in-cluster
 * backends (ADR 0020). Shared by both sections so they keep the same keys and defaults.
 */

/** Five cron fields (minute hour day-of-month month day-of-week), as a CronJob's `schedule` takes them. */
const CRON_FIELD = String.raw`[0-9*/,\-A-Za-z]+`;
const SCHEDULE = defineFormat({
  name: 'cron-schedule',
  kind: 'string',
  check: str({ pattern: new RegExp(`^(|${CRON_FIELD}( ${CRON_FIELD}){4})$`), hint: 'five cron fields like "0 2 * * *", or "" for the default' }),
});
const RETENTION = defineFormat({ name: 'backup-retention-days', kind: 'number', check: int(1, 35) });
const STORAGE_GB = defineFormat({ name: 'backup-storage-gb', kind: 'number', check: int(1) });

export const backupOptions = {
  enabled: {
    doc: 'Run a scheduled logical backup (pg_dump of every database, into a volume claim of its own) for each server whose spec.backup.retentionDays is not 0.',
    format: FLAG,
    default: true,
  },
  schedule: {
    doc: 'When backups run, as five cron fields in UTC; "" = daily at the start of the server\'s spec.maintenance.window, else 02:00 UTC.',
    format: SCHEDULE,
    default: '',
  },
  retention_days: { doc: 'Days backups are kept when a server\'s spec.backup.retentionDays is unset (1 to 35).', format: RETENTION, default: 7 },
  storage_gb: { doc: 'Size of each server\'s backup volume claim in GiB; null = twice the server\'s spec.size.storageGB.', format: STORAGE_GB, default: null, nullable: true },
  storage_class: { doc: 'Storage class of the backup volume claims; "" = the backend\'s storage_class (and when that is "" too, the cluster default).', format: TEXT, default: '' },
} satisfies Fragment;

export interface BackupSection {
  enabled: boolean;
  schedule: string;
  retention_days: number;
  storage_gb: number | null;
  storage_class: string;
}
