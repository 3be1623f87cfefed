import { FINALIZER } from '../api/constants.js';
import type { Condition, ConditionStatus, ObjectMeta } from '../api/types.js';
import type { CustomResourceClient } from '../k8s/custom-resources.js';
import { isNotFound } from '../k8s/clients.js';
import { jsonEqual, readyCondition, readyOf } from '../reconcile/conditions.js';
import { KOPF_FINALIZER } from './takeover.js';

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  status?: { conditions?: Condition[]; observedGeneration?: number; adoption?: unknown };
}

/**
 * Adds our finalizer (optimistic concurrency: a stale object gives 409 and the key is retried).
 * The Python operator's (kopf's) finalizer stays until the takeover is recorded in
 * `status.adoption` (until then a rollback to the Python operator finds its objects as it left
 * them); then nothing would ever remove it, so it is replaced by ours.
 */
export async function ensureFinalizer<T extends Obj>(client: CustomResourceClient<T>, obj: T): Promise<T> {
  const current = obj.metadata.finalizers ?? [];
  const dropKopf = obj.status?.adoption !== undefined && current.includes(KOPF_FINALIZER);
  if (current.includes(FINALIZER) && !dropKopf) return obj;
  const updated = structuredClone(obj);
  updated.metadata.finalizers = [...current.filter((f) => (!dropKopf || f !== KOPF_FINALIZER) && f !== FINALIZER), FINALIZER];
  return client.replace(updated);
}

/**
 * Releases the object once its deletion is done. kopf's finalizer goes too: this operator did the
 * deletion the Python operator would have done, and nobody else would ever remove it.
 */
export async function removeFinalizer<T extends Obj>(client: CustomResourceClient<T>, obj: T): Promise<void> {
  if (!holdsDeletion(obj)) return;
  const updated = structuredClone(obj);
  updated.metadata.finalizers = (obj.metadata.finalizers ?? []).filter((f) => f !== FINALIZER && f !== KOPF_FINALIZER);
  try {
    await client.replace(updated);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/**
 * Whether this operator carries out the object's deletion: our finalizer, or kopf's on an object
 * the Python operator left (deleted before this operator's first reconcile added ours).
 */
export function holdsDeletion(obj: { metadata: ObjectMeta }): boolean {
  const finalizers = obj.metadata.finalizers ?? [];
  return finalizers.includes(FINALIZER) || finalizers.includes(KOPF_FINALIZER);
}

export interface ReadyReport {
  status: ConditionStatus;
  reason: string;
  message: string;
  /** Other status fields to set alongside (backend, endpoint, …). */
  fields?: Record<string, unknown>;
  /** Conditions besides Ready to set (or, with null, remove) by type, e.g. a database's GrantRevoked. */
  sideConditions?: Record<string, { status: ConditionStatus; reason: string; message: string } | null>;
}

/**
 * Writes the status only when something changed (no write on an idle resync). Returns whether
 * the Ready condition's reason changed, so the caller can record an event once per transition.
 */
export async function writeStatus<T extends Obj>(client: CustomResourceClient<T>, obj: T, report: ReadyReport): Promise<{ changed: boolean; reasonChanged: boolean }> {
  const previous = (obj.status ?? {}) as Record<string, unknown> & { conditions?: Condition[] };
  const before = readyOf(previous.conditions);
  const conditions = readyCondition(withSideConditions(previous.conditions, report.sideConditions, obj.metadata.generation), report.status, report.reason, report.message, obj.metadata.generation);
  const next: Record<string, unknown> = { ...previous, ...report.fields, conditions, observedGeneration: obj.metadata.generation };
  const reasonChanged = before?.reason !== report.reason || before?.status !== report.status;
  if (jsonEqual(previous, next)) return { changed: false, reasonChanged };
  try {
    const updated = await client.patchStatus(obj.metadata.namespace, obj.metadata.name, mergePatchFor(previous, next));
    obj.status = (updated as T).status ?? (next as T['status']);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  return { changed: true, reasonChanged };
}

/** A JSON merge patch turning `prev` into `next`: keys that disappear are sent as null. */
export function mergePatchFor(prev: Record<string, unknown>, next: Record<string, unknown>): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const key of Object.keys(prev)) if (!(key in next) || next[key] === undefined) patch[key] = null;
  for (const [key, value] of Object.entries(next)) {
    if (value === undefined) continue;
    const old = prev[key];
    patch[key] = isPlainObject(value) && isPlainObject(old) ? mergePatchFor(old, value) : value;
  }
  return patch;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function withSideConditions(previous: Condition[] | undefined, side: ReadyReport['sideConditions'], generation: number | undefined): Condition[] | undefined {
  if (!side) return previous;
  let out = [...(previous ?? [])];
  for (const [type, wanted] of Object.entries(side)) {
    const old = out.find((c) => c.type === type);
    out = out.filter((c) => c.type !== type);
    if (!wanted) continue;
    const lastTransitionTime = old && old.status === wanted.status ? old.lastTransitionTime : new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    out.push({ type, ...wanted, observedGeneration: generation, lastTransitionTime });
  }
  return out;
}
