import { existsSync, mkdirSync, statfsSync } from 'node:fs';
import { join } from 'node:path';

const RAM_DISK = '/dev/shm';
const MB = 1024 * 1024;

/**
 * Where the throwaway PostgreSQL data directories go. On a RAM disk CREATE DATABASE costs about the
 * same every time (on a shared disk it swings several-fold with the other work on the machine),
 * so operator and baseline are compared on equal terms. Returns the directory, or undefined to
 * stay on the OS temp dir (asked for, no RAM disk, or not enough room on it for `neededMB`).
 */
export function chooseScratchDir(neededMB: number, onDisk: boolean): { dir?: string; reason: string } {
  if (onDisk) return { reason: 'on disk (--pg-on-disk)' };
  if (!existsSync(RAM_DISK)) return { reason: `on disk (no ${RAM_DISK})` };
  const fs = statfsSync(RAM_DISK);
  const freeMB = Math.floor((fs.bavail * fs.bsize) / MB);
  if (freeMB < neededMB) return { reason: `on disk (${RAM_DISK} has ${freeMB} MB free, ${neededMB} MB needed)` };
  const dir = join(RAM_DISK, 'hcpo-bench');
  mkdirSync(dir, { recursive: true });
  return { dir, reason: `on the RAM disk ${RAM_DISK} (${freeMB} MB free)` };
}

/** Room one run needs: every database of the largest world costs about 8 MB (a copy of template1). */
export function neededScratchMB(largestWorld: number): number {
  return largestWorld * 8 + 2048;
}
