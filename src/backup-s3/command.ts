/**
 * `backup-s3 upload|download`: the operator image's part in S3 backups (ADR 0023), run by the
 * backup CronJob and the restore Job, never by the operator itself. Everything comes from the
 * environment the Job sets: `S3_BUCKET`, `S3_ENDPOINT`, `S3_REGION`, `S3_PREFIX`,
 * `S3_FORCE_PATH_STYLE`, `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` (from the team's Secret),
 * `BACKUP_DIR` (the directory shared with the PostgreSQL container), and
 *   upload:   `RETENTION_DAYS`; prints the backup report and writes it to the termination message
 *             (`TERMINATION_LOG`, default /dev/termination-log), where the operator reads it;
 *   download: `BACKUP_NAME`, fetched into `BACKUP_DIR/<name>/` for the restore script.
 * Exit code 1 with one line on stderr on any failure (the Job's log tail becomes its status).
 */
import { writeFile } from 'node:fs/promises';
import { bucketClient, credentialsFromEnv, settingsFromEnv } from './client.js';
import { downloadBackup } from './download.js';
import { uploadBackup } from './upload.js';

export async function runBackupS3(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const action = args[0];
  try {
    const settings = settingsFromEnv(env);
    const dir = env.BACKUP_DIR || '/backup';
    const client = bucketClient(settings, credentialsFromEnv(env));
    if (action === 'upload') {
      const days = Number(env.RETENTION_DAYS);
      if (!Number.isInteger(days) || days < 1) throw new Error(`RETENTION_DAYS must be a whole number ≥ 1, got "${env.RETENTION_DAYS ?? ''}"`);
      const report = JSON.stringify(await uploadBackup(client, settings, { dir, retentionDays: days, signal: stopSignal() }));
      process.stdout.write(`${report}\n`);
      await writeFile(env.TERMINATION_LOG || '/dev/termination-log', `${report}\n`).catch(() => undefined);
      return 0;
    }
    if (action === 'download') {
      const backup = env.BACKUP_NAME ?? '';
      const manifest = await downloadBackup(client, settings, backup, dir);
      process.stdout.write(`downloaded backup ${backup} (${manifest.files.length} files, ${manifest.sizeBytes} bytes) from s3://${settings.bucket}/${settings.prefix}\n`);
      return 0;
    }
    throw new Error(`unknown action "${action ?? ''}" (use: backup-s3 upload|download)`);
  } catch (err) {
    console.error(`backup-s3 ${action ?? ''}: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

/**
 * Aborted on SIGTERM (the pod deleted, drained or past its deadline): the upload in progress is
 * aborted in the bucket instead of leaving its parts behind. Node's default would exit at once; the
 * exit comes from the failed upload, or at the latest after 10 s (the kubelet's grace is 30 s).
 */
function stopSignal(): AbortSignal {
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`backup-s3 upload: ${signal}: aborting the upload in progress`);
    stop.abort(new Error(`stopped by ${signal}`));
    setTimeout(() => process.exit(1), 10_000).unref();
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  return stop.signal;
}
