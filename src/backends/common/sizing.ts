import type { ServerSpec } from '../../api/types.js';
import { Reason } from '../../api/conditions.js';
import type { Problem } from '../types.js';

export type ClassResolution<C> =
  | { ok: true; name: string; value: C }
  | { ok: false; problem: Problem };

/**
 * Picks the size class: the one the spec names, else the config's default class.
 * An unknown class is an error, never a silent fallback (users would get a size they did not ask for).
 */
export function resolveClass<C>(
  classes: Record<string, C> | undefined,
  defaultClass: string | undefined | null,
  requested: string | undefined,
): ClassResolution<C> {
  const available = Object.keys(classes ?? {});
  const name = requested || defaultClass || undefined;
  if (!name) {
    return { ok: false, problem: { reason: Reason.UnknownClass, field: 'spec.size.class', message: 'no size class given and the backend has no default_class' } };
  }
  const value = classes?.[name];
  if (value === undefined) {
    const which = requested ? `size class "${requested}"` : `default_class "${name}"`;
    const list = available.length ? available.join(', ') : 'none configured';
    return { ok: false, problem: { reason: Reason.UnknownClass, field: 'spec.size.class', message: `unknown ${which}; available: ${list}` } };
  }
  return { ok: true, name, value };
}

export interface SizeLimits {
  cpu_limit?: number | null;
  memory_limit_mb?: number | null;
  storage_limit_gb?: number | null;
}

/** Checks the requested size against the admin's upper limits (unset or 0 = no limit). */
export function checkLimits(size: ServerSpec['size'], limits: SizeLimits): Problem[] {
  const problems: Problem[] = [];
  const over = (field: string, value: number | undefined, limit: number | null | undefined, unit: string) => {
    if (limit && value !== undefined && value > limit) {
      problems.push({ reason: Reason.LimitExceeded, field, message: `${field} ${value}${unit} is over the limit of ${limit}${unit}` });
    }
  };
  over('spec.size.storageGB', size.storageGB, limits.storage_limit_gb, ' GB');
  over('spec.size.cpu', size.cpu, limits.cpu_limit, ' CPUs');
  over('spec.size.memoryMB', size.memoryMB, limits.memory_limit_mb, ' MB');
  return problems;
}
