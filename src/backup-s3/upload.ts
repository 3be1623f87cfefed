import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AbortMultipartUploadCommand, DeleteObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { BACKUP_NAME, LISTED_BACKUPS, type BackupReport } from '../backends/common/backup-script.js';
import type { BucketSettings } from './client.js';
import { BACKUP_FILE, backupKey, groupBackups, MANIFEST, retention, type BackupManifest } from './layout.js';

/**
 * `backup-s3 upload` (ADR 0023): stores the backup the dump container just wrote into the shared
 * directory, then applies retention in the bucket and returns the same report the volume-claim
 * backup writes, so `status.backup` and restores read both alike.
 */
export interface UploadOptions {
  /** The directory the backup script wrote (`BACKUP_DIR`): one backup directory in it. */
  dir: string;
  retentionDays: number;
  now?: Date;
  /** Aborted when the pod is stopped (SIGTERM): the upload in progress is aborted in the bucket. */
  signal?: AbortSignal;
}

export async function uploadBackup(client: S3Client, settings: BucketSettings, opts: UploadOptions): Promise<BackupReport> {
  const backup = await newestBackup(opts.dir);
  const files = await backupFiles(join(opts.dir, backup));
  for (const file of files) {
    // lib-storage: one PutObject for a small file, a multipart upload above 5 MiB (S3 takes at most
    // 5 GiB in one PUT), parts sized from the file's length (at most 10,000), a failed one aborted.
    // Two parts in flight: the process peaks at about 100 MiB + 4 × the part size (5 MiB, or 1/10,000
    // of a dump above 50 GiB); the container's memory limit follows (s3-backup-containers.ts).
    opts.signal?.throwIfAborted();
    await uploadFile(client, { Bucket: settings.bucket, Key: backupKey(settings.prefix, backup, file.name) }, join(opts.dir, backup, file.name), opts.signal);
  }
  const manifest: BackupManifest = { backup, files, sizeBytes: files.reduce((sum, f) => sum + f.sizeBytes, 0) };
  // The manifest last: only now is the backup complete (listed, restorable).
  await client.send(new PutObjectCommand({ Bucket: settings.bucket, Key: backupKey(settings.prefix, backup, MANIFEST), Body: JSON.stringify(manifest), ContentType: 'application/json' }));
  const kept = await applyRetention(client, settings, backup, opts.retentionDays, opts.now ?? new Date());
  return { backup, sizeBytes: manifest.sizeBytes, backups: kept.slice(0, LISTED_BACKUPS) };
}

/**
 * One file, aborted with `signal`. lib-storage's own abort rejects `done()` at once and sends
 * AbortMultipartUpload only after the parts in flight, by which time a stopped pod has exited:
 * the parts so far would stay in the bucket, invisible to listings and billed, until a lifecycle
 * rule removes them. So the abort is sent here before giving up (a second one is harmless).
 */
async function uploadFile(client: S3Client, target: { Bucket: string; Key: string }, path: string, signal: AbortSignal | undefined): Promise<void> {
  const abortController = new AbortController();
  const stop = () => abortController.abort();
  signal?.addEventListener('abort', stop, { once: true });
  const upload = new Upload({ client, queueSize: 2, abortController, params: { ...target, Body: createReadStream(path) } });
  try {
    await upload.done();
  } catch (err) {
    if (abortController.signal.aborted && upload.uploadId) await client.send(new AbortMultipartUploadCommand({ ...target, UploadId: upload.uploadId })).catch(() => undefined);
    throw err;
  } finally {
    signal?.removeEventListener('abort', stop);
  }
}

/** Deletes expired and incomplete backups (never `current`); returns the kept ones, newest first. */
export async function applyRetention(client: S3Client, settings: BucketSettings, current: string, retentionDays: number, now: Date): Promise<string[]> {
  const bucket = groupBackups(settings.prefix, await listKeys(client, settings));
  const { expired, kept } = retention(bucket, current, retentionDays, now);
  for (const name of expired) {
    // One DeleteObject per key: DeleteObjects needs a body checksum that some S3-compatible services reject.
    for (const key of bucket.keys.get(name) ?? []) await client.send(new DeleteObjectCommand({ Bucket: settings.bucket, Key: key }));
  }
  return kept;
}

/** Every key under the server's prefix (ListObjectsV2, page by page). */
export async function listKeys(client: S3Client, settings: BucketSettings): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: settings.bucket, Prefix: settings.prefix, ...(token ? { ContinuationToken: token } : {}) }));
    keys.push(...(page.Contents ?? []).map((o) => o.Key ?? '').filter(Boolean));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

/** The backup directory the dump container made (the newest, should there be more). */
async function newestBackup(dir: string): Promise<string> {
  const names = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory() && BACKUP_NAME.test(e.name)).map((e) => e.name);
  const newest = names.sort().at(-1);
  if (!newest) throw new Error(`no complete backup in ${dir}: the dump did not finish`);
  return newest;
}

async function backupFiles(dir: string): Promise<BackupManifest['files']> {
  const names = (await readdir(dir)).filter((n) => BACKUP_FILE.test(n)).sort();
  if (!names.includes('globals.sql')) throw new Error(`${dir} has no globals.sql: not a complete backup`);
  return Promise.all(names.map(async (name) => ({ name, sizeBytes: (await stat(join(dir, name))).size })));
}
