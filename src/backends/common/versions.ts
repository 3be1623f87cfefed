import { Reason } from '../../api/conditions.js';
import type { Problem } from '../types.js';

export type VersionResolution = { ok: true; version: string } | { ok: false; problem: Problem };

/**
 * Resolves `spec.version` against the majors a backend supports (oldest first).
 * Empty or `latest` means the newest; `16`, `"16"` and `"16.4"` mean major 16.
 */
export function resolveMajorVersion(requested: string | number | undefined | null, supported: readonly string[]): VersionResolution {
  const newest = supported[supported.length - 1];
  if (!newest) throw new Error('backend supports no version');
  const text = requested === undefined || requested === null ? '' : String(requested).trim();
  if (text === '' || text.toLowerCase() === 'latest') return { ok: true, version: newest };
  const major = text.split('.')[0] ?? '';
  if (supported.includes(major)) return { ok: true, version: major };
  return {
    ok: false,
    problem: { reason: 'InvalidSpec' as typeof Reason.InvalidSpec, field: 'spec.version', message: `version "${text}" is not offered by this backend; supported: ${supported.join(', ')} or latest` },
  };
}
