import { backendNameProblem } from './backend-names.js';
import { backendSection, backendsInUse } from './backend-section.js';
import { isPlainObject } from './checks.js';
import type { ConfigProblem } from './errors.js';
import { getPath, listOptions } from './fragment.js';
import { backendSections, VIRTUAL_SECTIONS } from './schema.js';
import type { OperatorConfig } from './types.js';
import { CA_VALIDITY_DAYS } from './sections/tls.js';

/** Checks across options that formats cannot express. Written defensively: formats may have failed. */
export function semanticProblems(config: OperatorConfig): ConfigProblem[] {
  return [...backendChoiceProblems(config), ...defaultClassProblems(config), ...rangeProblems(config), ...requiredProblems(config), ...tlsProblems(config), ...backupS3Problems(config)];
}

/** S3 backups (ADR 0023): a bucket needs the name of the credentials Secret. */
function backupS3Problems(config: OperatorConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const name of ['statefulset', 'helmbitnami'] as const) {
    const s3 = (config.backends?.[name] as { backup?: { s3?: { bucket?: unknown; credentials_secret?: unknown } } } | undefined)?.backup?.s3;
    if (typeof s3?.bucket !== 'string' || s3.bucket === '' || s3.credentials_secret) continue;
    problems.push({ path: `backends.${name}.backup.s3.credentials_secret`, value: s3.credentials_secret, reason: 'must name the Secret (in each server\'s namespace) with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY when backup.s3.bucket is set' });
  }
  return problems;
}

/** A certificate renewed before it is issued would be renewed at every reconcile. */
function tlsProblems(config: OperatorConfig): ConfigProblem[] {
  const tls = config.tls;
  if (!tls) return [];
  return [...certificateRenewalProblems(tls), ...caRotationProblems(tls)];
}

function certificateRenewalProblems(tls: OperatorConfig['tls']): ConfigProblem[] {
  if (typeof tls.certificate_days !== 'number' || typeof tls.renew_before_days !== 'number') return [];
  if (tls.renew_before_days < tls.certificate_days) return [];
  return [{ path: 'tls.renew_before_days', value: tls.renew_before_days, reason: `must be less than tls.certificate_days (${tls.certificate_days}), or every certificate is due for renewal as soon as it is issued` }];
}

/**
 * A CA rotated before it is made would start a new rotation as soon as one ends; one started
 * later than its two grace periods before expiry could not finish in time.
 */
function caRotationProblems(tls: OperatorConfig['tls']): ConfigProblem[] {
  const days = tls.ca_renew_before_days;
  if (typeof days !== 'number') return [];
  if (days >= CA_VALIDITY_DAYS) return [{ path: 'tls.ca_renew_before_days', value: days, reason: `must be less than the CA's validity (${CA_VALIDITY_DAYS} days), or every new CA is due for rotation as soon as it is made` }];
  const hours = tls.ca_rotation_grace_hours;
  if (typeof hours !== 'number' || 2 * hours < days * 24) return [];
  return [{ path: 'tls.ca_rotation_grace_hours', value: hours, reason: `twice this must be less than tls.ca_renew_before_days (${days} days), or a rotation started by the CA's expiry cannot finish before it expires` }];
}

function backendChoiceProblems(config: OperatorConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (typeof config.backend === 'string') {
    const reason = backendNameProblem(config.backend);
    if (reason) problems.push({ path: 'backend', value: config.backend, reason });
  }
  if (Array.isArray(config.allowed_backends)) {
    config.allowed_backends.forEach((name, i) => {
      const reason = typeof name === 'string' ? backendNameProblem(name) : undefined;
      if (reason) problems.push({ path: `allowed_backends[${i}]`, value: name, reason });
    });
  }
  return problems;
}

function defaultClassProblems(config: OperatorConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const [name, section] of Object.entries(config.backends ?? {})) {
    const classes = section?.classes;
    const chosen = section?.default_class;
    if (!isPlainObject(classes) || typeof chosen !== 'string') continue;
    const names = Object.keys(classes);
    if (names.length > 0 && !names.includes(chosen)) {
      problems.push({ path: `backends.${name}.default_class`, value: chosen, reason: `names no class of backends.${name}.classes (${names.join(', ')}); set it to one of them, or to null` });
    }
  }
  return problems;
}

function rangeProblems(config: OperatorConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const length = config.security?.password_length;
  if (typeof length === 'number' && length < 12) {
    problems.push({ path: 'security.password_length', value: length, reason: 'must be at least 12 (shorter generated passwords are too easy to guess)' });
  }
  const r = config.reconcile;
  if (typeof r?.resync_seconds === 'number' && r.resync_seconds < 10) {
    problems.push({ path: 'reconcile.resync_seconds', value: r.resync_seconds, reason: 'must be at least 10 (a shorter period floods the API servers)' });
  }
  if (typeof r?.backoff_base_seconds === 'number' && typeof r.backoff_max_seconds === 'number' && r.backoff_max_seconds < r.backoff_base_seconds) {
    problems.push({ path: 'reconcile.backoff_max_seconds', value: r.backoff_max_seconds, reason: `must not be less than reconcile.backoff_base_seconds (${r.backoff_base_seconds})` });
  }
  problems.push(...leaderElectionProblems(config));
  return problems;
}

function leaderElectionProblems(config: OperatorConfig): ConfigProblem[] {
  const le = config.leader_election;
  const numbers = [le?.lease_duration_seconds, le?.renew_deadline_seconds, le?.retry_period_seconds];
  if (!numbers.every((n) => typeof n === 'number')) return [];
  const problems: ConfigProblem[] = [];
  if (le.renew_deadline_seconds >= le.lease_duration_seconds) {
    problems.push({ path: 'leader_election.renew_deadline_seconds', value: le.renew_deadline_seconds, reason: `must be less than leader_election.lease_duration_seconds (${le.lease_duration_seconds})` });
  }
  if (le.retry_period_seconds >= le.renew_deadline_seconds) {
    problems.push({ path: 'leader_election.retry_period_seconds', value: le.retry_period_seconds, reason: `must be less than leader_election.renew_deadline_seconds (${le.renew_deadline_seconds})` });
  }
  return problems;
}

function isUnset(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value === 'string') return value.trim() === '';
  if (Array.isArray(value)) return value.length === 0;
  return isPlainObject(value) && Object.keys(value).length === 0;
}

/** Options marked `required` must be set (here or in the virtual section) for backends in use. */
function requiredProblems(config: OperatorConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const name of backendsInUse(config)) {
    const fragment = backendSections[name];
    if (!fragment) continue;
    const section = backendSection<Record<string, unknown>>(config, name);
    const virtual = VIRTUAL_SECTIONS[name];
    for (const { path, option } of listOptions(fragment)) {
      if (!option.required || !isUnset(getPath(section, path))) continue;
      const where = virtual ? ` (set it in backends.${name} or backends.${virtual})` : '';
      problems.push({ path: `backends.${name}.${path}`, value: undefined, reason: `is required because backend ${name} is in use${where}` });
    }
  }
  return problems;
}
