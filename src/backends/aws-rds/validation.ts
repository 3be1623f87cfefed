import type { ServerSpec } from '../../api/types.js';
import { Reason } from '../../api/conditions.js';
import { checkLimits, resolveClass } from '../common/sizing.js';
import { resolveMajorVersion } from '../common/versions.js';
import type { Problem, ValidationResult } from '../types.js';
import { allowedExtensions } from './config.js';
import type { AwsClass, AwsSection } from './config.js';
import { MAX_IDENTIFIER, WRITER_SUFFIX, identifierProblem, serverIdentifier } from './identifiers.js';
import { windowProblem } from './maintenance-window.js';

export type AwsKind = 'rds' | 'aurora';

/** RDS PostgreSQL storage bounds (GiB) for general-purpose and provisioned-IOPS volumes. */
const MIN_STORAGE_GB = 20;
const MAX_STORAGE_GB = 65536;
const SERVERLESS_CLASS = 'db.serverless';

/** Pure checks of a spec against the config: class, limits, version, retention, window, name. */
export function validateSpec(kind: AwsKind, spec: ServerSpec, meta: { namespace: string; name: string }, section: AwsSection): ValidationResult {
  const problems: Problem[] = [];
  const cls = resolveClass(section.classes, section.default_class, spec.size.class);
  if (!cls.ok) problems.push(cls.problem);
  else problems.push(...classProblems(kind, cls.name, cls.value), ...volumeProblems(kind, spec, cls.value));
  problems.push(...checkLimits(spec.size, { storage_limit_gb: section.storage_limit_gb }));
  const version = resolveMajorVersion(spec.version, section.engine_versions);
  if (!version.ok) problems.push(version.problem);
  problems.push(...storageProblems(kind, spec), ...retentionProblems(kind, spec), ...nameProblems(kind, meta, section));
  const window = spec.maintenance?.window;
  const bad = window ? windowProblem(window) : undefined;
  if (bad) problems.push(invalid('spec.maintenance.window', bad));
  problems.push(...extensionProblems(spec, section));
  if (problems.length > 0 || !cls.ok || !version.ok) return { ok: false, problems };
  return { ok: true, resolved: { sizeClass: cls.name, version: version.version } };
}

function classProblems(kind: AwsKind, name: string, cls: AwsClass): Problem[] {
  const field = 'spec.size.class';
  if (!cls.instance_type) return [invalid(field, `size class "${name}" has no instance_type in the operator config`)];
  if (kind === 'rds' && cls.instance_type === SERVERLESS_CLASS) return [invalid(field, `size class "${name}" is Aurora Serverless (db.serverless), which RDS instances cannot use`)];
  if (kind === 'aurora' && cls.instance_type === SERVERLESS_CLASS) {
    const s = cls.scaling_configuration;
    if (!s || !(Number(s.min_capacity) > 0) || !(Number(s.max_capacity) >= Number(s.min_capacity))) {
      return [invalid(field, `size class "${name}" uses db.serverless but has no valid scaling_configuration (min_capacity <= max_capacity) in the operator config`)];
    }
  }
  return [];
}

/** RDS's size rules for provisioned-IOPS volumes (PostgreSQL): io1/io2 from 100 GB, gp3 IOPS from 400 GB. */
function volumeProblems(kind: AwsKind, spec: ServerSpec, cls: AwsClass): Problem[] {
  if (kind === 'aurora') return [];
  const gb = spec.size.storageGB;
  const type = cls.storage_type ?? '';
  if ((type === 'io1' || type === 'io2') && gb < 100) return [invalid('spec.size.storageGB', `${type} storage needs at least 100 GB, got ${gb}`)];
  if (type === 'gp3' && cls.iops && gb < 400) return [invalid('spec.size.storageGB', `gp3 storage with provisioned IOPS needs at least 400 GB (below that RDS gives a fixed 3000 IOPS), got ${gb}`)];
  return [];
}

function storageProblems(kind: AwsKind, spec: ServerSpec): Problem[] {
  // Aurora storage grows by itself; the requested size only matters for the limit check.
  if (kind === 'aurora') return [];
  const gb = spec.size.storageGB;
  if (!Number.isInteger(gb) || gb < MIN_STORAGE_GB || gb > MAX_STORAGE_GB) {
    return [invalid('spec.size.storageGB', `RDS storage must be a whole number of GB between ${MIN_STORAGE_GB} and ${MAX_STORAGE_GB}, got ${gb}`)];
  }
  return [];
}

function retentionProblems(kind: AwsKind, spec: ServerSpec): Problem[] {
  const days = spec.backup?.retentionDays;
  if (days === undefined || days === null) return [];
  const min = kind === 'aurora' ? 1 : 0;
  if (!Number.isInteger(days) || days < min || days > 35) {
    const what = kind === 'aurora' ? 'Aurora keeps backups for 1 to 35 days' : 'RDS keeps backups for 0 (off) to 35 days';
    return [invalid('spec.backup.retentionDays', `${what}, got ${days}`)];
  }
  return [];
}

function nameProblems(kind: AwsKind, meta: { namespace: string; name: string }, section: AwsSection): Problem[] {
  const id = serverIdentifier(section, meta);
  // The writer instance appends "-primary" to the cluster's identifier.
  const max = kind === 'aurora' ? MAX_IDENTIFIER - WRITER_SUFFIX.length : MAX_IDENTIFIER;
  const bad = identifierProblem(id, max);
  if (!bad) return [];
  return [{ reason: Reason.InvalidName, field: 'metadata.name', message: `the AWS identifier "${id}" (from name_pattern "${section.name_pattern}") ${bad}` }];
}

function extensionProblems(spec: ServerSpec, section: AwsSection): Problem[] {
  const allowed = allowedExtensions(section);
  const refused = (spec.extensions ?? []).filter((e) => !allowed.includes(e.toLowerCase()));
  if (refused.length === 0) return [];
  return [{ reason: Reason.ExtensionNotAllowed, field: 'spec.extensions', message: `extensions not allowed on this backend: ${refused.join(', ')}; allowed: ${allowed.join(', ') || 'none'}` }];
}

function invalid(field: string, message: string): Problem {
  return { reason: Reason.InvalidSpec, field, message };
}

/** Spec features these backends ignore, for the observation's warning. */
export function unsupportedFeatures(kind: AwsKind, spec: ServerSpec): string[] {
  const out: string[] = [];
  if (spec.size.cpu !== undefined || spec.size.memoryMB !== undefined) out.push('cpu and memoryMB are ignored on AWS (servers are sized by class)');
  if (spec.network?.firewallRules?.length) out.push('firewall rules have no effect on AWS (access is governed by the configured VPC security groups)');
  if (spec.serverParameters && Object.keys(spec.serverParameters).length > 0) out.push('serverParameters are not supported on AWS (no custom parameter groups)');
  if (spec.backup?.geoRedundant) out.push('geo-redundant backups are not supported on AWS');
  if (kind === 'aurora' && spec.highavailability?.enabled) out.push('high availability is not supported on Aurora (only a writer instance is created)');
  return out;
}
