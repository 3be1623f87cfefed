import type { FieldError } from './errors.js';
import { badRequest } from './errors.js';
import { canonical } from './patch.js';
import type { KubeObject, ResourceType } from './types.js';
import { isRecord } from './types.js';

const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

// metav1.MicroTime is parsed with layout "2006-01-02T15:04:05.000000Z07:00": exactly six fraction
// digits. A JS Date serialises with three, so clients must send client-node's V1MicroTime.
const MICRO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}(Z|[+-]\d{2}:\d{2})$/;
const MICRO_TIME_FIELDS: Record<string, string[]> = {
  'coordination.k8s.io/leases': ['spec.acquireTime', 'spec.renewTime'],
  'events.k8s.io/events': ['eventTime', 'series.lastObservedTime'],
  '/events': ['eventTime', 'series.lastObservedTime'],
};

const undecodable = (t: ResourceType, why: string) => badRequest(`${t.kind} in version "v1" cannot be handled as a ${t.kind}: ${why}`);

function fieldAt(obj: KubeObject, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split('.')) cur = isRecord(cur) ? cur[part] : undefined;
  return cur;
}

function checkMicroTimes(t: ResourceType, obj: KubeObject): void {
  for (const path of MICRO_TIME_FIELDS[`${t.group}/${t.plural}`] ?? []) {
    const v = fieldAt(obj, path);
    if (v !== undefined && v !== null && (typeof v !== 'string' || !MICRO_TIME.test(v))) {
      throw undecodable(t, `parsing time ${JSON.stringify(v)} as "2006-01-02T15:04:05.000000Z07:00": cannot parse as ".000000"`);
    }
  }
}

/**
 * Errors the real server raises while DECODING the body (400, not 422): Secret data and
 * ConfigMap binaryData are []byte, so they must be valid base64; MicroTime fields need six
 * fraction digits.
 */
export function checkDecodable(t: ResourceType, obj: KubeObject): void {
  checkMicroTimes(t, obj);
  const field = t.plural === 'secrets' ? 'data' : t.plural === 'configmaps' ? 'binaryData' : undefined;
  if (t.group !== '' || !field || !isRecord(obj[field])) return;
  for (const v of Object.values(obj[field])) {
    if (typeof v !== 'string' || !BASE64.test(v)) throw undecodable(t, 'illegal base64 data at input byte 0');
  }
}

function keyErrors(field: string, map: unknown): FieldError[] {
  if (!isRecord(map)) return [];
  return Object.keys(map)
    .filter((k) => !CONFIG_KEY.test(k) || k === '.' || k === '..')
    .map((k) => ({
      field: `${field}[${k}]`,
      reason: 'FieldValueInvalid' as const,
      message: `Invalid value: ${JSON.stringify(k)}: a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`,
    }));
}

/** Secrets and ConfigMaps marked immutable keep their data; a Secret's type never changes. */
function immutabilityErrors(t: ResourceType, obj: KubeObject, old: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  if (t.plural === 'secrets' && old.type !== obj.type) {
    errs.push({ field: 'type', reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(obj.type)}: field is immutable` });
  }
  if (old.immutable === true) {
    if (obj.immutable !== true) errs.push({ field: 'immutable', reason: 'FieldValueForbidden', message: 'Forbidden: field is immutable when `immutable` is set' });
    for (const f of ['data', 'binaryData']) {
      if (JSON.stringify(old[f] ?? {}) !== JSON.stringify(obj[f] ?? {})) errs.push({ field: f, reason: 'FieldValueForbidden', message: 'Forbidden: field is immutable when `immutable` is set' });
    }
  }
  return errs;
}

/** events.k8s.io/v1 requires what the newer Event API made mandatory. */
function eventsV1Errors(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of ['eventTime', 'reportingController', 'reportingInstance', 'action', 'reason']) {
    if (!obj[f]) errs.push({ field: f, reason: 'FieldValueRequired', message: 'Required value' });
  }
  if (obj.type !== 'Normal' && obj.type !== 'Warning') {
    errs.push({ field: 'type', reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(obj.type ?? '')}: supported values: "Normal", "Warning"` });
  }
  return errs;
}

/** A Job's pods run to completion: the real API accepts only Never or OnFailure (not the pod default Always). */
function jobRestartPolicyErrors(jobSpec: unknown, field: string): FieldError[] {
  const policy = isRecord(jobSpec) && isRecord(jobSpec.template) && isRecord(jobSpec.template.spec) ? jobSpec.template.spec.restartPolicy : undefined;
  if (policy === 'Never' || policy === 'OnFailure') return [];
  return [{ field: `${field}.template.spec.restartPolicy`, reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(policy ?? '')}: supported values: "OnFailure", "Never"` }];
}

/** A Job's pod template and selector cannot change once it exists (its pods were made from them). */
function jobImmutabilityErrors(obj: KubeObject, old: KubeObject): FieldError[] {
  const spec = isRecord(obj.spec) ? obj.spec : {};
  const oldSpec = isRecord(old.spec) ? old.spec : {};
  // Compared as canonical JSON: objects cloned across realms (jest's VM) differ in prototype only.
  const same = (a: unknown, b: unknown): boolean => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
  return ['template', 'selector']
    .filter((f) => !same(spec[f], oldSpec[f]))
    .map((f) => ({ field: `spec.${f}`, reason: 'FieldValueInvalid' as const, message: `Invalid value: ${JSON.stringify(spec[f] ?? null)}: field is immutable` }));
}

function batchErrors(t: ResourceType, obj: KubeObject, old?: KubeObject): FieldError[] {
  const spec = isRecord(obj.spec) ? obj.spec : {};
  if (t.plural === 'jobs') return [...jobRestartPolicyErrors(spec, 'spec'), ...(old ? jobImmutabilityErrors(obj, old) : [])];
  if (t.plural === 'cronjobs') return jobRestartPolicyErrors(isRecord(spec.jobTemplate) ? spec.jobTemplate.spec : undefined, 'spec.jobTemplate.spec');
  return [];
}

/** Type-specific validation of built-in objects (a representative subset of the real rules). */
export function validateBuiltin(t: ResourceType, obj: KubeObject, old?: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  if (t.group === '' && (t.plural === 'secrets' || t.plural === 'configmaps')) {
    errs.push(...keyErrors('data', obj.data), ...keyErrors('binaryData', obj.binaryData));
    if (old) errs.push(...immutabilityErrors(t, obj, old));
  }
  if (t.group === 'events.k8s.io' && !old) errs.push(...eventsV1Errors(obj));
  if (t.group === 'batch') errs.push(...batchErrors(t, obj, old));
  return errs;
}
