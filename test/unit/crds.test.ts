/**
 * The CRDs in crds/ are the API contract with application teams. These tests check them the way
 * the API server would: every example CR (and the Python operator's documented examples) must be
 * accepted, typical mistakes must be rejected, the schema must be structural, and the CEL
 * transition rules must do what their messages promise.
 *
 * The OpenAPI schema is converted to JSON Schema for ajv (Kubernetes extensions emulated where it
 * matters). CEL rules are evaluated by a tiny interpreter for the subset they use; a rule outside
 * that subset fails the test, so nobody adds a rule that is never exercised.
 */
import { describe, it, expect, beforeAll } from '@jest/globals';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import type { ValidateFunction } from 'ajv';
import { parse, parseAllDocuments } from 'yaml';
import { API_VERSION, DATABASE_KIND, DATABASE_PLURAL, GROUP, SERVER_KIND, SERVER_PLURAL, TABLE_KIND, TABLE_PLURAL, VERSION } from '../../src/api/constants.js';
import { readyCondition } from '../../src/reconcile/conditions.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

// ---------------------------------------------------------------------------------------------
// Loading

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface SchemaNode {
  type?: string;
  description?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  additionalProperties?: SchemaNode | boolean;
  required?: string[];
  anyOf?: SchemaNode[];
  maxLength?: number;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-validations'?: { rule: string; message?: string }[];
  [key: string]: unknown;
}

interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
  priority?: number;
}

interface Crd {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: {
    group: string;
    scope: string;
    names: { kind: string; plural: string; singular: string; shortNames: string[]; categories: string[] };
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      subresources?: { status?: object };
      additionalPrinterColumns: PrinterColumn[];
      schema: { openAPIV3Schema: SchemaNode };
    }[];
  };
}

function loadCrd(file: string): Crd {
  return parse(readFileSync(join(root, 'crds', file), 'utf8')) as Crd;
}

function schemaOf(crd: Crd): SchemaNode {
  const version = crd.spec.versions[0];
  if (!version) throw new Error(`${crd.metadata.name} has no version`);
  return version.schema.openAPIV3Schema;
}

interface ExampleDoc {
  file: string;
  index: number;
  obj: JsonObject;
}

/** Every PostgreSQLServer / PostgreSQLDatabase / PostgreSQLTable in examples/*.yaml, including ones added later. */
function loadExampleCrs(): ExampleDoc[] {
  const dir = join(root, 'examples');
  const found: ExampleDoc[] = [];
  for (const file of readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort()) {
    const docs = parseAllDocuments(readFileSync(join(dir, file), 'utf8'));
    if (!Array.isArray(docs)) throw new Error(`${file}: not a YAML stream`);
    docs.forEach((doc, index) => {
      if (doc.errors.length) throw new Error(`${file} document ${index}: ${doc.errors[0]?.message}`);
      const obj = doc.toJS() as Json;
      if (isObject(obj) && (obj.kind === SERVER_KIND || obj.kind === DATABASE_KIND || obj.kind === TABLE_KIND)) found.push({ file, index, obj });
    });
  }
  return found;
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

// ---------------------------------------------------------------------------------------------
// OpenAPI (Kubernetes flavour) → JSON Schema for ajv

/**
 * Drops the `x-kubernetes-*` keys ajv does not know and emulates the ones that validate:
 * int-or-string becomes `anyOf [integer, string]`, list-type map becomes a key-uniqueness keyword.
 * Objects with `properties` get `additionalProperties: false`: kubectl's default strict field
 * validation rejects unknown fields (instead of silently pruning them), so typos must fail here.
 * OpenAPI v3.0's boolean `exclusiveMinimum` becomes draft-07's number form.
 */
function toJsonSchema(node: SchemaNode): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (!key.startsWith('x-kubernetes-')) out[key] = convertKeyword(key, value);
  }
  const merged: Record<string, unknown> = { ...out, ...emulateKubernetes(node) };
  for (const [key, value] of Object.entries(merged)) if (value === undefined) delete merged[key];
  return merged;
}

function convertKeyword(key: string, value: unknown): unknown {
  if (key === 'properties') {
    return Object.fromEntries(Object.entries(value as Record<string, SchemaNode>).map(([k, v]) => [k, toJsonSchema(v)]));
  }
  if ((key === 'items' || key === 'additionalProperties') && isObject(value)) return toJsonSchema(value as SchemaNode);
  if (key === 'anyOf' || key === 'allOf' || key === 'oneOf') return (value as SchemaNode[]).map(toJsonSchema);
  return value;
}

/** The JSON Schema keywords that stand in for a node's Kubernetes-only semantics. */
function emulateKubernetes(node: SchemaNode): Record<string, unknown> {
  const extra: Record<string, unknown> = {};
  if (node['x-kubernetes-int-or-string'] && !node.anyOf) extra.anyOf = [{ type: 'integer' }, { type: 'string' }];
  // OpenAPI 3.0 (Kubernetes): boolean flag beside minimum; draft-07 (ajv): the bound itself.
  if (node.exclusiveMinimum === true) Object.assign(extra, { exclusiveMinimum: node.minimum, minimum: undefined });
  if (node.exclusiveMaximum === true) Object.assign(extra, { exclusiveMaximum: node.maximum, maximum: undefined });
  if (node['x-kubernetes-list-type'] === 'map') extra.listMapKeys = node['x-kubernetes-list-map-keys'];
  if (node.type === 'object' && node.properties && node.additionalProperties === undefined && !node['x-kubernetes-preserve-unknown-fields']) {
    extra.additionalProperties = false;
  }
  return extra; // an undefined value removes the keyword
}

function makeAjv(): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    strictSchema: true, // an unknown keyword means the conversion above missed a Kubernetes extension
    strictTypes: false, // `pattern` beside int-or-string's anyOf is valid Kubernetes, and checks strings only
    formats: {
      'date-time': /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/,
      int64: { type: 'number', validate: (n: number) => Number.isInteger(n) },
    },
  });
  ajv.addKeyword({
    keyword: 'listMapKeys',
    type: 'array',
    schemaType: 'array',
    errors: false,
    validate: (keys: string[], data: unknown[]) => {
      const seen = new Set(data.map((item) => JSON.stringify(keys.map((k) => (isObject(item) ? item[k] : undefined)))));
      return seen.size === data.length;
    },
  });
  return ajv;
}

