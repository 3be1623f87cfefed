import { BACKUP_NAME } from '../backends/common/backup-script.js';

/**
 * How backups lie in a bucket (ADR 0023), the same layout as in a volume claim: one "directory"
 * per backup, `<prefix><backup name>/`, holding `globals.sql` and one `<oid>.dump` per database,
 * and — written last — `backup.json`, the manifest. A backup without its manifest is incomplete
 * (an upload that died half-way, or one still under way), as a `.partial-` directory is in a
 * claim: never listed, never restored, deleted by the first run a day after it started.
 */

export const MANIFEST = 'backup.json';

/** The manifest: what a complete backup holds, so a download can check it got everything. */
export interface BackupManifest {
  backup: string;
  files: Array<{ name: string; sizeBytes: number }>;
  sizeBytes: number;
}

/** The only file names a backup holds: anything else in a manifest is refused (no `../` into the restore's disk). */
export const BACKUP_FILE = /^(globals\.sql|\d+\.dump)$/;

export const backupKey = (prefix: string, backup: string, file: string): string => `${prefix}${backup}/${file}`;

/** The objects under a prefix, grouped by backup: which are complete, and every key of each. */
export interface BucketBackups {
  /** Backup name → its object keys (manifest included). */
  keys: Map<string, string[]>;
  /** Names of the backups whose manifest is there. */
  complete: Set<string>;
}

export function groupBackups(prefix: string, keys: readonly string[]): BucketBackups {
  const out: BucketBackups = { keys: new Map(), complete: new Set() };
  for (const key of keys) {
    if (!key.startsWith(prefix)) continue;
    const [name, ...rest] = key.slice(prefix.length).split('/');
    // Only what this layout writes: other objects under the prefix are not ours to delete.
    if (!name || !BACKUP_NAME.test(name) || rest.length !== 1) continue;
    out.keys.set(name, [...(out.keys.get(name) ?? []), key]);
    if (rest[0] === MANIFEST) out.complete.add(name);
  }
  return out;
}

/** The UTC start time a backup is named by. */
export function backupTime(name: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(name);
  if (!m) throw new Error(`not a backup name: ${name}`);
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
}

/**
 * How old an incomplete backup must be before retention deletes it. Younger, it may be the upload
 * of another run still under way (a Job created by hand from the CronJob, a pod on a partitioned
 * node the Job controller has replaced): deleting its first files would let that run write its
 * manifest over a backup with files missing, a "complete" backup that cannot be restored.
 */
export const INCOMPLETE_GRACE_MS = 24 * 60 * 60 * 1000;

/**
 * What retention deletes after the backup `current` was stored: complete backups older than
 * `retentionDays` days and incomplete ones older than INCOMPLETE_GRACE_MS, never `current` (so a
 * server whose backups stopped for a while keeps its newest); and what stays (complete), newest first.
 */
export function retention(bucket: BucketBackups, current: string, retentionDays: number, now: Date): { expired: string[]; kept: string[] } {
  const cutoff = now.getTime() - retentionDays * 24 * 60 * 60 * 1000;
  const expired: string[] = [];
  const kept: string[] = [];
  for (const name of bucket.keys.keys()) {
    if (name === current) continue;
    const started = backupTime(name).getTime();
    if (!bucket.complete.has(name)) {
      if (started < now.getTime() - INCOMPLETE_GRACE_MS) expired.push(name);
    } else if (started < cutoff) expired.push(name);
    else kept.push(name);
  }
  if (bucket.complete.has(current)) kept.push(current);
  return { expired: expired.sort(), kept: kept.sort().reverse() };
}
