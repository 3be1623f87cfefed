import { describe, expect, it } from '@jest/globals';
import type { ActualTable } from '../postgres/tables/index.js';
import { managedColumns, matchesLastReport, tableStatusFields } from './table-status.js';

const actual: ActualTable = {
  oid: '1',
  owner: 'app',
  comment: null,
  primaryKey: ['id'],
  columns: [
    { name: 'id', type: 'integer', shape: { base: 'integer', typmod: -1, isArray: false }, nullable: false, default: null },
    { name: 'country', type: 'character varying(2)', shape: { base: 'character varying', typmod: 6, isArray: false }, nullable: true, default: "'DE'::character varying" },
    { name: 'notes', type: 'text', shape: { base: 'text', typmod: -1, isArray: false }, nullable: true, default: null },
    { name: 'old', type: 'text', shape: { base: 'text', typmod: -1, isArray: false }, nullable: true, default: null },
  ],
};

describe('table status', () => {
  const fields = tableStatusFields(actual, new Set(['id', 'country']), new Set(['id', 'old']));

  it('lists the columns as PostgreSQL has them; hand-added ones unmanaged, ones removed from the spec still managed', () => {
    expect(fields).toEqual({
      columns: [
        { name: 'id', type: 'integer', nullable: false, managed: true },
        { name: 'country', type: 'character varying(2)', nullable: true, default: "'DE'::character varying", managed: true },
        { name: 'notes', type: 'text', nullable: true, managed: false },
        { name: 'old', type: 'text', nullable: true, managed: true },
      ],
      columnCount: 4,
      unmanagedColumns: ['notes'],
      primaryKey: ['id'],
    });
    expect([...managedColumns(fields.columns as never)]).toEqual(['id', 'country', 'old']);
  });

  it('a table is unchanged since the report only when every column and the key are', () => {
    const status = fields as never;
    expect(matchesLastReport(actual, status)).toBe(true);
    const changed = (i: number, patch: object): ActualTable => ({ ...actual, columns: actual.columns.map((c, j) => (j === i ? { ...c, ...patch } : c)) });
    expect(matchesLastReport(changed(1, { default: null }), status)).toBe(false);
    expect(matchesLastReport(changed(1, { type: 'text' }), status)).toBe(false);
    expect(matchesLastReport(changed(0, { nullable: true }), status)).toBe(false);
    expect(matchesLastReport({ ...actual, columns: actual.columns.slice(0, 3) }, status)).toBe(false);
    expect(matchesLastReport({ ...actual, primaryKey: [] }, status)).toBe(false);
    expect(matchesLastReport(actual, undefined)).toBe(false);
  });
});