// ---------------------------------------------------------------------------------------------
// A CEL interpreter for the subset the CRDs use: self / oldSelf field paths, has(), literals,
// comparison, logical and conditional operators, `'key' in map`. Anything else throws.

const TOKEN = /\s+|'[^'\\]*'|\d+|[A-Za-z_][A-Za-z0-9_]*|==|!=|>=|<=|&&|\|\||[()!?:.<>,[\]]/y;

function tokenize(rule: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < rule.length) {
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(rule);
    if (!m) throw new Error(`CEL subset: cannot read "${rule.slice(at)}"`);
    if (m[0].trim()) tokens.push(m[0]);
  }
  return tokens;
}

/** CEL escapes property names that are its reserved words: `__namespace__` reads `namespace`. */
function celField(token: string): string {
  const m = /^__([A-Za-z]+)__$/.exec(token);
  return m && CEL_RESERVED.has(m[1] as string) ? (m[1] as string) : token;
}
const CEL_RESERVED = new Set(['namespace', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if', 'import', 'let', 'loop', 'package', 'return', 'var', 'void', 'while']);

/** Translates a rule to a JS function (self, oldSelf, get, has) => boolean. */
function compileCel(rule: string): (self: unknown, oldSelf: unknown) => boolean {
  const tokens = tokenize(rule);
  const js: string[] = [];
  const readPath = (i: number): [string[], number] => {
    const path: string[] = [];
    while (tokens[i] === '.' && /^[A-Za-z_]/.test(tokens[i + 1] ?? '')) {
      path.push(celField(tokens[i + 1] as string));
      i += 2;
    }
    return [path, i];
  };
  for (let i = 0; i < tokens.length; ) {
    const t = tokens[i] as string;
    if (t === 'self' || t === 'oldSelf') {
      const [path, next] = readPath(i + 1);
      js.push(`get(${t}, ${JSON.stringify(path)})`);
      i = next;
    } else if (t === 'has') {
      const base = tokens[i + 2];
      if (tokens[i + 1] !== '(' || (base !== 'self' && base !== 'oldSelf')) throw new Error(`CEL subset: has() needs a self path in "${rule}"`);
      const [path, next] = readPath(i + 3);
      if (tokens[next] !== ')' || path.length === 0) throw new Error(`CEL subset: bad has() in "${rule}"`);
      js.push(`has(${base}, ${JSON.stringify(path)})`);
      i = next + 1;
    } else if (t === '==' || t === '!=') {
      js.push(`${t}=`);
      i++;
    } else if (/^'/.test(t) || /^\d+$/.test(t) || ['true', 'false', '(', ')', '!', '?', ':', '&&', '||', '>=', '<=', '<', '>', 'in'].includes(t)) {
      js.push(t);
      i++;
    } else {
      throw new Error(`CEL subset: "${t}" is not supported (rule "${rule}"); extend the interpreter and test it`);
    }
  }
  // CEL semantics: selecting a missing field is an error (the rule fails); has() on a missing
  // parent is an error too. Only has() on the last segment answers false.
  const walk = (obj: unknown, path: string[]): unknown => {
    let cur = obj;
    for (const key of path) {
      if (!isObject(cur) || !(key in cur)) throw new Error(`no such key: ${key}`);
      cur = cur[key];
    }
    return cur;
  };
  const get = (obj: unknown, path: string[]) => walk(obj, path);
  const has = (obj: unknown, path: string[]) => {
    const parent = walk(obj, path.slice(0, -1));
    return isObject(parent) && (path[path.length - 1] as string) in parent;
  };
  const fn = new Function('self', 'oldSelf', 'get', 'has', `return (${js.join(' ')});`) as (...a: unknown[]) => unknown;
  return (self, oldSelf) => {
    try {
      return fn(self, oldSelf, get, has) === true;
    } catch {
      return false; // a CEL evaluation error rejects the object, like the API server does
    }
  };
}

interface RuleSite {
  path: string[];
  rule: string;
  message?: string;
  node: SchemaNode;
}

/** Every CEL rule with the property path of the schema node it sits on (arrays: not supported). */
function ruleSites(node: SchemaNode, path: string[] = []): RuleSite[] {
  const own = (node['x-kubernetes-validations'] ?? []).map((v) => ({ path, rule: v.rule, message: v.message, node }));
  const children = Object.entries(node.properties ?? {}).flatMap(([k, child]) => ruleSites(child, [...path, k]));
  if (node.items && JSON.stringify(node.items).includes('x-kubernetes-validations')) {
    throw new Error(`rules inside arrays at ${path.join('.')}: teach ruleSites list correlation first`);
  }
  return [...own, ...children];
}

function valueAt(obj: unknown, path: string[]): { present: boolean; value?: unknown } {
  let cur: unknown = obj;
  for (const key of path) {
    if (!isObject(cur) || !(key in cur)) return { present: false };
    cur = cur[key];
  }
  return { present: true, value: cur };
}

/**
 * The CEL failures for a create (old undefined) or an update, as the API server evaluates them:
 * a rule runs when its field is present; a rule using oldSelf (a transition rule) only on update
 * and only when the field is present in the old object too.
 */
function celFailures(schema: SchemaNode, newObj: unknown, oldObj?: unknown): string[] {
  const failures: string[] = [];
  for (const site of ruleSites(schema)) {
    const now = valueAt(newObj, site.path);
    if (!now.present) continue;
    const transition = /\boldSelf\b/.test(site.rule);
    const before = oldObj === undefined ? { present: false } : valueAt(oldObj, site.path);
    if (transition && !before.present) continue;
    if (!compileCel(site.rule)(now.value, before.value)) failures.push(site.message ?? site.rule);
  }
  return failures;
}

// ---------------------------------------------------------------------------------------------
// Structural checks

/** Calls `visit` for every schema node with its path (properties, items, additionalProperties). */
function walkSchema(node: SchemaNode, visit: (node: SchemaNode, path: string) => void, path = ''): void {
  visit(node, path);
  for (const [k, child] of Object.entries(node.properties ?? {})) walkSchema(child, visit, path ? `${path}.${k}` : k);
  if (node.items) walkSchema(node.items, visit, `${path}[]`);
  if (isObject(node.additionalProperties)) walkSchema(node.additionalProperties as SchemaNode, visit, `${path}{}`);
}

/** What the API server's structural-schema check would refuse about one node. */
function structuralProblems(node: SchemaNode, path: string): string[] {
  const problems: string[] = [];
  const intOrString = node['x-kubernetes-int-or-string'] === true;
  // Only int-or-string and preserve-unknown-fields nodes may leave the type open (structural schema rules).
  if (!node.type && !intOrString && !node['x-kubernetes-preserve-unknown-fields']) problems.push(`${path}: no type`);
  if (node.anyOf && !(intOrString && JSON.stringify(node.anyOf) === JSON.stringify([{ type: 'integer' }, { type: 'string' }]))) {
    problems.push(`${path}: anyOf other than int-or-string`);
  }
  if (node.properties && isObject(node.additionalProperties)) problems.push(`${path}: properties and additionalProperties together`);
  if (node['x-kubernetes-list-type'] === 'map') {
    const missing = (node['x-kubernetes-list-map-keys'] ?? []).filter((key) => !node.items?.required?.includes(key));
    problems.push(...missing.map((key) => `${path}: list-map key ${key} not required`));
  }
  const undeclared = (node.required ?? []).filter((key) => !node.properties?.[key]);
  problems.push(...undeclared.map((key) => `${path}: required ${key} is not a property`));
  return problems;
}

/** The schema node a printer column's JSONPath points at, or undefined. */
function nodeForJsonPath(schema: SchemaNode, jsonPath: string): SchemaNode | undefined {
  // `.status.conditions[?(@.type=="Ready")].status` → status, conditions, [], status
  const segments = jsonPath
    .replace(/\[\?\([^)]*\)\]/g, '.[]')
    .split('.')
    .filter(Boolean);
  let cur: SchemaNode | undefined = schema;
  for (const seg of segments) {
    if (!cur) return undefined;
    cur = seg === '[]' ? cur.items : cur.properties?.[seg];
  }
  return cur;
}

// ---------------------------------------------------------------------------------------------

const serverCrd = loadCrd('postgresqlservers.yaml');
const databaseCrd = loadCrd('postgresqldatabases.yaml');
const tableCrd = loadCrd('postgresqltables.yaml');
const serverSchema = schemaOf(serverCrd);
const databaseSchema = schemaOf(databaseCrd);
const tableSchema = schemaOf(tableCrd);

let validateServer: ValidateFunction;
let validateDatabase: ValidateFunction;
let validateTable: ValidateFunction;

beforeAll(() => {
  const ajv = makeAjv();
  validateServer = ajv.compile(toJsonSchema(serverSchema));
  validateDatabase = ajv.compile(toJsonSchema(databaseSchema));
  validateTable = ajv.compile(toJsonSchema(tableSchema));
});

/** Schema and CEL (create) errors for an object; empty when the API server would accept it. */
function errorsOf(obj: unknown): string[] {
  const kind = isObject(obj) ? obj.kind : undefined;
  const validate = kind === SERVER_KIND ? validateServer : kind === TABLE_KIND ? validateTable : validateDatabase;
  const schema = kind === SERVER_KIND ? serverSchema : kind === TABLE_KIND ? tableSchema : databaseSchema;
  const ok = validate(obj);
  const schemaErrors = ok ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}`);
  return [...schemaErrors, ...celFailures(schema, obj)];
}

function loadCompatExamples(): { server: JsonObject; database: JsonObject } {
  const docs = parseAllDocuments(readFileSync(join(root, 'examples', 'python-operator-compat.yaml'), 'utf8'));
  if (!Array.isArray(docs)) throw new Error('not a stream');
  const objs = docs.map((d) => d.toJS() as JsonObject);
  const server = objs.find((o) => o.kind === SERVER_KIND);
  const database = objs.find((o) => o.kind === DATABASE_KIND);
  if (!server || !database) throw new Error('python-operator-compat.yaml must hold a server and a database');
  return { server, database };
}

/** Sets `value` at a dotted path, creating objects on the way; `undefined` deletes. */
function withValue(obj: JsonObject, path: string, value: Json | undefined): JsonObject {
  const copy = clone(obj);
  const keys = path.split('.');
  let cur: JsonObject = copy;
  for (const key of keys.slice(0, -1)) {
    if (!isObject(cur[key])) cur[key] = {};
    cur = cur[key] as JsonObject;
  }
  const last = keys[keys.length - 1] as string;
  if (value === undefined) delete cur[last];
  else cur[last] = value;
  return copy;
}

describe('CRD identity', () => {
  it.each([
    [serverCrd, SERVER_KIND, SERVER_PLURAL, 'postgresqlserver', ['pg', 'pgserver']],
    [databaseCrd, DATABASE_KIND, DATABASE_PLURAL, 'postgresqldatabase', ['pgdb']],
    [tableCrd, TABLE_KIND, TABLE_PLURAL, 'postgresqltable', ['pgtable']],
  ] as const)('%#: names, group, version, scope and status subresource match src/api/constants', (crd, kind, plural, singular, shortNames) => {
    expect(crd.apiVersion).toBe('apiextensions.k8s.io/v1');
    expect(crd.kind).toBe('CustomResourceDefinition');
    expect(crd.metadata.name).toBe(`${plural}.${GROUP}`);
    expect(crd.spec.group).toBe(GROUP);
    expect(crd.spec.scope).toBe('Namespaced');
    expect(crd.spec.names).toMatchObject({ kind, plural, singular });
    expect(crd.spec.names.shortNames).toEqual(expect.arrayContaining([...shortNames]));
    expect(crd.spec.names.categories).toEqual(['hybridcloud', 'postgresql']);
    expect(crd.spec.versions).toHaveLength(1);
    expect(crd.spec.versions[0]).toMatchObject({ name: VERSION, served: true, storage: true, subresources: { status: {} } });
  });

  it('the CRDs share no short name (kubectl would resolve it to one of them only)', () => {
    const all = [serverCrd, databaseCrd, tableCrd].flatMap((c) => c.spec.names.shortNames);
    expect(all.filter((n, i) => all.indexOf(n) !== i)).toEqual([]);
  });
});

describe('printer columns', () => {
  it.each([
    [serverCrd, ['Ready', 'Reason', 'Backend', 'Version', 'Class', 'Databases', 'Storage', 'Host', 'Age']],
    [databaseCrd, ['Ready', 'Reason', 'Server', 'Database', 'Secret', 'Age']],
    [tableCrd, ['Ready', 'Reason', 'Database', 'Table', 'Columns', 'Age']],
  ] as const)('%#: has the expected columns, each pointing at a field of the schema', (crd, names) => {
    const columns = crd.spec.versions[0]?.additionalPrinterColumns ?? [];
    expect(columns.map((c) => c.name)).toEqual([...names]);
    const schema = schemaOf(crd);
    for (const column of columns) {
      if (column.jsonPath === '.metadata.creationTimestamp') continue;
      const node = nodeForJsonPath(schema, column.jsonPath);
      expect({ column: column.name, found: node !== undefined }).toEqual({ column: column.name, found: true });
      expect({ column: column.name, type: node?.type }).toEqual({ column: column.name, type: column.type });
    }
    const ready = columns.find((c) => c.name === 'Ready');
    expect(ready?.jsonPath).toBe('.status.conditions[?(@.type=="Ready")].status');
  });
});

describe('PostgreSQLTable printer columns', () => {
  it('kubectl get pgtable shows READY, DATABASE, TABLE, COLUMNS (and AGE); the reason with -o wide', () => {
    const columns = tableCrd.spec.versions[0]?.additionalPrinterColumns ?? [];
    expect(columns.filter((c) => !c.priority).map((c) => c.name.toUpperCase())).toEqual(['READY', 'DATABASE', 'TABLE', 'COLUMNS', 'AGE']);
    expect(columns.find((c) => c.name === 'Reason')?.priority).toBe(1);
  });
});

describe('schema is structural and documented', () => {
  it.each([
    ['server', serverSchema],
    ['database', databaseSchema],
    ['table', tableSchema],
  ] as const)('%s: every property has a description (it is the kubectl explain text)', (_name, schema) => {
    const missing: string[] = [];
    walkSchema(schema, (node, path) => {
      if (path === 'metadata') return; // Kubernetes owns metadata's schema
      if (!path.endsWith('[]') && !path.endsWith('{}') && !node.description?.trim()) missing.push(path || '(root)');
    });
    expect(missing).toEqual([]);
  });

  it.each([
    ['server', serverSchema],
    ['database', databaseSchema],
    ['table', tableSchema],
  ] as const)('%s: every node has a type, anyOf only as int-or-string, list-map keys are required', (_name, schema) => {
    const problems: string[] = [];
    walkSchema(schema, (node, path) => problems.push(...structuralProblems(node, path)));
    expect(problems).toEqual([]);
  });

  it('status conditions have the metav1.Condition shape, keyed by type', () => {
    for (const schema of [serverSchema, databaseSchema, tableSchema]) {
      const conditions = schema.properties?.status?.properties?.conditions;
      expect(conditions?.['x-kubernetes-list-type']).toBe('map');
      expect(conditions?.['x-kubernetes-list-map-keys']).toEqual(['type']);
      expect(conditions?.items?.required).toEqual(['type', 'status', 'lastTransitionTime', 'reason', 'message']);
      expect(Object.keys(conditions?.items?.properties ?? {}).sort()).toEqual(
        ['lastTransitionTime', 'message', 'observedGeneration', 'reason', 'status', 'type'].sort(),
      );
    }
  });
});

describe('example CRs are valid', () => {
  const examples = loadExampleCrs();

  it('finds the examples this repository ships (and any added later)', () => {
    const files = new Set(examples.map((e) => e.file));
    for (const f of ['simple.yaml', 'statefulset-server.yaml', 'full-server.yaml', 'python-operator-compat.yaml']) expect(files).toContain(f);
  });

  const cases = examples.map((e): [string, ExampleDoc] => [`${e.file}#${e.index} ${String(e.obj.kind)} ${String((e.obj.metadata as JsonObject | undefined)?.name)}`, e]);
  it.each(cases)('%s', (_label, example) => {
    expect(example.obj.apiVersion).toBe(API_VERSION);
    expect(errorsOf(example.obj)).toEqual([]);
  });

  it('every server an example database references is defined in the same file', () => {
    for (const db of examples.filter((e) => e.obj.kind === DATABASE_KIND)) {
      const serverName = ((db.obj.spec as JsonObject).serverRef as JsonObject).name;
      const servers = examples.filter((e) => e.file === db.file && e.obj.kind === SERVER_KIND).map((e) => (e.obj.metadata as JsonObject).name);
      expect({ file: db.file, servers }).toEqual({ file: db.file, servers: expect.arrayContaining([serverName]) });
    }
  });

  it('the quickstart uses the names the documentation refers to, with the default class', () => {
    const simple = examples.filter((e) => e.file === 'simple.yaml').map((e) => e.obj);
    const server = simple.find((o) => o.kind === SERVER_KIND) as JsonObject;
    const database = simple.find((o) => o.kind === DATABASE_KIND) as JsonObject;
    expect(server).toMatchObject({ metadata: { name: 'demoteam' }, spec: { version: 'latest', credentialsSecret: 'demoteam-postgres-credentials' } });
    expect((server.spec as JsonObject).size).not.toHaveProperty('class');
    expect(database).toMatchObject({ metadata: { name: 'demoservice' }, spec: { serverRef: { name: 'demoteam' }, credentialsSecret: 'demoservice-postgres-credentials' } });
  });

  it('full-server.yaml sets every spec field of both resources', () => {
    const full = examples.filter((e) => e.file === 'full-server.yaml').map((e) => e.obj);
    const unset = (schema: SchemaNode, obj: Json | undefined, path: string): string[] =>
      Object.entries(schema.properties ?? {}).flatMap(([k, child]) => {
        const value = isObject(obj) ? obj[k] : undefined;
        if (value === undefined) return [`${path}.${k}`];
        return child.type === 'object' && child.properties ? unset(child, value, `${path}.${k}`) : [];
      });
    const server = full.find((o) => o.kind === SERVER_KIND);
    const database = full.find((o) => o.kind === DATABASE_KIND);
    // spec.external belongs to the external backend only (examples/external-server.yaml sets it); a
    // restore is a server of its own (examples/restore.yaml shows spec.restoreFrom).
    expect(unset(serverSchema.properties?.spec as SchemaNode, server?.spec, 'spec').filter((p) => !p.startsWith('spec.external'))).toEqual(['spec.restoreFrom']);
    expect(unset(databaseSchema.properties?.spec as SchemaNode, database?.spec, 'spec')).toEqual([]);
  });
});

