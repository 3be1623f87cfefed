import { describe, expect, it } from '@jest/globals';
import { mapOf, shape, str } from './checks.js';
import { cpuQuantity, endpointTemplate, memoryQuantity, NAME_PATTERN, ROLE_NAME, TAGS } from './common-formats.js';
import { defineFormat, formatSpec } from './formats.js';

/** The values a check refuses / lets through: `rejected(check, good)` and `accepted(check, bad)` should be empty. */
const rejected = (check: (v: unknown) => unknown[], values: unknown[]) => values.filter((v) => check(v).length > 0);
const accepted = (check: (v: unknown) => unknown[], values: unknown[]) => values.filter((v) => check(v).length === 0);

describe('config formats', () => {
  it('accept Kubernetes CPU and memory quantities and nothing else', () => {
    expect(rejected(cpuQuantity, ['500m', '1', '2.5', 1, 0.5, '.5'])).toEqual([]);
    expect(accepted(cpuQuantity, ['0', 0, '-1', '1Gi', 'lots', '', null, '500 m'])).toEqual([]);
    expect(rejected(memoryQuantity, ['512Mi', '2Gi', '1G', '1000', 1048576])).toEqual([]);
    expect(accepted(memoryQuantity, ['0Mi', '2GB', 'big', -5, 1.5, ''])).toEqual([]);
  });

  it('accept host:port endpoint templates with the known variables', () => {
    expect(rejected(endpointTemplate, ['', '127.0.0.1:15432', '{service}.{namespace}.svc:5432', '{name}-{namespace}.db.local:6432'])).toEqual([]);
    expect(accepted(endpointTemplate, ['localhost', 'host:0', 'host:70000', '{pod}:5432', 'a b:5432', 5432])).toEqual([]);
  });

  it('want {name} in name patterns and safe PostgreSQL role names', () => {
    const pattern = formatSpec(NAME_PATTERN).check;
    expect(rejected(pattern, ['{namespace}-{name}', 'pg-{name}'])).toEqual([]);
    expect(accepted(pattern, ['{namespace}', '', '{namespace}-{uid}'])).toEqual([]);
    const role = formatSpec(ROLE_NAME).check;
    expect(rejected(role, ['postgres', 'app_admin', '_x'])).toEqual([]);
    expect(accepted(role, ['pg_monitor', '1admin', 'ad-min', 'x'.repeat(64), 'a"; DROP'])).toEqual([]);
  });

  it('locate issues inside maps and lists by key and index', () => {
    const check = mapOf(shape({ name: { check: str({ nonEmpty: true }), required: true } }));
    expect(check({ 'db.large': { name: '' }, ok: { name: 'x' }, extra: { name: 'x', size: 1 } })).toEqual([
      { subpath: '["db.large"].name', value: '', reason: 'must not be empty' },
      { subpath: 'extra.size', value: 1, reason: 'is not a known field (known: name)' },
    ]);
  });

  it('normalise tag values to text', () => {
    expect(formatSpec(TAGS).normalize?.({ cost: 42, billable: true, team: 'a' })).toEqual({ cost: '42', billable: 'true', team: 'a' });
  });

  it('refuse names convict would coerce, and duplicates', () => {
    expect(() => defineFormat({ name: 'boolean', kind: 'boolean', check: () => [] })).toThrow(/reserved/);
    expect(() => defineFormat({ name: 'flag', kind: 'boolean', check: () => [] })).toThrow(/defined twice/);
  });
});
