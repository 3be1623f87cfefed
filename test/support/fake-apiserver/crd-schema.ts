import type { Schema } from './types.js';
import { isRecord } from './types.js';

/**
 * Structural defaulting as the real server does it on every write: nulls in non-nullable fields are
 * dropped first, then missing fields get their schema `default` (a defaulted object gets its own
 * nested defaults too). Mutates `value` in place.
 */
export function applyDefaults(value: unknown, schema: Schema | undefined): void {
  if (!schema) return;
  if (Array.isArray(value) && schema.items) {
    const items = schema.items;
    value.forEach((el, i) => {
      if (el === null && items.default !== undefined) value[i] = structuredClone(items.default);
      applyDefaults(value[i], items);
    });
    return;
  }
  if (!isRecord(value)) return;
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    if (value[key] === null && !prop.nullable) delete value[key];
    if (value[key] === undefined && prop.default !== undefined) value[key] = structuredClone(prop.default);
    applyDefaults(value[key], prop);
  }
  if (isRecord(schema.additionalProperties)) {
    for (const key of Object.keys(value)) applyDefaults(value[key], schema.additionalProperties);
  }
}

const EMBEDDED_KEYS = ['apiVersion', 'kind', 'metadata'];

/**
 * Drops fields the schema does not declare (unless x-kubernetes-preserve-unknown-fields), as the
 * real server does for structural schemas. apiVersion/kind/metadata of the object itself (and of
 * embedded resources) are always kept. Mutates `value` in place.
 */
export function prune(value: unknown, schema: Schema | undefined, isRoot = false): void {
  if (!schema || schema['x-kubernetes-int-or-string']) return;
  if (Array.isArray(value)) {
    if (schema.items) value.forEach((el) => prune(el, schema.items));
    return;
  }
  if (!isRecord(value)) return;
  pruneObject(value, schema, isRoot || schema['x-kubernetes-embedded-resource'] === true);
}

function pruneObject(value: Record<string, unknown>, schema: Schema, keepMeta: boolean): void {
  const props = schema.properties ?? {};
  const keepUnknown = schema['x-kubernetes-preserve-unknown-fields'] === true || schema.additionalProperties !== undefined;
  for (const key of Object.keys(value)) {
    // The root's apiVersion/kind/metadata are the API server's, never pruned by the CRD schema
    // (a CRD may still declare `metadata: {type: object}`, as generated CRDs do).
    if (keepMeta && EMBEDDED_KEYS.includes(key)) continue;
    if (props[key]) prune(value[key], props[key]);
    else if (isRecord(schema.additionalProperties)) prune(value[key], schema.additionalProperties);
    else if (!keepUnknown && !(keepMeta && EMBEDDED_KEYS.includes(key))) delete value[key];
  }
}
