import { renderPattern } from '../common/naming.js';
import type { NameVars } from '../common/naming.js';

/** RDS instance and cluster identifiers: 1-63 characters. */
export const MAX_IDENTIFIER = 63;
/** Suffix of an Aurora cluster's writer instance. */
export const WRITER_SUFFIX = '-primary';
const MAX_SNAPSHOT_IDENTIFIER = 255;

export interface Naming {
  name_pattern: string;
  /** Servers adopted from elsewhere whose identifier does not follow the pattern. */
  name_overrides?: { namespace: string; name: string; aws_identifier: string }[] | null;
}

/**
 * The AWS identifier of a server: an override from the config, else the admin's `name_pattern`.
 * RDS stores identifiers in lowercase, so we do too (a Describe by the mixed-case name would not
 * match otherwise).
 */
export function serverIdentifier(naming: Naming, vars: NameVars): string {
  const override = (naming.name_overrides ?? []).find((o) => o.namespace === vars.namespace && o.name === vars.name);
  return (override ? override.aws_identifier : renderPattern(naming.name_pattern, vars)).toLowerCase();
}

export function writerIdentifier(clusterId: string): string {
  return `${clusterId}${WRITER_SUFFIX}`;
}

/**
 * Why `id` is not a valid RDS identifier (undefined when it is): letters, digits and hyphens,
 * starting with a letter, no two consecutive hyphens, no trailing hyphen, at most `max` long.
 */
export function identifierProblem(id: string, max = MAX_IDENTIFIER): string | undefined {
  if (id.length === 0) return 'is empty';
  if (id.length > max) return `is ${id.length} characters long; at most ${max} are allowed`;
  if (!/^[a-z]/.test(id)) return 'must start with a letter';
  if (!/^[a-z0-9-]+$/.test(id)) return 'may only contain letters, digits and hyphens';
  if (id.includes('--')) return 'must not contain two consecutive hyphens';
  if (id.endsWith('-')) return 'must not end with a hyphen';
  return undefined;
}

/** `yyyymmddhhmmss` in UTC. */
export function compactTimestamp(at: Date): string {
  return at.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/**
 * The final snapshot's identifier: `<identifier>-final-<yyyymmddhhmmss>` (UTC). Identifiers are at
 * most 63 characters, so the result stays far below the 255 allowed; it is cut defensively anyway.
 */
export function finalSnapshotIdentifier(identifier: string, at: Date): string {
  const suffix = `-final-${compactTimestamp(at)}`;
  const base = identifier.slice(0, MAX_SNAPSHOT_IDENTIFIER - suffix.length).replace(/-+$/, '');
  return `${base}${suffix}`;
}
