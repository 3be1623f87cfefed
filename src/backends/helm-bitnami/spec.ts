import { Reason } from '../../api/conditions.js';
import type { ServerSpec } from '../../api/types.js';
import type { HelmBitnamiSection } from '../../config/sections/helmbitnami.js';
import { checkLimits, resolveClass } from '../common/sizing.js';
import { resolveMajorVersion } from '../common/versions.js';
import { PermanentError } from '../errors.js';
import type { Problem, ResolvedServer, ValidationResult } from '../types.js';
import { DEFAULT_DENIED_PARAMETERS } from '../../config/sections/server-parameters.js';
import { parameterProblems } from '../common/parameters/rules.js';
import { ignoredFieldsWarning } from '../common/ignored-fields.js';
import type { PodResources } from './values.js';

/**
 * PostgreSQL majors the operator runs with chart 17.x (image tag = the major). `latest` is the
 * newest. Changing the major of a running server is refused: the data directory is not upgraded.
 */
export const SUPPORTED_MAJORS: readonly string[] = ['13', '14', '15', '16', '17'];

/** What a server gets when it names no class and the config has no default class (the Python operator's default). */
export const FALLBACK_RESOURCES = { cpu: 1, memoryMB: 256 };

/** Pure checks of a spec against the section and the parameter deny-list (no I/O). */
export function validateSpec(spec: ServerSpec, settings: HelmBitnamiSection, deniedParameters: readonly string[] = DEFAULT_DENIED_PARAMETERS): ValidationResult {
  const problems: Problem[] = parameterProblems(spec.serverParameters, deniedParameters);
  const version = resolveMajorVersion(spec.version, SUPPORTED_MAJORS);
  if (!version.ok) problems.push(version.problem);
  let sizeClass: string | undefined;
  const bySize = !spec.size.class && (spec.size.cpu !== undefined || spec.size.memoryMB !== undefined);
  if (spec.size.class || (!bySize && settings.default_class)) {
    const cls = resolveClass(settings.classes, settings.default_class, spec.size.class);
    if (cls.ok) sizeClass = cls.name;
    else problems.push(cls.problem);
  }
  const storage = spec.size.storageGB;
  if (!Number.isInteger(storage) || storage < 1) {
    problems.push({ reason: Reason.InvalidSpec, field: 'spec.size.storageGB', message: `spec.size.storageGB must be a whole number of at least 1, got ${String(storage)}` });
  }
  problems.push(...checkLimits(spec.size, settings));
  if (problems.length || !version.ok) return { ok: false, problems };
  return { ok: true, resolved: { version: version.version, ...(sizeClass ? { sizeClass } : {}) } };
}

/** CPU and memory of the pod: the class's, else the spec's cpu/memoryMB (requests = limits). */
export function podResources(spec: ServerSpec, resolved: ResolvedServer, settings: HelmBitnamiSection): PodResources {
  if (resolved.sizeClass) {
    const cls = settings.classes[resolved.sizeClass];
    if (!cls) throw new PermanentError(`size class "${resolved.sizeClass}" is no longer configured for helmbitnami`, Reason.UnknownClass);
    return { cpu: String(cls.cpu), memory: String(cls.memory) };
  }
  return { cpu: String(spec.size.cpu ?? FALLBACK_RESOURCES.cpu), memory: `${spec.size.memoryMB ?? FALLBACK_RESOURCES.memoryMB}Mi` };
}

/** A warning naming the spec settings this backend ignores, if any. */
export function ignoredSettingsWarning(spec: ServerSpec): string | undefined {
  return ignoredFieldsWarning('helmbitnami', spec);
}
