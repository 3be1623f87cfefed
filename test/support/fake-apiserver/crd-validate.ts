import type { FieldError } from './errors.js';
import type { Schema } from './types.js';
import { isRecord } from './types.js';

/** How apimachinery prints a bad value inside "Invalid value: ...". */
const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : typeof v === 'object' && v !== null ? (Array.isArray(v) ? '[]interface {}' : 'map[string]interface {}') : String(v));

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeMatches(v: unknown, s: Schema): boolean {
  if (s['x-kubernetes-int-or-string']) return typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v));
  switch (s.type) {
    case 'object': return isRecord(v);
    case 'array': return Array.isArray(v);
    case 'string': return typeof v === 'string';
    case 'integer': return typeof v === 'number' && Number.isInteger(v);
    case 'number': return typeof v === 'number';
    case 'boolean': return typeof v === 'boolean';
    default: return true;
  }
}

const invalid = (path: string, v: unknown, detail: string): FieldError => ({ field: path, reason: 'FieldValueInvalid', message: `Invalid value: ${show(v)}: ${detail}` });

function checkNumber(v: number, s: Schema, path: string, out: FieldError[]): void {
  if (s.minimum !== undefined && (s.exclusiveMinimum ? v <= s.minimum : v < s.minimum)) {
    out.push(invalid(path, v, `${path} in body should be greater than ${s.exclusiveMinimum ? '' : 'or equal to '}${s.minimum}`));
  }
  if (s.maximum !== undefined && (s.exclusiveMaximum ? v >= s.maximum : v > s.maximum)) {
    out.push(invalid(path, v, `${path} in body should be less than ${s.exclusiveMaximum ? '' : 'or equal to '}${s.maximum}`));
  }
}

function checkString(v: string, s: Schema, path: string, out: FieldError[]): void {
  const len = [...v].length;
  if (s.maxLength !== undefined && len > s.maxLength) out.push({ field: path, reason: 'FieldValueTooLong', message: `Too long: may not be more than ${s.maxLength} bytes` });
  if (s.minLength !== undefined && len < s.minLength) out.push(invalid(path, v, `${path} in body should be at least ${s.minLength} chars long`));
  if (s.pattern !== undefined && !new RegExp(s.pattern, 'u').test(v)) out.push(invalid(path, v, `${path} in body should match '${s.pattern}'`));
}

function checkArray(v: unknown[], s: Schema, path: string, out: FieldError[]): void {
  if (s.maxItems !== undefined && v.length > s.maxItems) out.push({ field: path, reason: 'FieldValueTooMany', message: `Too many: ${v.length}: must have at most ${s.maxItems} items` });
  if (s.minItems !== undefined && v.length < s.minItems) out.push(invalid(path, v, `${path} in body should have at least ${s.minItems} items`));
  if (s.items) v.forEach((el, i) => validateValue(el, s.items, `${path}[${i}]`, out));
}

function checkObject(v: Record<string, unknown>, s: Schema, path: string, out: FieldError[]): void {
  const child = (k: string): string => (path ? `${path}.${k}` : k);
  for (const r of s.required ?? []) if (v[r] === undefined) out.push({ field: child(r), reason: 'FieldValueRequired', message: 'Required value' });
  const n = Object.keys(v).length;
  if (s.maxProperties !== undefined && n > s.maxProperties) out.push({ field: path, reason: 'FieldValueTooMany', message: `Too many: ${n}: must have at most ${s.maxProperties} items` });
  if (s.minProperties !== undefined && n < s.minProperties) out.push(invalid(path, v, `${path} in body should have at least ${s.minProperties} properties`));
  for (const [k, val] of Object.entries(v)) {
    const ps = s.properties?.[k] ?? (isRecord(s.additionalProperties) ? s.additionalProperties : undefined);
    if (ps && !(path === '' && k === 'metadata')) validateValue(val, ps, child(k), out);
  }
}

function checkCombinators(v: unknown, s: Schema, path: string, out: FieldError[]): void {
  const passes = (sub: Schema): boolean => {
    const errs: FieldError[] = [];
    validateValue(v, sub, path, errs);
    return errs.length === 0;
  };
  for (const sub of s.allOf ?? []) validateValue(v, sub, path, out);
  if (s.anyOf && !s.anyOf.some(passes)) out.push(invalid(path, v, `${path} in body must validate at least one schema (anyOf)`));
  if (s.oneOf && s.oneOf.filter(passes).length !== 1) out.push(invalid(path, v, `${path} in body must validate one and only one schema (oneOf)`));
  if (s.not && passes(s.not)) out.push(invalid(path, v, `${path} in body must not validate the schema (not)`));
}

/**
 * OpenAPI v3 validation of a CRD schema (types, required, enum, pattern, bounds, combinators).
 * CEL rules (x-kubernetes-validations) and `format` are not checked.
 */
export function validateValue(v: unknown, s: Schema | undefined, path: string, out: FieldError[]): void {
  if (!s) return;
  if (v === null) {
    if (!s.nullable && s.type) out.push({ field: path, reason: 'FieldValueTypeInvalid', message: `Invalid value: "null": ${path} in body must be of type ${s.type}: "null"` });
    return;
  }
  if (!typeMatches(v, s)) {
    const want = s['x-kubernetes-int-or-string'] ? 'integer,string' : s.type;
    out.push({ field: path, reason: 'FieldValueTypeInvalid', message: `Invalid value: "${typeName(v)}": ${path} in body must be of type ${want}: "${typeName(v)}"` });
    return;
  }
  if (s.enum && !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(v))) {
    out.push({ field: path, reason: 'FieldValueNotSupported', message: `Unsupported value: ${show(v)}: supported values: ${s.enum.map((e) => JSON.stringify(e)).join(', ')}` });
  }
  if (typeof v === 'number') checkNumber(v, s, path, out);
  if (typeof v === 'string') checkString(v, s, path, out);
  if (Array.isArray(v)) checkArray(v, s, path, out);
  if (isRecord(v)) checkObject(v, s, path, out);
  checkCombinators(v, s, path, out);
}
