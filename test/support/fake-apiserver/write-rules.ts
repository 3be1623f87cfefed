import { applyBuiltinDefaults, initialStatus } from './builtin-defaults.js';
import { checkDecodable, validateBuiltin } from './builtin-validation.js';
import { CRD_CLEANUP_FINALIZER } from './context.js';
import { crdDefaults, crdInitialStatus, isCrdType, validateCrd } from './crd.js';
import { applyDefaults, prune } from './crd-schema.js';
import { validateValue } from './crd-validate.js';
import type { FieldError } from './errors.js';
import { badRequest, conflict, internalError, invalid, staleObject } from './errors.js';
import { generatedName, newUid, now, validateMeta } from './object-meta.js';
import { canonical } from './patch.js';
import type { KubeObject, ResourceType } from './types.js';
import { apiVersionOf, isRecord } from './types.js';

/** Request bodies decoded for one write alone, not yet used (see `handOver`). */
const handedOver = new WeakSet<object>();

/**
 * Marks a request body decoded for this write alone: nobody else holds it, so the write may default
 * and store it as it is instead of copying it first (a copy per write was a measurable part of the
 * fake's CPU in the benchmarks). Good for one use; any other body (a patched object sharing parts
 * with the stored one, a caller's literal) is copied.
 */
export function handOver<T>(body: T): T {
  if (isRecord(body)) handedOver.add(body);
  return body;
}

/** Body → object: must be a JSON object; kind/apiVersion, when given, must match the endpoint. */
export function asObject(t: ResourceType, version: string, body: unknown): KubeObject {
  if (!isRecord(body)) throw badRequest(`the body of the request could not be decoded as a ${t.kind}`);
  const obj = (handedOver.delete(body) ? body : structuredClone(body)) as KubeObject;
  if (!isRecord(obj.metadata)) obj.metadata = {};
  const expected = apiVersionOf(t.group, version);
  if (t.custom && (!obj.kind || !obj.apiVersion)) throw badRequest(`Object 'Kind' is missing in '${JSON.stringify(body)}'`);
  if (obj.apiVersion !== undefined && obj.apiVersion !== expected) {
    throw badRequest(`the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${expected})`);
  }
  if (obj.kind !== undefined && obj.kind !== t.kind) throw badRequest(`the kind in the data (${String(obj.kind)}) does not match the expected kind (${t.kind})`);
  obj.apiVersion = expected;
  obj.kind = t.kind;
  return obj;
}

/** Defaulting, pruning and validation shared by create and update. */
function admit(t: ResourceType, version: string, obj: KubeObject, old?: KubeObject): void {
  const errs: FieldError[] = [];
  if (t.custom) {
    const schema = t.schemas?.get(version);
    prune(obj, schema, true);
    applyDefaults(obj, schema);
    validateValue(obj, schema, '', errs);
  } else {
    checkDecodable(t, obj);
    applyBuiltinDefaults(t, obj, old);
    if (isCrdType(t)) {
      crdDefaults(obj);
      errs.push(...validateCrd(obj));
    }
    errs.push(...validateBuiltin(t, obj, old));
  }
  errs.unshift(...validateMeta(t, obj));
  if (errs.length > 0) throw invalid(t, obj.metadata.name ?? '', errs);
}

/** The object a create request stores (everything but the resourceVersion). */
export function prepareCreate(t: ResourceType, version: string, body: unknown, urlNamespace: string | undefined): KubeObject {
  const obj = asObject(t, version, body);
  const m = obj.metadata;
  if (t.namespaced) {
    if (m.namespace && m.namespace !== urlNamespace) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    m.namespace = urlNamespace;
  } else delete m.namespace;
  if (m.resourceVersion) throw internalError('resourceVersion should not be set on objects to be created');
  if (!m.name && m.generateName) m.name = generatedName(m.generateName);
  m.uid = newUid();
  m.creationTimestamp = now();
  delete m.deletionTimestamp;
  delete m.deletionGracePeriodSeconds;
  delete m.selfLink;
  delete m.managedFields;
  if (t.generation === 'none') delete m.generation;
  else m.generation = 1;
  if (t.statusSubresource) {
    // Create may not set status where status is a subresource.
    delete obj.status;
    const initial = isCrdType(t) ? crdInitialStatus(obj) : initialStatus(t);
    if (initial !== undefined) obj.status = initial;
  }
  if (isCrdType(t)) m.finalizers = [...new Set([...(m.finalizers ?? []), CRD_CLEANUP_FINALIZER])];
  admit(t, version, obj);
  return obj;
}

export interface UpdateOptions {
  subresource?: string;
  /** A PUT must carry metadata.resourceVersion unless the type allows unconditional updates. */
  requireResourceVersion: boolean;
}

