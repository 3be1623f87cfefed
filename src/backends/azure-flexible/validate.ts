/**
 * Pure checks of a PostgreSQLServer spec against this backend's config: every problem is found
 * before any request is sent, with the spec path at fault.
 */
import type { ServerSpec } from '../../api/types.js';
import { Reason } from '../../api/conditions.js';
import type { Problem, ValidationResult } from '../types.js';
import { checkLimits, resolveClass } from '../common/sizing.js';
import { resolveMajorVersion } from '../common/versions.js';
import { firewallRuleProblems } from './firewall.js';
import { AZURE_WEEKDAY, parseStartTime } from './maintenance.js';
import { serverName, serverNameProblem } from './naming.js';
import { EXTENSIONS_PARAMETER } from './parameters.js';
import type { FlexibleSettings } from './settings.js';
import { skuForSize, STORAGE_SIZES_GB } from './sku.js';
import { resolveSku } from './server-body.js';
import { FLEXIBLE_SERVER_VERSIONS } from './versions.js';

const invalid = (field: string, message: string): Problem => ({ reason: Reason.InvalidSpec, field, message });

function sizeProblems(spec: ServerSpec, settings: FlexibleSettings): { problems: Problem[]; sizeClass?: string } {
  const problems: Problem[] = checkLimits(spec.size, { cpu_limit: settings.cpuLimit, storage_limit_gb: settings.storageLimitGb });
  let sizeClass: string | undefined;
  const byCpu = !spec.size.class && (spec.size.cpu !== undefined || spec.size.memoryMB !== undefined);
  if (byCpu) {
    if (!skuForSize(spec.size)) problems.push(invalid('spec.size.cpu', `no Flexible Server SKU has ${spec.size.cpu ?? 2} vCores and ${spec.size.memoryMB ?? 0} MB memory`));
  } else if (spec.size.class || settings.defaultClass) {
    const res = resolveClass(settings.classes, settings.defaultClass, spec.size.class);
    if (res.ok) sizeClass = res.name;
    else problems.push(res.problem);
  }
  const maxStorage = STORAGE_SIZES_GB[STORAGE_SIZES_GB.length - 1]!;
  if (!(spec.size.storageGB > 0)) problems.push(invalid('spec.size.storageGB', 'storageGB must be a positive number'));
  else if (spec.size.storageGB > maxStorage) problems.push(invalid('spec.size.storageGB', `storageGB ${spec.size.storageGB} is more than Flexible Server offers (${maxStorage})`));
  return { problems, sizeClass };
}

function backupProblems(spec: ServerSpec, settings: FlexibleSettings): Problem[] {
  const days = spec.backup?.retentionDays ?? settings.backupRetentionDays;
  return Number.isInteger(days) && days >= 7 && days <= 35 ? [] : [invalid('spec.backup.retentionDays', `backup retention must be 7 to 35 days, got ${days}`)];
}

function maintenanceProblems(spec: ServerSpec): Problem[] {
  const window = spec.maintenance?.window;
  if (!window) return [];
  const problems: Problem[] = [];
  if (!(window.weekday in AZURE_WEEKDAY)) problems.push(invalid('spec.maintenance.window.weekday', `weekday "${window.weekday}" is not one of ${Object.keys(AZURE_WEEKDAY).join(', ')}`));
  if (!parseStartTime(String(window.starttime ?? ''))) problems.push(invalid('spec.maintenance.window.starttime', `starttime "${window.starttime}" is not HH:MM (00:00-23:59)`));
  return problems;
}

function haProblems(spec: ServerSpec, settings: FlexibleSettings): Problem[] {
  if (spec.highavailability?.enabled !== true) return [];
  const sku = resolveSku(spec, settings);
  if (sku?.tier === 'Burstable') return [invalid('spec.highavailability.enabled', `high availability needs a General Purpose or Memory Optimized SKU; ${sku.name} is Burstable`)];
  return [];
}

function extensionProblems(spec: ServerSpec, settings: FlexibleSettings): Problem[] {
  const problems: Problem[] = [];
  const notAllowed = (spec.extensions ?? []).filter((e) => !settings.allowedExtensions.includes(e.toLowerCase()));
  if (notAllowed.length) {
    problems.push({ reason: Reason.ExtensionNotAllowed, field: 'spec.extensions', message: `extension(s) ${notAllowed.join(', ')} not allowed; allowed: ${settings.allowedExtensions.join(', ') || 'none'}` });
  }
  for (const name of Object.keys(spec.serverParameters ?? {})) {
    if (name === EXTENSIONS_PARAMETER) problems.push(invalid(`spec.serverParameters.${name}`, `set extensions with spec.extensions, not the ${EXTENSIONS_PARAMETER} parameter`));
    else if (!/^[a-z][a-z0-9_.]*$/.test(name)) problems.push(invalid(`spec.serverParameters.${name}`, `"${name}" is not a PostgreSQL parameter name`));
  }
  return problems;
}

export function validateSpec(spec: ServerSpec, meta: { namespace: string; name: string }, settings: FlexibleSettings): ValidationResult {
  const problems: Problem[] = [];
  const nameProblem = serverNameProblem(serverName(meta, settings.namePattern, settings.nameOverrides));
  if (nameProblem) problems.push({ reason: Reason.InvalidName, field: 'metadata.name', message: nameProblem });
  const version = resolveMajorVersion(spec.version, FLEXIBLE_SERVER_VERSIONS);
  if (!version.ok) problems.push(version.problem);
  const size = sizeProblems(spec, settings);
  problems.push(...size.problems, ...backupProblems(spec, settings), ...maintenanceProblems(spec), ...haProblems(spec, settings), ...extensionProblems(spec, settings));
  for (const message of firewallRuleProblems(spec.network?.firewallRules ?? [], 'spec.network.firewallRules')) problems.push(invalid('spec.network.firewallRules', message));
  if (problems.length || !version.ok) return { ok: false, problems };
  return { ok: true, resolved: { version: version.version, ...(size.sizeClass ? { sizeClass: size.sizeClass } : {}) } };
}
