import type * as k8s from '@kubernetes/client-node';
import { ACTION_LABEL } from '../api/constants.js';
import { READY } from '../api/conditions.js';
import type { Condition } from '../api/types.js';

interface WithStatus {
  status?: { observedGeneration?: number; conditions?: Condition[] };
}

/**
 * The parts of an object whose change needs a reconcile: spec (through generation), labels
 * (the reset-password action), annotations and deletion. Status and finalizers are left out on
 * purpose: our own status and finalizer writes must not trigger another round (a deletion is
 * signalled by deletionTimestamp, not by finalizers).
 */
export function changeSignature(obj: k8s.KubernetesObject): string {
  const m = obj.metadata ?? {};
  return JSON.stringify([m.generation, m.labels ?? {}, m.annotations ?? {}, m.deletionTimestamp ?? null]);
}

/** Ready for its current generation, no action asked, not being deleted. */
export function isSettled(obj: { metadata?: { generation?: number; deletionTimestamp?: unknown; labels?: Record<string, string> } } & WithStatus): boolean {
  const m = obj.metadata ?? {};
  if (m.deletionTimestamp || m.labels?.[ACTION_LABEL]) return false;
  const status = obj.status;
  if (!status || status.observedGeneration !== m.generation) return false;
  return status.conditions?.some((c) => c.type === READY && c.status === 'True') ?? false;
}

/**
 * Milliseconds until work the status says is due (a rotation's grace period ending, a scheduled
 * rotation; ADR 0016), or undefined. A restart schedules such objects no later than that, instead
 * of somewhere in the resync period.
 */
export function dueInMs(obj: { status?: { passwordRotation?: { previousLoginUntil?: string; nextRotation?: string } } }, now = Date.now()): number | undefined {
  const r = obj.status?.passwordRotation;
  const times = [r?.previousLoginUntil, r?.nextRotation].filter((t): t is string => Boolean(t)).map((t) => Date.parse(t) - now);
  return times.length ? Math.max(0, Math.min(...times)) : undefined;
}
