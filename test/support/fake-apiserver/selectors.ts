import { badRequest } from './errors.js';
import type { KubeObject, ResourceType } from './types.js';
import { isRecord } from './types.js';

/** A compiled selector: true when the object matches. */
export type Matcher = (obj: KubeObject) => boolean;

type Op = 'exists' | '!exists' | '=' | '!=' | 'in' | 'notin' | 'gt' | 'lt';
interface Requirement {
  key: string;
  op: Op;
  values: string[];
}

const KEY_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const KEY_PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function checkKey(key: string): void {
  const slash = key.lastIndexOf('/');
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const ok = name.length <= 63 && KEY_NAME.test(name) && (prefix === undefined || (prefix.length <= 253 && KEY_PREFIX.test(prefix)));
  if (!ok) throw badRequest(`unable to parse requirement: key: Invalid value: "${key}": not a valid label key`);
}

function checkValue(v: string): void {
  if (v.length > 63 || !LABEL_VALUE.test(v)) {
    throw badRequest(`unable to parse requirement: values[0]: Invalid value: "${v}": not a valid label value`);
  }
}

/** Splits on commas that are not inside "( )" (the separators of `in`/`notin` value sets). */
function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts.map((p) => p.trim());
}

function parseSet(rest: string, raw: string): string[] {
  const m = /^\((.*)\)$/.exec(rest.trim());
  if (!m) throw badRequest(`unable to parse requirement: found '${rest}', expected: '('`);
  const values = (m[1] ?? '').split(',').map((v) => v.trim());
  if (values.length === 1 && values[0] === '') throw badRequest(`unable to parse requirement: ${raw}: for 'in', 'notin' operators, values set can't be empty`);
  return values;
}

function parseRequirement(raw: string): Requirement {
  if (raw.startsWith('!')) return { key: raw.slice(1).trim(), op: '!exists', values: [] };
  const set = /^(\S+)\s+(in|notin)\s*(\(.*\))$/.exec(raw);
  if (set) return { key: set[1] ?? '', op: set[2] as Op, values: parseSet(set[3] ?? '', raw) };
  const cmp = /^([^=!<>\s]+)\s*(==|=|!=|<|>)\s*(.*)$/.exec(raw);
  if (cmp) {
    const op = ({ '==': '=', '=': '=', '!=': '!=', '<': 'lt', '>': 'gt' } as const)[cmp[2] as '==' | '=' | '!=' | '<' | '>'];
    return { key: cmp[1] ?? '', op, values: [(cmp[3] ?? '').trim()] };
  }
  if (/^\S+$/.test(raw)) return { key: raw, op: 'exists', values: [] };
  throw badRequest(`unable to parse requirement: found '${raw}', expected: in, notin, =, ==, !=, gt, lt`);
}

function matches(req: Requirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, req.key);
  const value = labels[req.key];
  switch (req.op) {
    case 'exists': return has;
    case '!exists': return !has;
    case '=': case 'in': return has && req.values.includes(value ?? '');
    case '!=': case 'notin': return !has || !req.values.includes(value ?? '');
    case 'gt': return has && Number(value) > Number(req.values[0]);
    case 'lt': return has && Number(value) < Number(req.values[0]);
  }
}

/** Parses a label selector like the real server (=, ==, !=, in, notin, exists, !key, gt, lt). */
export function parseLabelSelector(selector: string | undefined | null): Matcher {
  if (!selector || !selector.trim()) return () => true;
  const reqs = splitTopLevel(selector).map((raw) => {
    if (!raw) throw badRequest(`unable to parse requirement: found '', expected: identifier`);
    const r = parseRequirement(raw);
    checkKey(r.key);
    if (r.op === 'gt' || r.op === 'lt') {
      if (!/^-?\d+$/.test(r.values[0] ?? '')) throw badRequest(`unable to parse requirement: for 'gt', 'lt' operators, the value must be an integer`);
    } else r.values.forEach(checkValue);
    return r;
  });
  return (obj) => reqs.every((r) => matches(r, obj.metadata.labels ?? {}));
}

function fieldValue(obj: KubeObject, path: string): string {
  if (path === 'source') path = 'source.component';
  let cur: unknown = obj;
  for (const part of path.split('.')) cur = isRecord(cur) ? cur[part] : undefined;
  return cur === undefined || cur === null ? '' : String(cur);
}

/** Splits on an unescaped separator; field selector values escape "\,", "\=" and "\\". */
function splitEscaped(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] ?? '';
    if (ch === '\\' && i + 1 < s.length) {
      cur += ch + (s[i + 1] ?? '');
      i++;
    } else if (ch === sep) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

const unescape = (v: string): string => v.replace(/\\(.)/g, '$1');

/** Parses a field selector; only metadata.name, metadata.namespace and the type's own fields are allowed. */
export function parseFieldSelector(selector: string | undefined | null, t: ResourceType): Matcher {
  if (!selector || !selector.trim()) return () => true;
  const allowed = new Set(['metadata.name', 'metadata.namespace', ...t.fieldSelectors]);
  const reqs = splitEscaped(selector, ',').map((raw) => {
    const m = /^([^=!]+?)\s*(==|=|!=)\s*(.*)$/s.exec(raw.trim());
    if (!m) throw badRequest(`invalid selector: '${selector}'; can't understand '${raw}'`);
    const field = (m[1] ?? '').trim();
    if (!allowed.has(field)) {
      throw badRequest(
        t.custom
          ? `"${field}" is not a known field selector: only "metadata.name", "metadata.namespace"`
          : `field label not supported: ${field}`,
      );
    }
    return { field, negate: m[2] === '!=', value: unescape(m[3] ?? '') };
  });
  return (obj) => reqs.every((r) => (fieldValue(obj, r.field) === r.value) !== r.negate);
}
