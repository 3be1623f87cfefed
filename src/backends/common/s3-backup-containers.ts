import type * as k8s from '@kubernetes/client-node';
import type { S3Section } from '../../config/sections/backup.js';
import { renderPattern } from './naming.js';

/**
 * The containers that move in-cluster backups to and from an S3-compatible bucket (ADR 0023).
 * They run the operator's own image (or `backup.s3.uploader_image`) with its `backup-s3`
 * command: the PostgreSQL images have no S3 client. The credentials come from the Secret
 * `backup.s3.credentials_secret` in the server's own namespace (secretKeyRef: never in a
 * manifest, never copied between namespaces).
 */
export interface S3Target {
  bucket: string;
  endpoint: string;
  region: string;
  /** The prefix pattern, `{namespace}` and `{name}` not yet replaced. */
  prefix: string;
  forcePathStyle: boolean;
  credentialsSecret: string;
  image: string;
}

export const ACCESS_KEY_ID = 'AWS_ACCESS_KEY_ID';
export const SECRET_ACCESS_KEY = 'AWS_SECRET_ACCESS_KEY';

/**
 * The bucket the backups of this backend go to, or undefined for the volume claim. Throws when
 * no image can run the uploader (the chart passes its own image as OPERATOR_IMAGE; start-up
 * refuses the config otherwise, see startup/backup-uploader.ts).
 */
export function s3Target(section: S3Section | undefined, operatorImage: string | undefined): S3Target | undefined {
  if (!section?.bucket) return undefined;
  const image = section.uploader_image || operatorImage || '';
  if (!image) throw new Error('backup.s3.bucket is set but backup.s3.uploader_image is empty and OPERATOR_IMAGE is not set: no image to upload backups with');
  return {
    bucket: section.bucket,
    endpoint: section.endpoint,
    region: section.region,
    prefix: section.prefix,
    forcePathStyle: section.force_path_style,
    credentialsSecret: section.credentials_secret,
    image,
  };
}

/** The prefix of one server's backups. */
export const serverPrefix = (target: S3Target, namespace: string, server: string): string => renderPattern(target.prefix, { namespace, name: server });

function s3Env(target: S3Target, prefix: string, dir: string): k8s.V1EnvVar[] {
  const secret = (key: string): k8s.V1EnvVar => ({ name: key, valueFrom: { secretKeyRef: { name: target.credentialsSecret, key } } });
  return [
    { name: 'S3_BUCKET', value: target.bucket },
    { name: 'S3_ENDPOINT', value: target.endpoint },
    { name: 'S3_REGION', value: target.region },
    { name: 'S3_PREFIX', value: prefix },
    { name: 'S3_FORCE_PATH_STYLE', value: String(target.forcePathStyle) },
    secret(ACCESS_KEY_ID),
    secret(SECRET_ACCESS_KEY),
    { name: 'BACKUP_DIR', value: dir },
  ];
}

/** What a download needs: it streams each object to disk. */
const DOWNLOAD_MEMORY_MI = 512;

/**
 * The memory limit of an upload whose largest file may be `maxFileGB`. lib-storage splits a file
 * into at most 10,000 parts, so a part is at least 1/10,000 of it (5 MiB at the least), and holds
 * about four parts at once (two in flight, one being filled, one being joined): measured, the
 * process peaks at about 100 MiB + 4 × the part size (500 MiB with 100 MiB parts, a 1 TB dump).
 * A fixed 512 MiB would have the kubelet kill every upload of a dump above about 1 TB.
 */
export function uploadMemoryMi(maxFileGB: number): number {
  const partMi = Math.max(5, Math.ceil((maxFileGB * 1024) / 10_000));
  return Math.max(512, 128 + 5 * partMi);
}

function container(name: string, target: S3Target, action: 'upload' | 'download', run: { env: k8s.V1EnvVar[]; mounts: k8s.V1VolumeMount[]; memoryMi: number }): k8s.V1Container {
  return {
    name,
    image: target.image,
    // The image's working directory holds dist/ (as the operator's Deployment runs it).
    command: ['node', 'dist/src/main.js', 'backup-s3', action],
    env: run.env,
    // The report (upload) or the log's tail (a failure) becomes the termination message.
    terminationMessagePolicy: 'FallbackToLogsOnError',
    resources: { requests: { cpu: '50m', memory: '96Mi' }, limits: { memory: `${run.memoryMi}Mi` } },
    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
    volumeMounts: run.mounts,
  };
}

/**
 * Uploads the backup the dump container wrote into `dir` (a shared emptyDir of at most
 * `dir.sizeGB`, so no file is larger), then prunes the bucket.
 */
export function uploaderContainer(target: S3Target, prefix: string, dir: { volume: string; path: string; sizeGB: number }, retentionDays: number): k8s.V1Container {
  const env = [...s3Env(target, prefix, dir.path), { name: 'RETENTION_DAYS', value: String(retentionDays) }];
  return container('s3-upload', target, 'upload', { env, mounts: [{ name: dir.volume, mountPath: dir.path, readOnly: true }], memoryMi: uploadMemoryMi(dir.sizeGB) });
}

/** Downloads `backup` from the source server's prefix into `dir` for the restore container. */
export function downloaderContainer(target: S3Target, prefix: string, dir: { volume: string; path: string }, backup: string): k8s.V1Container {
  const env = [...s3Env(target, prefix, dir.path), { name: 'BACKUP_NAME', value: backup }];
  return container('s3-download', target, 'download', { env, mounts: [{ name: dir.volume, mountPath: dir.path }], memoryMi: DOWNLOAD_MEMORY_MI });
}
