import { S3Client } from '@aws-sdk/client-s3';

/**
 * Where the backups of one server are: what the backup and restore Jobs pass to `backup-s3` in
 * their environment (ADR 0023).
 */
export interface BucketSettings {
  bucket: string;
  /** "" = AWS S3. */
  endpoint: string;
  region: string;
  /** The server's rendered prefix, ending in "/". */
  prefix: string;
  forcePathStyle: boolean;
}

/** The settings from the Jobs' environment (`S3_*`); throws naming what is missing. */
export function settingsFromEnv(env: NodeJS.ProcessEnv): BucketSettings {
  const need = (name: string): string => {
    const value = env[name];
    if (!value) throw new Error(`${name} is not set`);
    return value;
  };
  return {
    bucket: need('S3_BUCKET'),
    endpoint: env.S3_ENDPOINT ?? '',
    region: env.S3_REGION || 'us-east-1',
    prefix: need('S3_PREFIX'),
    forcePathStyle: env.S3_FORCE_PATH_STYLE === 'true',
  };
}

/** The team's keys, which the Jobs take from the Secret in the server's namespace. */
export interface BucketCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/**
 * The keys from `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` only: not the SDK's whole
 * provider chain, which could reach for the node's instance role, an identity the team never gave.
 */
export function credentialsFromEnv(env: NodeJS.ProcessEnv): BucketCredentials {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) throw new Error('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set (from backup.s3.credentials_secret)');
  return { accessKeyId, secretAccessKey };
}

/**
 * How long a connection may take to open, and a request's socket may stay silent, before the
 * attempt fails (and is retried). The SDK's default is to wait forever: an endpoint that stops
 * answering would hang the backup Job for good, and with `concurrencyPolicy: Forbid` every later
 * backup would be skipped without a failure ever being reported. Idle, not total: a large part
 * still uploading keeps its socket busy.
 */
export interface BucketTimeouts {
  connectMs: number;
  idleMs: number;
}
export const BUCKET_TIMEOUTS: BucketTimeouts = { connectMs: 30_000, idleMs: 120_000 };

/**
 * The S3 client. TLS unless the endpoint says `http://` explicitly (the config refuses any
 * other scheme). Checksums only where S3 requires them: several S3-compatible services reject
 * the SDK's newer default CRC headers.
 */
export function bucketClient(settings: BucketSettings, credentials: BucketCredentials, timeouts: BucketTimeouts = BUCKET_TIMEOUTS): S3Client {
  if (settings.endpoint && !/^https?:\/\//.test(settings.endpoint)) throw new Error(`S3 endpoint ${settings.endpoint} must start with https:// (or, explicitly, http://)`);
  return new S3Client({
    region: settings.region,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    forcePathStyle: settings.forcePathStyle,
    credentials,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 5,
    requestHandler: { connectionTimeout: timeouts.connectMs, socketTimeout: timeouts.idleMs },
  });
}
