import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { BACKUP_NAME } from '../backends/common/backup-script.js';
import type { BucketSettings } from './client.js';
import { BACKUP_FILE, backupKey, MANIFEST, type BackupManifest } from './layout.js';

/**
 * `backup-s3 download` (ADR 0023): fetches one complete backup into `<dir>/<backup>/`, where the
 * restore script reads it as from a volume claim. Only a backup with its manifest is complete;
 * each file is checked against the manifest's size, and only the layout's file names are written.
 */
export async function downloadBackup(client: S3Client, settings: BucketSettings, backup: string, dir: string): Promise<BackupManifest> {
  if (!BACKUP_NAME.test(backup)) throw new Error(`"${backup}" is not a backup name`);
  const manifest = await readManifest(client, settings, backup);
  const work = join(dir, `.partial-${backup}`);
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  for (const file of manifest.files) {
    const target = join(work, file.name);
    const object = await client.send(new GetObjectCommand({ Bucket: settings.bucket, Key: backupKey(settings.prefix, backup, file.name) }));
    await pipeline(object.Body as Readable, createWriteStream(target));
    const size = (await stat(target)).size;
    if (size !== file.sizeBytes) throw new Error(`${file.name} of backup ${backup} has ${size} bytes, the manifest says ${file.sizeBytes}`);
  }
  await rm(join(dir, backup), { recursive: true, force: true });
  await rename(work, join(dir, backup));
  return manifest;
}

async function readManifest(client: S3Client, settings: BucketSettings, backup: string): Promise<BackupManifest> {
  let text: string;
  try {
    const object = await client.send(new GetObjectCommand({ Bucket: settings.bucket, Key: backupKey(settings.prefix, backup, MANIFEST) }));
    text = (await object.Body?.transformToString()) ?? '';
  } catch (err) {
    if ((err as { name?: string }).name === 'NoSuchKey') throw new Error(`backup ${backup} is not complete in s3://${settings.bucket}/${settings.prefix} (no ${MANIFEST})`, { cause: err });
    throw err;
  }
  const manifest = JSON.parse(text) as BackupManifest;
  const bad = (manifest.files ?? []).find((f) => typeof f?.name !== 'string' || !BACKUP_FILE.test(f.name) || typeof f.sizeBytes !== 'number');
  if (manifest.backup !== backup || !Array.isArray(manifest.files) || bad) throw new Error(`the manifest of backup ${backup} is not one this operator wrote`);
  return manifest;
}