describe('CRs written for the Python operator', () => {
  const { server, database } = loadCompatExamples();

  it('the User Guide examples are accepted unchanged', () => {
    expect(errorsOf(server)).toEqual([]);
    expect(errorsOf(database)).toEqual([]);
  });

  it('unquoted `starttime: 03:00` is a string for YAML 1.2 readers (kubectl), and YAML 1.1 readers get a clear rejection', () => {
    expect(((server.spec as JsonObject).maintenance as JsonObject).window).toEqual({ weekday: 'Wed', starttime: '03:00' });
    // PyYAML-style YAML 1.1 reads 03:00 as sexagesimal 180; the schema refuses it instead of guessing.
    const yaml11 = parse('starttime: 03:00', { version: '1.1' }) as JsonObject;
    expect(yaml11.starttime).toBe(180);
    expect(errorsOf(withValue(server, 'spec.maintenance.window.starttime', 180)).join()).toMatch(/starttime must be string/);
  });

  it.each([
    ['a version as a quoted string', 'spec.version', '13'],
    ['a version with a minor part (the old AWS example)', 'spec.version', '15.2'],
    ['an unquoted major version', 'spec.version', 13],
    ['an empty version (newest)', 'spec.version', ''],
    ['a one-digit hour', 'spec.maintenance.window.starttime', '3:00'],
    ['a fractional cpu', 'spec.size.cpu', 0.5],
    ['serverParameters with strings and whole numbers', 'spec.serverParameters', { max_connections: 100, 'pg_qs.query_capture_mode': 'ALL', shared_buffers: '256MB' }],
    ['a hyphenated extension', 'spec.extensions', ['uuid-ossp', 'timescaledb']],
    ['0 retention days (AWS: no backups)', 'spec.backup.retentionDays', 0],
    ['no backend', 'spec.backend', undefined],
    ['a Secret name with dots', 'spec.credentialsSecret', 'team.foo-credentials'],
    // The Python operator's CRD required neither: CRs it stored must still take a finalizer (the
    // operator reports a missing storageGB as InvalidSpec instead).
    ['no storageGB (as the Python operator allowed)', 'spec.size.storageGB', undefined],
    ['no size (as the Python operator allowed)', 'spec.size', undefined],
  ] as const)('accepts %s', (_label, path, value) => {
    expect(errorsOf(withValue(server, path, clone(value) as Json | undefined))).toEqual([]);
  });

  it.each([
    ['collation en_US.utf8', 'spec.database.collation', 'en_US.utf8'],
    ['extensions', 'spec.database.extensions', ['timescaledb', 'pg_trgm']],
    ['no database section', 'spec.database', undefined],
  ] as const)('accepts a database with %s', (_label, path, value) => {
    expect(errorsOf(withValue(database, path, clone(value) as Json | undefined))).toEqual([]);
  });
});

