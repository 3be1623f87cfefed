import convict from 'convict';
import type { Check, Issue } from './checks.js';

/**
 * Named config formats. Each is registered with convict (so the schema is a real convict schema
 * and `validate({ allowed: 'strict' })` runs it) and kept here with two extras convict lacks:
 * the JSON kind of the value (how an env override string is read) and an optional normaliser
 * (e.g. an unquoted YAML `17` image tag becomes the string "17").
 */
export type ValueKind = 'boolean' | 'number' | 'string' | 'array' | 'object';

export interface FormatSpec {
  name: string;
  kind: ValueKind;
  check: Check;
  normalize?: (value: unknown) => unknown;
}

/** Thrown into convict by a failed format; carries the located issues. */
export class FormatError extends Error {
  constructor(readonly issues: Issue[]) {
    super(issues.map((i) => (i.subpath ? `${i.subpath}: ${i.reason}` : i.reason)).join('; '));
  }
}

const formats = new Map<string, FormatSpec>();

/**
 * Names must not be convict's coercing built-ins (int, nat, number, boolean, array, object, …):
 * convict would silently turn the string "false" into false, which is exactly the untyped
 * behaviour this schema exists to prevent.
 */
const RESERVED = new Set(['*', 'int', 'integer', 'nat', 'port', 'number', 'boolean', 'array', 'object', 'regexp', 'string']);

export function defineFormat(spec: FormatSpec): string {
  if (RESERVED.has(spec.name)) throw new Error(`config format name "${spec.name}" is reserved by convict`);
  if (formats.has(spec.name)) throw new Error(`config format "${spec.name}" is defined twice`);
  formats.set(spec.name, spec);
  convict.addFormat({
    name: spec.name,
    validate: (value: unknown) => {
      const issues = spec.check(value);
      if (issues.length > 0) throw new FormatError(issues);
    },
  });
  return spec.name;
}

export function formatSpec(name: string): FormatSpec {
  const spec = formats.get(name);
  if (!spec) throw new Error(`unknown config format "${name}"`);
  return spec;
}
