import type { Ctx } from './context.js';
import { FOREGROUND_FINALIZER, ORPHAN_FINALIZER, UNDELETABLE_NAMESPACES } from './context.js';
import { ApiError, alreadyExists, conflict, forbidden, namespaceNotFound, notFound } from './errors.js';
import { now } from './object-meta.js';
import type { KubeObject, ResourceType } from './types.js';
import { isRecord } from './types.js';
import type { UpdateOptions } from './write-rules.js';
import { isNoop, prepareCreate, prepareUpdate, readyToRemove } from './write-rules.js';

export interface WriteResult {
  object: KubeObject;
  /** 201 for creates (POST, create-on-update PUT, apply that creates), else 200. */
  created: boolean;
}

const isNamespaceType = (t: ResourceType): boolean => t.group === '' && t.plural === 'namespaces';

export function getObject(ctx: Ctx, t: ResourceType, ns: string | undefined, name: string): KubeObject {
  const obj = ctx.store.get(t, ns, name);
  if (!obj) throw notFound(t, name);
  return obj;
}

/** The NamespaceLifecycle admission check: the namespace must exist and not be terminating. */
function checkNamespace(ctx: Ctx, t: ResourceType, ns: string, name: string): void {
  const nsType = ctx.registry.byKey('/namespaces');
  const namespace = nsType && ctx.store.get(nsType, undefined, ns);
  if (!namespace) throw namespaceNotFound(ns);
  if (namespace.metadata.deletionTimestamp) {
    const err = forbidden(t, name, `unable to create new content in namespace ${ns} because it is being terminated`);
    throw new ApiError(err.code, err.reason, err.message, { ...err.details, causes: [{ reason: 'NamespaceTerminating', message: `namespace ${ns} is being terminated`, field: 'metadata.namespace' }] });
  }
}

export function createObject(ctx: Ctx, t: ResourceType, version: string, ns: string | undefined, body: unknown): KubeObject {
  const obj = prepareCreate(t, version, body, ns);
  const name = obj.metadata.name ?? '';
  if (t.namespaced) checkNamespace(ctx, t, ns ?? '', name);
  if (ctx.store.get(t, ns, name)) throw alreadyExists(t, name);
  return ctx.store.insert(t, obj);
}

/** Stores a prepared update: nothing for a no-op, removal when the last finalizer went away. */
export function commitUpdate(ctx: Ctx, t: ResourceType, old: KubeObject, next: KubeObject): KubeObject {
  if (isNoop(old, next)) return old;
  if (readyToRemove(t, next)) {
    ctx.store.remove(t, old);
    // Like the real server, answer with the requested object, not a Status.
    return next;
  }
  return ctx.store.replace(t, old, next);
}

/** The object a request addresses: its type, the version it is served at, namespace and name. */
export interface Target {
  t: ResourceType;
  version: string;
  namespace: string | undefined;
  name: string;
}

export function updateObject(ctx: Ctx, { t, version, namespace: ns, name }: Target, body: unknown, opts: UpdateOptions): WriteResult {
  const old = ctx.store.get(t, ns, name);
  if (!old) {
    if (!t.createOnUpdate || opts.subresource) throw notFound(t, name);
    const withName = isRecord(body) ? { ...body, metadata: { ...(isRecord(body.metadata) ? body.metadata : {}), name, resourceVersion: undefined } } : body;
    return { object: createObject(ctx, t, version, ns, withName), created: true };
  }
  return { object: commitUpdate(ctx, t, old, prepareUpdate(t, version, old, body, opts)), created: false };
}

export interface DeleteOptions {
  propagationPolicy?: string;
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
}

function invalidDeleteOptions(message: string): ApiError {
  return new ApiError(422, 'Invalid', `DeleteOptions.meta.k8s.io "" is invalid: ${message}`, { group: 'meta.k8s.io', kind: 'DeleteOptions' });
}