describe('bad input is rejected at apply time', () => {
  const { server, database } = loadCompatExamples();

  it.each([
    ['a long weekday name', 'spec.maintenance.window.weekday', 'Wednesday', /weekday must be equal to one of the allowed values/],
    ['a lower-case weekday', 'spec.maintenance.window.weekday', 'wed', /weekday must be equal to one of the allowed values/],
    ['hour 25', 'spec.maintenance.window.starttime', '25:00', /starttime must match pattern/],
    ['minute 60', 'spec.maintenance.window.starttime', '03:60', /starttime must match pattern/],
    ['a window without starttime', 'spec.maintenance.window.starttime', undefined, /must have required property 'starttime'/],
    ['storageGB 0', 'spec.size.storageGB', 0, /storageGB must be >= 1/],
    ['a fractional storageGB', 'spec.size.storageGB', 1.5, /storageGB must be integer/],
    ['cpu 0', 'spec.size.cpu', 0, /cpu must be > 0/],
    ['memoryMB 0', 'spec.size.memoryMB', 0, /memoryMB must be >= 1/],
    ['36 retention days', 'spec.backup.retentionDays', 36, /retentionDays must be <= 35/],
    ['a three-part IP', 'spec.network.firewallRules', [{ name: 'x', startIp: '1.2.3', endIp: '1.2.3.4' }], /startIp must match pattern/],
    ['an IP octet over 255', 'spec.network.firewallRules', [{ name: 'x', startIp: '1.2.3.4', endIp: '1.2.3.256' }], /endIp must match pattern/],
    ['a CIDR instead of an IP', 'spec.network.firewallRules', [{ name: 'x', startIp: '10.0.0.0/8', endIp: '10.0.0.0' }], /startIp must match pattern/],
    [
      'two firewall rules with one name',
      'spec.network.firewallRules',
      [
        { name: 'x', startIp: '1.2.3.4', endIp: '1.2.3.4' },
        { name: 'x', startIp: '5.6.7.8', endIp: '5.6.7.8' },
      ],
      /firewallRules must pass "listMapKeys" keyword validation/,
    ],
    ['a rule without a name', 'spec.network.firewallRules', [{ startIp: '1.2.3.4', endIp: '1.2.3.4' }], /must have required property 'name'/],
    ['an unquoted fractional version', 'spec.version', 15.2, /version must be integer/],
    ['a version word other than latest', 'spec.version', 'newest', /version must match pattern/],
    ['an upper-case backend', 'spec.backend', 'AzurePostgres', /backend must match pattern/],
    ['a Secret name with upper case', 'spec.credentialsSecret', 'Teamfoo-credentials', /credentialsSecret must match pattern/],
    ['no credentialsSecret', 'spec.credentialsSecret', undefined, /must have required property 'credentialsSecret'/],
    ['an extension name with SQL in it', 'spec.extensions', ['x; DROP TABLE y'], /extensions\/0 must match pattern/],
    ['a boolean server parameter (unquoted on)', 'spec.serverParameters', { log_connections: true }, /serverParameters\/log_connections must be integer/],
    ['a fractional server parameter', 'spec.serverParameters', { autovacuum_vacuum_scale_factor: 0.05 }, /must be integer/],
    ['a misspelt field', 'spec.size.storageGb', 10, /must NOT have additional properties/],
    ['a string storageGB', 'spec.size.storageGB', '32', /storageGB must be integer/],
  ] as const)('server: %s', (_label, path, value, expected) => {
    const errors = errorsOf(withValue(server, path, clone(value) as Json | undefined));
    expect(errors.join('\n')).toMatch(expected);
  });

  it.each([
    ['no serverRef', 'spec.serverRef', undefined, /must have required property 'serverRef'/],
    ['serverRef without name', 'spec.serverRef.name', undefined, /must have required property 'name'/],
    ['a serverRef name that is no DNS label', 'spec.serverRef.name', 'Team_Foo', /name must match pattern/],
    ['no credentialsSecret', 'spec.credentialsSecret', undefined, /must have required property 'credentialsSecret'/],
    ['a Secret name with a slash', 'spec.credentialsSecret', 'other/secret', /credentialsSecret must match pattern/],
    ['a charset with a quote', 'spec.database.charset', "UTF8'", /charset must match pattern/],
    ['a collation with a quote', 'spec.database.collation', "C'; DROP", /collation must match pattern/],
    ['an extension list that is a string', 'spec.database.extensions', 'pg_trgm', /extensions must be array/],
    ['no spec', 'spec', undefined, /must have required property 'spec'/],
  ] as const)('database: %s', (_label, path, value, expected) => {
    const errors = errorsOf(withValue(database, path, clone(value) as Json | undefined));
    expect(errors.join('\n')).toMatch(expected);
  });
});

