import { describe, expect, it } from '@jest/globals';
import type { ActualColumn, ActualTable } from './catalog.js';
import { planTable } from './plan.js';
import type { ResolvedColumn } from './resolve.js';

const want = (name: string, ddlType: string, base: string, typmod = -1, extra: Partial<ResolvedColumn> = {}): ResolvedColumn => ({
  name, ddlType, shape: { base, typmod, isArray: false }, nullable: true, canonicalDefault: null, ...extra,
});
const have = (name: string, type: string, base: string, typmod = -1, extra: Partial<ActualColumn> = {}): ActualColumn => ({
  name, type, shape: { base, typmod, isArray: false }, nullable: true, default: null, ...extra,
});
const tableOf = (columns: ActualColumn[], primaryKey: string[] = []): ActualTable => ({ oid: '1', owner: 'app', comment: null, columns, primaryKey });

describe('planTable', () => {
  const id = have('id', 'integer', 'integer', -1, { nullable: false });
  const name = have('name', 'character varying(50)', 'character varying', 54);

  it('nothing to do when the table matches', () => {
    const plan = planTable([want('id', 'integer', 'integer', -1, { nullable: false }), want('name', 'character varying(50)', 'character varying', 54)], ['id'], tableOf([id, name], ['id']), new Set(['id', 'name']));
    expect(plan).toEqual({ actions: [], added: [], restored: [], changed: [], unsafe: [], unmanaged: [] });
  });

  it('adds new columns, restores dropped ones, widens, drops NOT NULL, sets defaults; leaves unmanaged columns', () => {
    const plan = planTable(
      [
        want('id', 'bigint', 'bigint', -1, { nullable: false }),
        want('name', 'text', 'text', -1, { defaultSql: "'x'", canonicalDefault: "'x'::text" }),
        want('gone', 'date', 'date'),
        want('fresh', 'integer', 'integer', -1, { nullable: false, defaultSql: "'0'", canonicalDefault: '0' }),
      ],
      ['id'],
      tableOf([id, { ...name, nullable: false }, have('notes', 'text', 'text')], ['id']),
      new Set(['id', 'name', 'gone']),
    );
    expect(plan.actions).toEqual([
      'ALTER COLUMN "id" TYPE bigint',
      'ALTER COLUMN "name" TYPE text',
      'ALTER COLUMN "name" DROP NOT NULL',
      `ALTER COLUMN "name" SET DEFAULT 'x'`,
      'ADD COLUMN "gone" date',
      `ADD COLUMN "fresh" integer NOT NULL DEFAULT '0'`,
    ]);
    expect(plan).toMatchObject({ added: ['fresh'], restored: ['gone'], changed: ['id', 'name'], unsafe: [], unmanaged: ['notes'] });
  });

  it('names every unsafe part: removed column, narrowing, NOT NULL, primary key', () => {
    const plan = planTable(
      [want('id', 'integer', 'integer', -1, { nullable: false }), want('name', 'character varying(20)', 'character varying', 24, { nullable: false }), want('x', 'text', 'text')],
      ['id', 'name'],
      tableOf([id, name, have('old', 'text', 'text')], ['id']),
      new Set(['id', 'name', 'old']),
    );
    expect(plan.unsafe).toEqual([
      'name: type character varying(50) cannot change to character varying(20) (not a widening change)',
      'name: an existing column cannot become NOT NULL',
      'old: removed from spec.columns (columns are never dropped; drop it by hand to remove it)',
      'primary key: (id) cannot change to (id, name)',
    ]);
  });
});