function checkPreconditions(t: ResourceType, old: KubeObject, obj: KubeObject, opts: UpdateOptions): void {
  const m = obj.metadata;
  const name = old.metadata.name ?? '';
  if (m.name !== undefined && m.name !== name) throw badRequest(`the name of the object (${m.name}) does not match the name on the URL (${name})`);
  if (t.namespaced && m.namespace && m.namespace !== old.metadata.namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  if (!m.resourceVersion) {
    if (opts.requireResourceVersion && !t.unconditionalUpdate) {
      throw invalid(t, name, [{ field: 'metadata.resourceVersion', reason: 'FieldValueInvalid', message: 'Invalid value: 0x0: must be specified for an update' }]);
    }
  } else if (m.resourceVersion !== old.metadata.resourceVersion) throw staleObject(t, name);
  if (m.uid && m.uid !== old.metadata.uid) {
    throw conflict(t, name, `Precondition failed: UID in precondition: ${m.uid}, UID in object meta: ${old.metadata.uid ?? ''}`);
  }
}

/** System-owned metadata comes from the stored object whatever the request says. */
function keepSystemMeta(old: KubeObject, obj: KubeObject): void {
  const m = obj.metadata;
  const o = old.metadata;
  m.name = o.name;
  if (o.namespace !== undefined) m.namespace = o.namespace;
  else delete m.namespace;
  m.uid = o.uid;
  m.creationTimestamp = o.creationTimestamp;
  m.resourceVersion = o.resourceVersion;
  for (const f of ['generation', 'deletionTimestamp', 'deletionGracePeriodSeconds'] as const) {
    if (o[f] !== undefined) (m as Record<string, unknown>)[f] = o[f];
    else delete m[f];
  }
  delete m.managedFields;
}

const withoutMeta = (o: KubeObject): unknown => canonical({ ...o, metadata: undefined, apiVersion: undefined });

function generationChanged(t: ResourceType, old: KubeObject, obj: KubeObject): boolean {
  if (t.generation === 'spec') return JSON.stringify(canonical(old.spec)) !== JSON.stringify(canonical(obj.spec));
  if (t.generation === 'non-metadata') return JSON.stringify(withoutMeta(old)) !== JSON.stringify(withoutMeta(obj));
  return false;
}

function newFinalizersWhileDeleting(t: ResourceType, old: KubeObject, obj: KubeObject): void {
  if (!old.metadata.deletionTimestamp) return;
  const added = (obj.metadata.finalizers ?? []).filter((f) => !(old.metadata.finalizers ?? []).includes(f));
  if (added.length > 0) {
    throw invalid(t, old.metadata.name ?? '', [{
      field: 'metadata.finalizers',
      reason: 'FieldValueForbidden',
      message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(', ')}}`,
    }]);
  }
}

/** The object an update (PUT, PATCH, or their /status forms) would store. */
export function prepareUpdate(t: ResourceType, version: string, old: KubeObject, body: unknown, opts: UpdateOptions): KubeObject {
  const requested = asObject(t, version, body);
  checkPreconditions(t, old, requested, opts);
  let obj: KubeObject;
  if (opts.subresource === 'status') {
    // A status write changes status only; everything else stays as stored.
    obj = structuredClone(old);
    if (requested.status !== undefined) obj.status = requested.status;
    else delete obj.status;
  } else if (opts.subresource === 'finalize') {
    // Namespace spec.finalizers change only through /finalize (the namespace controller's door).
    obj = structuredClone(old);
    const spec = isRecord(requested.spec) ? requested.spec : {};
    obj.spec = { ...(isRecord(old.spec) ? old.spec : {}), finalizers: spec.finalizers ?? [] };
  } else {
    obj = requested;
    if (t.statusSubresource) {
      if (old.status !== undefined) obj.status = structuredClone(old.status);
      else delete obj.status;
    }
    if (isNamespaceType(t) && isRecord(old.spec)) obj.spec = { ...(isRecord(obj.spec) ? obj.spec : {}), finalizers: old.spec.finalizers };
    keepSystemMeta(old, obj);
    newFinalizersWhileDeleting(t, old, obj);
  }
  obj.apiVersion = apiVersionOf(t.group, version);
  admit(t, version, obj, old);
  // Only the main resource's strategy tracks generation; subresource writes never bump it.
  if (!opts.subresource && generationChanged(t, old, obj)) obj.metadata.generation = (old.metadata.generation ?? 0) + 1;
  return obj;
}

const isNamespaceType = (t: ResourceType): boolean => t.group === '' && t.plural === 'namespaces';

/** True when storing `obj` would change nothing (the real server then skips the write: no new RV, no event). */
export function isNoop(old: KubeObject, obj: KubeObject): boolean {
  const strip = (o: KubeObject): unknown => canonical({ ...o, apiVersion: undefined, metadata: { ...o.metadata, resourceVersion: undefined } });
  return JSON.stringify(strip(old)) === JSON.stringify(strip(obj));
}

/** An object marked for deletion whose finalizers are all gone is removed by the write that empties them. */
export function readyToRemove(t: ResourceType, obj: KubeObject): boolean {
  if (!obj.metadata.deletionTimestamp || (obj.metadata.finalizers ?? []).length > 0) return false;
  if (isNamespaceType(t)) {
    const spec = isRecord(obj.spec) ? obj.spec : {};
    return !Array.isArray(spec.finalizers) || spec.finalizers.length === 0;
  }
  return true;
}