describe('status written by the operator is accepted', () => {
  it('server and database status with a Ready condition from src/reconcile/conditions', () => {
    const { server, database } = loadCompatExamples();
    const conditions = JSON.parse(JSON.stringify(readyCondition(undefined, 'False', 'Creating', 'server is being created', 3))) as Json;
    const serverStatus = {
      observedGeneration: 3,
      conditions,
      backend: 'statefulset',
      version: '17',
      sizeClass: 'small',
      endpoint: { host: 'teamfoo.default.svc', port: 5432, sslmode: 'require' },
      backendState: { poller: 'opaque-token', nested: { any: ['shape'] } },
    };
    expect(errorsOf({ ...server, status: serverStatus })).toEqual([]);
    const dbStatus = { observedGeneration: 1, conditions, database: 'fooservice', username: 'fooservice', serverUid: '0b4e-uid' };
    expect(errorsOf({ ...database, status: dbStatus })).toEqual([]);
  });

  it("the Python operator's status (backend, deployment, kopf) and the takeover record are kept", () => {
    const { server, database } = loadCompatExamples();
    // As hybridcloud/handlers/postgresql_server.py `_status_server` and kopf's progress storage wrote it.
    const python = {
      backend: 'helmbitnami',
      deployment: { status: 'finished', reason: 'Database server created', 'latest-update': '2024-03-01T10:00:00.000000+00:00' },
      kopf: { progress: {} },
    };
    const adoption = { from: 'python-operator', generation: 7, at: '2026-12-06T10:00:00Z', differencesReported: ['sku: runs Standard_D2ds_v4, would choose Standard_D2ds_v5'] };
    expect(errorsOf({ ...server, status: { ...python, adoption } })).toEqual([]);
    expect(errorsOf({ ...database, status: { ...python, adoption } })).toEqual([]);
    expect(errorsOf({ ...server, status: { adoption: { ...adoption, from: 'elsewhere' } } }).join()).toMatch(/from must be equal to one of the allowed values/);
  });

  it('a condition without reason, or with a status other than True/False/Unknown, is rejected', () => {
    const { server } = loadCompatExamples();
    const good = readyCondition(undefined, 'True', 'Available', 'ok', 1)[0] as unknown as JsonObject;
    expect(errorsOf({ ...server, status: { conditions: [{ ...good, reason: '' }] } }).join()).toMatch(/reason must NOT have fewer than 1 characters/);
    expect(errorsOf({ ...server, status: { conditions: [{ ...good, status: 'true' }] } }).join()).toMatch(/status must be equal to one of the allowed values/);
    expect(errorsOf({ ...server, status: { conditions: [good, good] } }).join()).toMatch(/listMapKeys/);
  });
});

