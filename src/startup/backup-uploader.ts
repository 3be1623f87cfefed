import type { OperatorConfig } from '../config/types.js';
import { StartupError } from './startup-error.js';

/**
 * S3 backups (ADR 0023) run the operator's `backup-s3` command in a Job, from
 * `backends.<statefulset|helmbitnami>.backup.s3.uploader_image` or else the operator's own image,
 * which the chart passes as OPERATOR_IMAGE. Outside the chart (a developer's machine) neither may
 * be there: refused at start, in one line, rather than at each server's first backup.
 */
export function checkBackupUploader(config: OperatorConfig, env: NodeJS.ProcessEnv): void {
  for (const backend of ['statefulset', 'helmbitnami'] as const) {
    const s3 = (config.backends?.[backend] as { backup?: { s3?: { bucket?: string; uploader_image?: string } } } | undefined)?.backup?.s3;
    if (!s3?.bucket || s3.uploader_image || env.OPERATOR_IMAGE) continue;
    throw new StartupError(`backends.${backend}.backup.s3.bucket is set, but no image can upload the backups: set backends.${backend}.backup.s3.uploader_image to this operator's image, or OPERATOR_IMAGE (the chart sets it)`);
  }
}
