import { describe, expect, it } from '@jest/globals';
import { isWidening, parseColumnType, typmodFor, type TypeShape } from './column-types.js';

describe('parseColumnType', () => {
  it.each([
    ['integer', { base: 'integer', modifiers: [], isArray: false }],
    ['VARCHAR(50)', { base: 'varchar', modifiers: [50], isArray: false }],
    ['numeric ( 10 , 2 )', { base: 'numeric', modifiers: [10, 2], isArray: false }],
    ['double   precision', { base: 'double precision', modifiers: [], isArray: false }],
    ['timestamp(3) with time zone', { base: 'timestamp with time zone', modifiers: [3], isArray: false }],
    ['timestamp without time zone', { base: 'timestamp without time zone', modifiers: [], isArray: false }],
    ['text[]', { base: 'text', modifiers: [], isArray: true }],
    ['character varying(20) []', { base: 'character varying', modifiers: [20], isArray: true }],
  ])('%s', (text, parsed) => {
    expect(parseColumnType(text)).toEqual(parsed);
  });

  it.each([
    'integer; DROP TABLE x',
    "varchar(5)'); DROP TABLE x; --",
    'integer /* c */',
    'int -- c',
    'intégér',
    '"integer"',
    'public.mytype',
    'varchar(-1)',
    'numeric(1,2,3)',
    'integer[][]',
    'integer[3]',
    'text with time zone',
    'a b c d e',
    '',
    'x'.repeat(65),
  ])('refuses %j', (text) => {
    expect(parseColumnType(text)).toHaveProperty('problem');
  });
});

describe('typmodFor', () => {
  it('encodes modifiers as PostgreSQL stores them', () => {
    expect(typmodFor('character varying', [50])).toBe(54);
    expect(typmodFor('numeric', [10, 2])).toBe((10 << 16) + 2 + 4);
    expect(typmodFor('numeric', [7])).toBe((7 << 16) + 4);
    expect(typmodFor('timestamp with time zone', [3])).toBe(3);
    expect(typmodFor('integer', [])).toBe(-1);
  });

  it('refuses modifiers a type does not take, or out of range', () => {
    expect(typmodFor('integer', [4])).toHaveProperty('problem');
    expect(typmodFor('numeric', [2, 5])).toHaveProperty('problem');
    expect(typmodFor('timestamp without time zone', [7])).toHaveProperty('problem');
    expect(typmodFor('character varying', [0])).toHaveProperty('problem');
  });
});

describe('isWidening: exactly the documented list', () => {
  const t = (base: string, typmod = -1, isArray = false): TypeShape => ({ base, typmod, isArray });
  const varchar = (n: number) => t('character varying', n + 4);
  const numeric = (p: number, s: number) => t('numeric', ((p << 16) | s) + 4);
  it.each([
    ['varchar(50) → varchar(100)', varchar(50), varchar(100), true],
    ['varchar(50) → varchar', varchar(50), t('character varying'), true],
    ['varchar(50) → text', varchar(50), t('text'), true],
    ['varchar → text', t('character varying'), t('text'), true],
    ['varchar(50)[] → varchar(60)[]', { ...varchar(50), isArray: true }, { ...varchar(60), isArray: true }, true],
    ['smallint → integer', t('smallint'), t('integer'), true],
    ['smallint → bigint', t('smallint'), t('bigint'), true],
    ['integer → bigint', t('integer'), t('bigint'), true],
    ['numeric(10,2) → numeric(12,2)', numeric(10, 2), numeric(12, 2), true],
    ['numeric(10,2) → numeric', numeric(10, 2), t('numeric'), true],
    ['varchar(100) → varchar(50)', varchar(100), varchar(50), false],
    ['varchar → varchar(50)', t('character varying'), varchar(50), false],
    ['text → varchar(50)', t('text'), varchar(50), false],
    ['bigint → integer', t('bigint'), t('integer'), false],
    ['integer → text', t('integer'), t('text'), false],
    ['integer → numeric', t('integer'), t('numeric'), false],
    ['numeric(10,2) → numeric(12,3)', numeric(10, 2), numeric(12, 3), false],
    ['numeric(10,2) → numeric(8,2)', numeric(10, 2), numeric(8, 2), false],
    ['numeric → numeric(10,2)', t('numeric'), numeric(10, 2), false],
    ['text → text[]', t('text'), t('text', -1, true), false],
    ['character(5) → varchar(10)', t('character', 9), varchar(10), false],
    ['real → double precision', t('real'), t('double precision'), false],
  ] as const)('%s: %s', (_label, from, to, expected) => {
    expect(isWidening(from, to)).toBe(expected);
  });
});