describe('CEL rules', () => {
  const { server, database } = loadCompatExamples();

  it('exist where the immutability promises need them', () => {
    const rules = (schema: SchemaNode) => ruleSites(schema).map((s) => `${s.path.join('.')}: ${s.rule}`);
    expect(rules(serverSchema)).toEqual([
      'spec: !has(oldSelf.backend) || (has(self.backend) && self.backend == oldSelf.backend)',
      expect.stringMatching(/^spec: has\(oldSelf\.restoreFrom\) \?/),
      'spec.size.storageGB: self >= oldSelf',
      expect.stringMatching(/^spec.credentialsTemplate: !\('hostname' in self \|\| /),
    ]);
    expect(rules(databaseSchema)).toEqual([
      expect.stringMatching(/^spec: .*charset/),
      expect.stringMatching(/^spec: .*collation/),
      expect.stringMatching(/^spec\.serverRef: .*__namespace__/),
      'spec.serverRef.name: self == oldSelf',
      expect.stringMatching(/^spec.credentialsTemplate: !\('hostname' in self \|\| /),
    ]);
    expect(rules(tableSchema)).toEqual(['spec.databaseRef.name: self == oldSelf', 'spec.tableName: self == oldSelf']);
  });

  it('each rule has a message and reads only fields that exist, bounded in size (cheap for the cost estimator)', () => {
    for (const schema of [serverSchema, databaseSchema, tableSchema]) {
      for (const site of ruleSites(schema)) {
        expect(site.message).toBeTruthy();
        for (const m of site.rule.matchAll(/\b(?:self|oldSelf)((?:\.[A-Za-z_][A-Za-z0-9_]*)*)/g)) {
          let node: SchemaNode | undefined = site.node;
          for (const key of (m[1] ?? '').split('.').filter(Boolean)) node = node?.properties?.[celField(key)];
          expect({ rule: site.rule, ref: m[0], exists: node !== undefined }).toEqual({ rule: site.rule, ref: m[0], exists: true });
          if (node?.type === 'string') expect({ ref: m[0], maxLength: typeof node.maxLength }).toEqual({ ref: m[0], maxLength: 'number' });
        }
        expect(() => compileCel(site.rule)).not.toThrow();
      }
    }
  });

  it('the interpreter follows CEL semantics for the pieces used', () => {
    expect(compileCel("has(self.a) && self.a == 'x'")({ a: 'x' }, undefined)).toBe(true);
    expect(compileCel('has(self.a)')({}, undefined)).toBe(false);
    expect(compileCel('has(self.a.b)')({}, undefined)).toBe(false); // error on a missing parent → rejected
    expect(compileCel('self.a == 1')({}, undefined)).toBe(false); // no such key → rejected
    expect(compileCel('self >= oldSelf')(2, 1)).toBe(true);
    expect(compileCel("!('a' in self)")({ b: 'x' }, undefined)).toBe(true);
    expect(compileCel("!('a' in self)")({ a: 'x' }, undefined)).toBe(false);
    expect(() => compileCel('self.all(x, x > 0)')).toThrow(/not supported/);
  });

  describe('server', () => {
    const noBackend = withValue(server, 'spec.backend', undefined);
    const restoring = withValue(server, 'spec.restoreFrom', { server: 'demoteam', backup: '20261206T020000Z' });
    it.each([
      ['backend unchanged', server, server, []],
      ['backend set where it was empty (the operator checks it against status.backend)', noBackend, server, []],
      ['backend changed', server, withValue(server, 'spec.backend', 'awsrds'), [/spec.backend cannot be changed/]],
      ['backend removed', server, noBackend, [/spec.backend cannot be changed or removed/]],
      ['storage grown', server, withValue(server, 'spec.size.storageGB', 64), []],
      ['storage shrunk', server, withValue(server, 'spec.size.storageGB', 16), [/storageGB cannot shrink/]],
      ['other fields changed', server, withValue(withValue(server, 'spec.size.cpu', 4), 'spec.version', 17), []],
      ['restoreFrom added later', server, restoring, [/restoreFrom can only be set when the server is created/]],
      ['restoreFrom unchanged', restoring, withValue(restoring, 'spec.size.storageGB', 64), []],
      ['restoreFrom backup changed', restoring, withValue(restoring, 'spec.restoreFrom.backup', '20261207T020000Z'), [/restoreFrom can only be set when the server is created/]],
      ['restoreFrom removed', restoring, withValue(restoring, 'spec.restoreFrom', undefined), [/restoreFrom can only be set/]],
    ] as const)('update: %s', (_label, before, after, expected) => {
      const failures = celFailures(serverSchema, after, before);
      expect(failures).toHaveLength(expected.length);
      expected.forEach((re, i) => expect(failures[i]).toMatch(re));
    });

    it('transition rules do not run on create', () => {
      expect(celFailures(serverSchema, withValue(server, 'spec.size.storageGB', 1))).toEqual([]);
    });
  });

  describe('database', () => {
    const noDatabase = withValue(database, 'spec.database', undefined);
    it.each([
      ['unchanged', database, database, []],
      ['extensions changed', database, withValue(database, 'spec.database.extensions', ['pg_trgm']), []],
      ['serverRef changed', database, withValue(database, 'spec.serverRef.name', 'teambar'), [/serverRef.name is immutable/]],
      ['serverRef.namespace added later', database, withValue(database, 'spec.serverRef.namespace', 'team-b'), [/serverRef.namespace is immutable/]],
      ['serverRef.namespace changed', withValue(database, 'spec.serverRef.namespace', 'team-a'), withValue(database, 'spec.serverRef.namespace', 'team-b'), [/serverRef.namespace is immutable/]],
      ['serverRef.namespace removed', withValue(database, 'spec.serverRef.namespace', 'team-a'), database, [/serverRef.namespace is immutable/]],
      ['serverRef.namespace kept', withValue(database, 'spec.serverRef.namespace', 'team-a'), withValue(database, 'spec.serverRef.namespace', 'team-a'), []],
      ['charset changed', database, withValue(database, 'spec.database.charset', 'LATIN1'), [/charset cannot be changed/]],
      ['collation removed', database, withValue(database, 'spec.database.collation', undefined), [/collation cannot be changed/]],
      ['collation added later', noDatabase, withValue(noDatabase, 'spec.database.collation', 'C'), [/collation cannot be changed/]],
      ['database section removed', database, noDatabase, [/charset cannot be changed/, /collation cannot be changed/]],
      ['no database section before or after', noDatabase, noDatabase, []],
    ] as const)('update: %s', (_label, before, after, expected) => {
      const failures = celFailures(databaseSchema, after, before);
      expect(failures).toHaveLength(expected.length);
      expected.forEach((re, i) => expect(failures[i]).toMatch(re));
    });
  });

  describe('credentialsTemplate (both kinds)', () => {
    it.each([SERVER_KIND, DATABASE_KIND])('%s: extra keys are accepted, built-in keys refused', (kind) => {
      const obj = kind === SERVER_KIND ? server : database;
      expect(errorsOf(withValue(obj, 'spec.credentialsTemplate', { DATABASE_URL: '{{ .uri }}', PGSSLROOTCERT: '/etc/pg/ca.crt' }))).toEqual([]);
      for (const key of ['password', 'PGPASSWORD', 'jdbc-url', 'ca.crt']) {
        expect(errorsOf(withValue(obj, 'spec.credentialsTemplate', { OK: 'x', [key]: 'x' })).join()).toMatch(/cannot set a key the operator writes itself/);
      }
      expect(errorsOf(withValue(obj, 'spec.credentialsTemplate', { A: 1 } as unknown as Json)).join()).toMatch(/must be string/);
    });
  });
});

describe('PostgreSQLTable', () => {
  // The kopf demo's DatabaseTable spec, as its README writes it.
  const SEED = parse(`
apiVersion: kopf.demo/v1
kind: DatabaseTable
metadata:
  name: website-users
spec:
  tableName: WEBSITE_USERS
  columns:
    - USER_ID: integer
    - USER_NAME: varchar(50)
    - USER_EMAIL: varchar(100)
    - SIGNUP_DATE: date
    - LAST_LOGIN: timestamp
  primaryKey: USER_ID
`) as JsonObject;
  const seedAsTable = (): JsonObject => ({
    apiVersion: API_VERSION,
    kind: TABLE_KIND,
    metadata: SEED.metadata as JsonObject,
    spec: { ...(SEED.spec as JsonObject), databaseRef: { name: 'demoservice' } },
  });

  it("accepts the seed's spec unchanged (only apiVersion, kind and databaseRef are this operator's)", () => {
    expect(errorsOf(seedAsTable())).toEqual([]);
  });

  it("the example is the seed's spec, field for field", () => {
    const example = loadExampleCrs().find((e) => e.file === 'table-website-users.yaml' && e.obj.kind === TABLE_KIND)?.obj;
    const { databaseRef: _ref, ...spec } = example?.spec as JsonObject;
    expect(spec).toEqual(SEED.spec);
  });

  it('accepts the explicit column form and a list as primary key', () => {
    const obj = withValue(seedAsTable(), 'spec.columns', [{ name: 'id', type: 'bigint', nullable: false }, { name: 'at', type: 'timestamptz', default: 'now()' }, { name: 'n', type: 'integer', default: 0 }]);
    expect(errorsOf(withValue(withValue(obj, 'spec.primaryKey', ['id', 'at']), 'spec.deletionPolicy', 'Retain'))).toEqual([]);
  });

  it.each([
    ['no databaseRef', 'spec.databaseRef', undefined, /must have required property 'databaseRef'/],
    ['no tableName', 'spec.tableName', undefined, /must have required property 'tableName'/],
    ['a tableName over 63 characters', 'spec.tableName', 'T'.repeat(64), /tableName must NOT have more than 63 characters/],
    ['no columns', 'spec.columns', [], /columns must NOT have fewer than 1 items/],
    ['a column that is not a map', 'spec.columns', ['USER_ID integer'], /columns\/0 must be object/],
    ['a column map with five keys', 'spec.columns', [{ name: 'a', type: 'b', nullable: true, default: 'c', extra: 'd' }], /must NOT have more than 4 properties/],
    ['an unknown deletion policy', 'spec.deletionPolicy', 'Drop', /deletionPolicy must be equal to one of the allowed values/],
    ['a databaseRef that is no object name', 'spec.databaseRef.name', 'Demo_Service', /name must match pattern/],
  ] as const)('rejects %s', (_label, path, value, expected) => {
    expect(errorsOf(withValue(seedAsTable(), path, clone(value) as Json | undefined)).join('\n')).toMatch(expected);
  });

  it.each([
    ['columns added', (o: JsonObject) => withValue(o, 'spec.columns', [...((o.spec as JsonObject).columns as Json[]), { COUNTRY: 'varchar(2)' }]), []],
    ['deletionPolicy set', (o: JsonObject) => withValue(o, 'spec.deletionPolicy', 'Retain'), []],
    ['tableName changed', (o: JsonObject) => withValue(o, 'spec.tableName', 'USERS'), [/tableName is immutable/]],
    ['databaseRef changed', (o: JsonObject) => withValue(o, 'spec.databaseRef.name', 'other'), [/databaseRef.name is immutable/]],
  ] as const)('update: %s', (_label, change, expected) => {
    const before = seedAsTable();
    const failures = celFailures(tableSchema, change(before), before);
    expect(failures).toHaveLength(expected.length);
    expected.forEach((re, i) => expect(failures[i]).toMatch(re));
  });

  it('accepts the status the operator writes', () => {
    const conditions = JSON.parse(JSON.stringify(readyCondition(undefined, 'False', 'UnsafeChange', 'nothing was changed', 2))) as Json;
    const status = {
      observedGeneration: 2,
      conditions,
      database: 'demoservice',
      databaseUid: 'uid-1',
      schema: 'public',
      table: 'website_users',
      columns: [{ name: 'user_id', type: 'integer', nullable: false, managed: true }, { name: 'notes', type: 'text', nullable: true, default: "'x'::text", managed: false }],
      columnCount: 2,
      unmanagedColumns: ['notes'],
      primaryKey: ['user_id'],
    };
    expect(errorsOf({ ...seedAsTable(), status })).toEqual([]);
  });

  it('every database an example table references is defined in the same file', () => {
    const examples = loadExampleCrs();
    const tables = examples.filter((e) => e.obj.kind === TABLE_KIND);
    expect(tables.length).toBeGreaterThan(0);
    for (const t of tables) {
      const ref = ((t.obj.spec as JsonObject).databaseRef as JsonObject).name;
      const databases = examples.filter((e) => e.file === t.file && e.obj.kind === DATABASE_KIND).map((e) => (e.obj.metadata as JsonObject).name);
      expect({ file: t.file, databases }).toEqual({ file: t.file, databases: expect.arrayContaining([ref]) });
    }
  });
});