/** The GC finalizers a DELETE with this propagation policy leaves on the object (as the real registry). */
function finalizersFor(current: string[], opts: DeleteOptions): string[] {
  let policy = opts.propagationPolicy;
  if (policy !== undefined && opts.orphanDependents !== undefined) throw invalidDeleteOptions('[orphanDependents: Invalid value: false: orphanDependents and deletionPropagation cannot be both set]');
  if (opts.orphanDependents !== undefined) policy = opts.orphanDependents ? 'Orphan' : 'Background';
  if (policy !== undefined && !['Orphan', 'Foreground', 'Background'].includes(policy)) {
    throw invalidDeleteOptions(`propagationPolicy: Unsupported value: ${JSON.stringify(policy)}: supported values: "Foreground", "Background", "Orphan", "nil"`);
  }
  const rest = current.filter((f) => f !== ORPHAN_FINALIZER && f !== FOREGROUND_FINALIZER);
  if (policy === 'Orphan') return [...rest, ORPHAN_FINALIZER];
  if (policy === 'Foreground') return [...rest, FOREGROUND_FINALIZER];
  if (policy === 'Background') return rest;
  return current;
}

function checkDeletePreconditions(t: ResourceType, obj: KubeObject, opts: DeleteOptions): void {
  const p = opts.preconditions ?? {};
  const name = obj.metadata.name ?? '';
  if (p.uid && p.uid !== obj.metadata.uid) throw conflict(t, name, `Precondition failed: UID in precondition: ${p.uid}, UID in object meta: ${obj.metadata.uid ?? ''}`);
  if (p.resourceVersion && p.resourceVersion !== obj.metadata.resourceVersion) {
    throw conflict(t, name, `Precondition failed: ResourceVersion in precondition: ${p.resourceVersion}, ResourceVersion in object meta: ${obj.metadata.resourceVersion ?? ''}`);
  }
}

function markDeleting(t: ResourceType, existing: KubeObject, finalizers: string[]): KubeObject {
  const next = structuredClone(existing);
  next.metadata.finalizers = finalizers;
  if (finalizers.length === 0) delete next.metadata.finalizers;
  next.metadata.deletionTimestamp = now();
  if (isNamespaceType(t)) next.status = { ...(isRecord(next.status) ? next.status : {}), phase: 'Terminating' };
  else {
    next.metadata.deletionGracePeriodSeconds = 0;
    if ((next.metadata.generation ?? 0) > 0) next.metadata.generation = (next.metadata.generation ?? 0) + 1;
  }
  return next;
}

/**
 * DELETE: objects with finalizers (or a Foreground/Orphan policy, or namespaces) are only marked
 * (deletionTimestamp, MODIFIED); the rest are removed (DELETED). A second DELETE changes nothing.
 */
export function deleteObject(ctx: Ctx, t: ResourceType, ns: string | undefined, name: string, opts: DeleteOptions): { object: KubeObject; deleted: boolean } {
  const existing = getObject(ctx, t, ns, name);
  checkDeletePreconditions(t, existing, opts);
  if (existing.metadata.deletionTimestamp) return { object: existing, deleted: false };
  if (isNamespaceType(t) && UNDELETABLE_NAMESPACES.includes(name)) throw forbidden(t, name, 'this namespace may not be deleted');
  const finalizers = finalizersFor(existing.metadata.finalizers ?? [], opts);
  if (finalizers.length > 0 || isNamespaceType(t)) {
    return { object: ctx.store.replace(t, existing, markDeleting(t, existing, finalizers)), deleted: false };
  }
  return { object: ctx.store.remove(t, existing), deleted: true };
}

/**
 * A write by one of the fake's controllers (GC, namespace, CRD): the same update rules as a client
 * PUT, at the type's preferred version, guarded by the object's current resourceVersion.
 */
export function systemUpdate(ctx: Ctx, t: ResourceType, obj: KubeObject, mutate: (o: KubeObject) => void, subresource?: string): void {
  const version = t.versions[0] ?? 'v1';
  const next = { ...structuredClone(obj), apiVersion: t.group ? `${t.group}/${version}` : version };
  mutate(next);
  commitUpdate(ctx, t, obj, prepareUpdate(t, version, obj, next, { ...(subresource ? { subresource } : {}), requireResourceVersion: true }));
}
