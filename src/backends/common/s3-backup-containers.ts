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

function container(name: string, target: S3Target, action: 'upload' | 'download', env: k8s.V1EnvVar[], mounts: k8s.V1VolumeMount[]): k8s.V1Container {
  return {
    name,
    image: target.image,
    // The image's working directory holds dist/ (as the operator's Deployment runs it).
    command: ['node', 'dist/src/main.js', 'backup-s3', action],
    env,
    // The report (upload) or the log's tail (a failure) becomes the termination message.
    terminationMessagePolicy: 'FallbackToLogsOnError',
    resources: { requests: { cpu: '50m', memory: '96Mi' }, limits: { memory: '512Mi' } },
    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
    volumeMounts: mounts,
  };
}

/** Uploads the backup the dump container wrote into `dir` (a shared emptyDir), then prunes the bucket. */
export function uploaderContainer(target: S3Target, prefix: string, dir: { volume: string; path: string }, retentionDays: number): k8s.V1Container {
  const env = [...s3Env(target, prefix, dir.path), { name: 'RETENTION_DAYS', value: String(retentionDays) }];
  return container('s3-upload', target, 'upload', env, [{ name: dir.volume, mountPath: dir.path, readOnly: true }]);
}

/** Downloads `backup` from the source server's prefix into `dir` for the restore container. */
export function downloaderContainer(target: S3Target, prefix: string, dir: { volume: string; path: string }, backup: string): k8s.V1Container {
  const env = [...s3Env(target, prefix, dir.path), { name: 'BACKUP_NAME', value: backup }];
  return container('s3-download', target, 'download', env, [{ name: dir.volume, mountPath: dir.path }]);
}
