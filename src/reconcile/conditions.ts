import { READY } from '../api/conditions.js';
import type { Condition, ConditionStatus } from '../api/types.js';
import { byCodeUnits } from '../util/order.js';

/**
 * Sets the Ready condition, keeping `lastTransitionTime` when the status did not flip
 * (so a resync that finds nothing new changes nothing).
 */
export function readyCondition(
  previous: Condition[] | undefined,
  status: ConditionStatus,
  reason: string,
  message: string,
  observedGeneration: number | undefined,
  now: Date = new Date(),
): Condition[] {
  const old = previous?.find((c) => c.type === READY);
  const lastTransitionTime = old && old.status === status ? old.lastTransitionTime : now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const ready: Condition = { type: READY, status, reason, message: truncate(message), observedGeneration, lastTransitionTime };
  return [...(previous ?? []).filter((c) => c.type !== READY), ready];
}

export function readyOf(conditions: Condition[] | undefined): Condition | undefined {
  return conditions?.find((c) => c.type === READY);
}

/** Kubernetes caps condition messages at 32 KiB; keep them readable well before that. */
function truncate(message: string): string {
  return message.length > 1024 ? `${message.slice(0, 1021)}...` : message;
}

/** Deep equality for JSON values (status comparisons before writing). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>)
        .filter(([, x]) => x !== undefined)
        .sort(([a], [b]) => byCodeUnits(a, b))
        .map(([k, x]) => [k, sortKeys(x)]),
    );
  }
  return v;
}
