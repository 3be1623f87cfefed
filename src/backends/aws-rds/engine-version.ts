import type { ServerSpec } from '../../api/types.js';

/** "16.4" → "16"; undefined for nothing. */
export function majorOf(version: string | undefined | null): string | undefined {
  if (!version) return undefined;
  return String(version).split('.')[0] || undefined;
}

/**
 * The major the spec pins explicitly, or undefined for `latest`/empty. A `latest` server keeps
 * the major it was created with: a newer entry in the version table must not start a major
 * upgrade (hours of downtime, incompatible extensions) behind the users' back. Upgrades happen
 * when the spec names a higher version.
 */
export function pinnedMajor(spec: ServerSpec, resolvedMajor: string): string | undefined {
  const text = spec.version === undefined || spec.version === null ? '' : String(spec.version).trim().toLowerCase();
  return text === '' || text === 'latest' ? undefined : resolvedMajor;
}

export interface VersionVerdict {
  /** The major to upgrade to, when the spec asks for a newer one than runs (or is pending). */
  upgradeTo?: string;
  /** Set when the spec asks for an older major: RDS cannot downgrade, so nothing is done. */
  warning?: string;
}

/**
 * Compares majors only: minor versions are RDS's business (`AutoMinorVersionUpgrade`), so a
 * running 16.4 satisfies a spec asking for 16. A pending upgrade counts as done.
 */
export function compareVersion(wanted: string | undefined, actual: string | undefined, pending: string | undefined): VersionVerdict {
  const have = majorOf(pending) ?? majorOf(actual);
  if (!wanted || !have) return {};
  const diff = Number(wanted) - Number(have);
  if (Number.isNaN(diff) || diff === 0) return {};
  if (diff > 0) return { upgradeTo: wanted };
  return { warning: `version ${wanted} requested but ${have} runs; RDS cannot downgrade, keeping ${have}` };
}
