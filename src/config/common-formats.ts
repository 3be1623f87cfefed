import { bool, describeType, either, fail, int, isPlainObject, listOf, mapOf, num, oneOf, shape, str, type Check } from './checks.js';
import { defineFormat } from './formats.js';

/** Formats shared by several sections. Backend-specific ones live in their section file. */

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const PG_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Kubernetes CPU quantity: 2, 0.5, "500m", "1.5". */
export const cpuQuantity: Check = (v) => {
  const ok = typeof v === 'number' ? v > 0 && Number.isFinite(v) : typeof v === 'string' && /^(\d+(\.\d+)?|\.\d+)m?$/.test(v) && parseFloat(v) > 0;
  return ok ? [] : fail('must be a Kubernetes CPU quantity greater than 0, like 500m, 1 or 2.5', v);
};

/** Kubernetes memory quantity: "512Mi", "2Gi", "1G", or a number of bytes. */
export const memoryQuantity: Check = (v) => {
  const pattern = /^(\d+(\.\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;
  const ok = typeof v === 'number' ? Number.isInteger(v) && v > 0 : typeof v === 'string' && pattern.test(v) && parseFloat(v) > 0;
  return ok ? [] : fail('must be a Kubernetes memory quantity greater than 0, like 512Mi or 2Gi', v);
};

/** Checks `{variable}` placeholders against the allowed names. */
export function templateVariables(allowed: readonly string[]): Check {
  return (v) => {
    if (typeof v !== 'string') return fail(`must be a string, got ${describeType(v)}`, v);
    const unknown = [...v.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1] ?? '').filter((name) => !allowed.includes(name));
    if (unknown.length) return fail(`uses unknown variable(s) ${unknown.map((n) => `{${n}}`).join(', ')}; allowed: ${allowed.map((n) => `{${n}}`).join(', ')}`, v);
    return [];
  };
}

const toText = (v: unknown): unknown => (typeof v === 'number' || typeof v === 'boolean' ? String(v) : v);

export const FLAG = defineFormat({ name: 'flag', kind: 'boolean', check: bool() });
export const TEXT = defineFormat({ name: 'text', kind: 'string', check: str() });
export const NAME = defineFormat({ name: 'non-empty-text', kind: 'string', check: str({ nonEmpty: true }) });
export const WHOLE = defineFormat({ name: 'whole-number', kind: 'number', check: int(0) });
export const POSITIVE = defineFormat({ name: 'positive-whole-number', kind: 'number', check: int(1) });
export const AMOUNT = defineFormat({ name: 'non-negative-number', kind: 'number', check: num(0) });
/** A duration in seconds; fractions allowed (tests and fast local setups use sub-second backoff). */
export const SECONDS = defineFormat({ name: 'seconds', kind: 'number', check: num(0.01) });
export const TEXT_LIST = defineFormat({ name: 'text-list', kind: 'array', check: listOf(str({ nonEmpty: true })) });

export const NAME_PATTERN = defineFormat({
  name: 'name-pattern',
  kind: 'string',
  check: (v) => {
    const issues = [...str({ nonEmpty: true })(v), ...templateVariables(['namespace', 'name'])(v)];
    if (issues.length === 0 && !String(v).includes('{name}')) return fail('must contain {name}, or every server would get the same name', v);
    return issues.slice(0, 1);
  },
});

export const TAGS = defineFormat({
  name: 'tag-map',
  kind: 'object',
  check: mapOf(either('must be a string (a number or true/false is taken as text)', str(), num(-Infinity), bool()), {
    key: str({ nonEmpty: true }),
  }),
  normalize: (v) => (isPlainObject(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toText(x)])) : v),
});

export const LOG_LEVEL = defineFormat({
  name: 'log-level',
  kind: 'string',
  check: oneOf(['trace', 'debug', 'info', 'warn', 'warning', 'error', 'critical', 'fatal', 'silent'], { ignoreCase: true }),
});

export const NAMESPACE_LIST = defineFormat({
  name: 'namespace-list',
  kind: 'array',
  check: listOf(str({ pattern: DNS_LABEL, maxLength: 63, hint: 'a Kubernetes namespace name (lower-case letters, digits, -)' })),
});

export const EXTENSION_LIST = defineFormat({
  name: 'extension-list',
  kind: 'array',
  check: listOf(str({ pattern: /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, maxLength: 63, hint: 'a PostgreSQL extension name like pg_trgm or uuid-ossp' })),
});

export const ROLE_NAME = defineFormat({
  name: 'role-name',
  kind: 'string',
  check: (v) => {
    const issues = str({ pattern: PG_IDENTIFIER, maxLength: 63, hint: 'a PostgreSQL role name (letters, digits, _; not starting with a digit)' })(v);
    if (issues.length === 0 && String(v).toLowerCase().startsWith('pg_')) return fail('must not start with pg_ (reserved by PostgreSQL)', v);
    return issues;
  },
});

/**
 * A `host:port` template for how the operator reaches an in-cluster server, with {namespace},
 * {name} and {service}; "" = the backend's default (the Service's cluster DNS name).
 */
export const endpointTemplate: Check = (v) => {
  if (v === '') return [];
  const vars = templateVariables(['namespace', 'name', 'service'])(v);
  if (vars.length) return vars;
  const match = /^(\S+):(\d{1,5})$/.exec(String(v));
  const port = Number(match?.[2]);
  return match && port >= 1 && port <= 65535 ? [] : fail('must be host:port, e.g. 127.0.0.1:15432 or {service}.{namespace}.svc:5432', v);
};

export const ENDPOINT_TEMPLATE = defineFormat({ name: 'endpoint-template', kind: 'string', check: endpointTemplate });

/** A size class for in-cluster pods: CPU and memory requests (= limits). */
export const k8sClass: Check = shape({ cpu: { check: cpuQuantity, required: true }, memory: { check: memoryQuantity, required: true } });

export const K8S_CLASSES = defineFormat({
  name: 'k8s-classes',
  kind: 'object',
  check: mapOf(k8sClass, { key: str({ nonEmpty: true }) }),
  normalize: (v) =>
    isPlainObject(v)
      ? Object.fromEntries(Object.entries(v).map(([k, c]) => [k, isPlainObject(c) ? { ...c, cpu: toText(c.cpu), memory: toText(c.memory) } : c]))
      : v,
});

/** The default extension allow-list of in-cluster backends: the commonly used contrib modules. */
export const COMMON_EXTENSIONS: readonly string[] = [
  'pg_trgm', 'pgcrypto', 'uuid-ossp', 'hstore', 'citext', 'btree_gin', 'btree_gist', 'pg_stat_statements',
  'unaccent', 'tablefunc', 'fuzzystrmatch', 'intarray', 'ltree',
];
