import { randomUUID } from 'node:crypto';
import type { FieldError } from './errors.js';
import type { KubeObject, ResourceType } from './types.js';

let lastSecond = { at: Number.NaN, text: '' };

/** RFC 3339 with second precision, like metav1.Time (formatted once per second: every write asks). */
export function now(): string {
  const second = Math.floor(Date.now() / 1000);
  if (second !== lastSecond.at) lastSecond = { at: second, text: new Date(second * 1000).toISOString().replace('.000Z', 'Z') };
  return lastSecond.text;
}

export const newUid = (): string => randomUUID();

// The real generator's alphabet (no vowels, no look-alikes) and its 5-character suffix.
const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
export function generatedName(base: string): string {
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += SUFFIX_ALPHABET[Math.floor(Math.random() * SUFFIX_ALPHABET.length)];
  return base.slice(0, 58) + suffix;
}

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

const SUBDOMAIN_MSG = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_1123_MSG = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const LABEL_1035_MSG = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

const bad = (field: string, value: unknown, detail: string): FieldError => ({ field, reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(value)}: ${detail}` });

/** Names: namespaces are RFC 1123 labels, services DNS-1035 labels, everything else subdomains. */
export function validateName(t: ResourceType, name: string): FieldError[] {
  if (t.group === '' && t.plural === 'namespaces') {
    return name.length <= 63 && LABEL_1123.test(name) ? [] : [bad('metadata.name', name, LABEL_1123_MSG)];
  }
  if (t.group === '' && t.plural === 'services') {
    return name.length <= 63 && LABEL_1035.test(name) ? [] : [bad('metadata.name', name, LABEL_1035_MSG)];
  }
  return name.length <= 253 && SUBDOMAIN.test(name) ? [] : [bad('metadata.name', name, SUBDOMAIN_MSG)];
}

function qualifiedNameErrors(field: string, key: string): FieldError[] {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  const errs: FieldError[] = [];
  if (prefix !== undefined && !(prefix.length <= 253 && SUBDOMAIN.test(prefix))) errs.push(bad(field, key, `prefix part ${SUBDOMAIN_MSG}`));
  if (!QUALIFIED_NAME.test(name)) {
    errs.push(bad(field, key, "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"));
  } else if (name.length > 63) errs.push(bad(field, key, 'name part must be no more than 63 characters'));
  return errs;
}

function labelErrors(labels: Record<string, unknown>): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels)) {
    errs.push(...qualifiedNameErrors('metadata.labels', k));
    if (typeof v !== 'string' || v.length > 63 || !LABEL_VALUE.test(v)) {
      errs.push(bad('metadata.labels', v, "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"));
    }
  }
  return errs;
}

function ownerRefErrors(obj: KubeObject): FieldError[] {
  const refs = obj.metadata.ownerReferences ?? [];
  const errs: FieldError[] = [];
  refs.forEach((r, i) => {
    for (const f of ['apiVersion', 'kind', 'name', 'uid'] as const) {
      if (!r[f]) errs.push({ field: `metadata.ownerReferences[${i}].${f}`, reason: 'FieldValueInvalid', message: `Invalid value: "": ${f} must not be empty` });
    }
  });
  if (refs.filter((r) => r.controller).length > 1) {
    errs.push({ field: 'metadata.ownerReferences', reason: 'FieldValueInvalid', message: `Invalid value: []v1.OwnerReference{...}: Only one reference can have Controller set to true` });
  }
  return errs;
}

/** ObjectMeta validation common to every type (names, labels, annotation keys, finalizers, owners). */
export function validateMeta(t: ResourceType, obj: KubeObject): FieldError[] {
  const m = obj.metadata;
  const errs: FieldError[] = [];
  if (!m.name) errs.push({ field: 'metadata.name', reason: 'FieldValueRequired', message: 'Required value: name or generateName is required' });
  else errs.push(...validateName(t, m.name));
  errs.push(...labelErrors(m.labels ?? {}));
  for (const k of Object.keys(m.annotations ?? {})) errs.push(...qualifiedNameErrors('metadata.annotations', k).map((e) => ({ ...e, field: 'metadata.annotations' })));
  for (const f of m.finalizers ?? []) errs.push(...qualifiedNameErrors('metadata.finalizers', f));
  errs.push(...ownerRefErrors(obj));
  return errs;
}
