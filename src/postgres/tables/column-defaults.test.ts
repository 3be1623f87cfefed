import { describe, expect, it } from '@jest/globals';
import { defaultSql } from './column-defaults.js';
import type { TypeShape } from './column-types.js';

const t = (base: string, isArray = false): TypeShape => ({ base, typmod: -1, isArray });

describe('defaultSql', () => {
  it.each([
    [42, 'integer', "'42'"],
    ['-7', 'bigint', "'-7'"],
    [1.5, 'numeric', "'1.5'"],
    [true, 'boolean', "'true'"],
    ["it's", 'text', "'it''s'"],
    ['back\\slash', 'character varying', " E'back\\\\slash'"],
    ['2024-02-29', 'date', "'2024-02-29'"],
    ['2024-02-29T10:00:00Z', 'timestamp with time zone', "'2024-02-29T10:00:00Z'"],
    ['NOW()', 'timestamp with time zone', 'now()'],
    [' current_timestamp ', 'timestamp without time zone', 'CURRENT_TIMESTAMP'],
    ['current_date', 'date', 'CURRENT_DATE'],
    ['gen_random_uuid()', 'uuid', 'gen_random_uuid()'],
    ['0b4e5a7c-1d2e-4f3a-9b8c-7d6e5f4a3b2c', 'uuid', "'0b4e5a7c-1d2e-4f3a-9b8c-7d6e5f4a3b2c'"],
  ] as const)('%j for %s → %s', (value, base, sql) => {
    expect(defaultSql(value, t(base))).toEqual({ sql });
  });

  it.each([
    ['1); DROP TABLE x; --', 'integer'],
    ['1e5', 'integer'],
    ['yes', 'boolean'],
    ['now()', 'integer'],
    ['gen_random_uuid()', 'text'],
    ['tomorrow', 'date'],
    ['x', 'bytea'],
    ['line\nbreak', 'text'],
    [Number.NaN, 'numeric'],
    ['x'.repeat(1025), 'text'],
  ] as const)('refuses %j for %s', (value, base) => {
    expect(defaultSql(value, t(base))).toHaveProperty('problem');
  });

  it('gives array columns no default', () => {
    expect(defaultSql('a', t('text', true))).toHaveProperty('problem');
  });
});
