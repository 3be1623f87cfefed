import { fail, int, str } from '../checks.js';
import { FLAG, templateVariables, TEXT } from '../common-formats.js';
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

/** S3 bucket names: 3 to 63 lowercase letters, digits, dots and hyphens (AWS's rules; MinIO's are the same), or "" for the volume claim. */
const BUCKET = defineFormat({
  name: 's3-bucket',
  kind: 'string',
  check: str({ pattern: /^(|[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])$/, hint: 'an S3 bucket name (3 to 63 lowercase letters, digits, dots, hyphens), or "" to keep backups in a volume claim' }),
});
const S3_ENDPOINT = defineFormat({
  name: 's3-endpoint',
  kind: 'string',
  check: str({ pattern: /^(|https?:\/\/[^\s/]+(\/\S*)?)$/, hint: 'an https:// (or, explicitly, http://) URL like https://minio.storage.svc:9000, or "" for AWS' }),
});
/** The key prefix of a server's backups: must tell servers apart, or one server's retention would delete another's backups. */
const S3_PREFIX = defineFormat({
  name: 's3-key-prefix',
  kind: 'string',
  check: (v) => {
    const issues = templateVariables(['namespace', 'name'])(v);
    if (issues.length) return issues;
    const text = String(v);
    if (!text.includes('{namespace}') || !text.includes('{name}')) return fail('must contain {namespace} and {name}: servers sharing a prefix would prune each other\'s backups', v);
    // Both names may hold "-" (and a server's "."): "{namespace}-{name}" renders team-a + db and
    // team + a-db alike. A "/" between them, which neither name can hold, keeps them apart.
    if (text.split('/').some((part) => part.includes('{namespace}') && part.includes('{name}'))) return fail('must separate {namespace} and {name} by a "/" (e.g. {namespace}/{name}/): names may hold "-" and ".", so namespace team-a with server db and namespace team with server a-db would share a prefix', v);
    if (!text.endsWith('/')) return fail('must end with "/" (backups are stored as <prefix><backup name>/…)', v);
    return [];
  },
});
/** A Secret name (a DNS subdomain), or "". */
const SECRET_NAME = defineFormat({
  name: 'secret-name',
  kind: 'string',
  check: str({ pattern: /^(|[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?)$/, hint: 'the name of a Secret in the server\'s namespace' }),
});

/** `backup.s3`: backups to an S3-compatible bucket instead of a volume claim (ADR 0023). */
const s3Options = {
  bucket: { doc: 'S3 bucket the backups go to; "" = a volume claim per server (helmbitnami: the chart\'s backup.cronjob and its claim; with a bucket the chart\'s backup is turned off and the operator runs its own CronJob).', format: BUCKET, default: '' },
  endpoint: { doc: 'URL of an S3-compatible service (MinIO, Ceph, …); "" = AWS S3. https unless the URL says http:// explicitly.', format: S3_ENDPOINT, default: '' },
  region: { doc: 'Region of the bucket (AWS), or what the S3-compatible service expects in its signatures.', format: TEXT, default: 'us-east-1' },
  prefix: { doc: 'Key prefix of a server\'s backups, with {namespace} and {name} replaced (both required, a "/" between them, ending in "/"); each backup is stored under <prefix><backup name>/.', format: S3_PREFIX, default: '{namespace}/{name}/' },
  force_path_style: { doc: 'Address the bucket as <endpoint>/<bucket> instead of <bucket>.<endpoint> (most S3-compatible services need this).', format: FLAG, default: false },
  credentials_secret: {
    doc: 'Name of a Secret IN EACH SERVER\'S NAMESPACE with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY for the bucket (each team its own; the operator never copies it). Required with a bucket.',
    format: SECRET_NAME,
    default: '',
  },
  uploader_image: { doc: 'Image that uploads and downloads backups (it runs this operator\'s backup-s3 command); "" = the operator\'s own image (OPERATOR_IMAGE, which the chart sets).', format: TEXT, default: '' },
} satisfies Fragment;

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
  storage_gb: { doc: 'Size of each server\'s backup volume claim in GiB (with backup.s3.bucket: the most the scratch emptyDir of a backup or restore may take); null = twice the server\'s spec.size.storageGB.', format: STORAGE_GB, default: null, nullable: true },
  storage_class: { doc: 'Storage class of the backup volume claims; "" = the backend\'s storage_class (and when that is "" too, the cluster default).', format: TEXT, default: '' },
  s3: s3Options,
} satisfies Fragment;

export interface BackupSection {
  enabled: boolean;
  schedule: string;
  retention_days: number;
  storage_gb: number | null;
  storage_class: string;
  /** Absent (tests build sections by hand) or an empty bucket: the volume claim. */
  s3?: S3Section;
}

export interface S3Section {
  bucket: string;
  endpoint: string;
  region: string;
  prefix: string;
  force_path_style: boolean;
  credentials_secret: string;
  uploader_image: string;
}
