import { ApiError, badRequest } from './errors.js';
import { isRecord } from './types.js';

/** RFC 7386 JSON merge patch: objects merge recursively, null deletes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isRecord(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

interface JsonPatchOp {
  op: string;
  path: string;
  value?: unknown;
  from?: string;
}

/** How the real server answers a JSON patch that cannot be applied (jsonpatch errors → 422). */
const unprocessable = (message: string): ApiError => new ApiError(422, 'Invalid', message);

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw unprocessable(`invalid JSON pointer: "${path}"`);
  return path.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

type Container = Record<string, unknown> | unknown[];

/** The parent container of a pointer and the last token, or an error when the parent is missing. */
function parentOf(doc: unknown, tokens: string[], op: string, path: string): [Container, string] {
  let cur: unknown = doc;
  for (const t of tokens.slice(0, -1)) {
    cur = Array.isArray(cur) ? cur[Number(t)] : isRecord(cur) ? cur[t] : undefined;
  }
  if (!Array.isArray(cur) && !isRecord(cur)) throw unprocessable(`${op} operation does not apply: doc is missing path: "${path}": missing value`);
  return [cur, tokens[tokens.length - 1] ?? ''];
}

function arrayIndex(arr: unknown[], token: string, forAdd: boolean, op: string, path: string): number {
  if (forAdd && token === '-') return arr.length;
  const i = /^(0|[1-9]\d*)$/.test(token) ? Number(token) : NaN;
  if (Number.isNaN(i) || i < 0 || i > arr.length - (forAdd ? 0 : 1)) throw unprocessable(`${op} operation does not apply: doc is missing path: "${path}": missing value`);
  return i;
}

function getAt(doc: unknown, path: string, op: string): unknown {
  let cur: unknown = doc;
  for (const t of pointer(path)) {
    const has = Array.isArray(cur) ? /^\d+$/.test(t) && Number(t) < cur.length : isRecord(cur) && Object.prototype.hasOwnProperty.call(cur, t);
    if (!has) throw unprocessable(`${op} operation does not apply: doc is missing path: "${path}": missing value`);
    cur = Array.isArray(cur) ? cur[Number(t)] : (cur as Record<string, unknown>)[t];
  }
  return cur;
}

function add(doc: unknown, path: string, value: unknown, op = 'add'): unknown {
  const tokens = pointer(path);
  if (tokens.length === 0) return structuredClone(value);
  const [parent, last] = parentOf(doc, tokens, op, path);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, true, op, path), 0, structuredClone(value));
  else parent[last] = structuredClone(value);
  return doc;
}

function remove(doc: unknown, path: string, op = 'remove'): unknown {
  const tokens = pointer(path);
  const [parent, last] = parentOf(doc, tokens, op, path);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, false, op, path), 1);
  else {
    if (!Object.prototype.hasOwnProperty.call(parent, last)) throw unprocessable(`${op} operation does not apply: doc is missing path: "${path}": missing value`);
    delete parent[last];
  }
  return doc;
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/** Key-sorted copy, so equality does not depend on key order. */
export function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (isRecord(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])]));
  return v;
}

function applyOp(doc: unknown, op: JsonPatchOp): unknown {
  switch (op.op) {
    case 'add': return add(doc, op.path, op.value);
    case 'remove': return remove(doc, op.path);
    case 'replace':
      if (op.path === '') return structuredClone(op.value);
      getAt(doc, op.path, 'replace');
      return add(remove(doc, op.path, 'replace'), op.path, op.value, 'replace');
    case 'move': {
      const v = getAt(doc, op.from ?? '', 'move');
      return add(remove(doc, op.from ?? '', 'move'), op.path, v, 'move');
    }
    case 'copy': return add(doc, op.path, getAt(doc, op.from ?? '', 'copy'), 'copy');
    case 'test':
      if (!deepEqual(getAt(doc, op.path, 'test'), op.value)) throw unprocessable(`testing value ${op.path} failed: test failed`);
      return doc;
    default:
      throw unprocessable(`Unexpected kind: ${op.op}`);
  }
}

/** RFC 6902 JSON patch; failures (including a failed `test`) are 422 like the real server's. */
export function jsonPatch(target: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch)) throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  let doc = structuredClone(target);
  for (const raw of patch) {
    if (!isRecord(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string') throw badRequest('invalid JSON patch operation');
    doc = applyOp(doc, raw as unknown as JsonPatchOp);
  }
  return doc;
}
