import type { TableColumnStatus } from '../api/types.js';
import type { ActualTable } from '../postgres/tables/index.js';

/**
 * The status fields describing a table as it is in PostgreSQL. A column is managed when the spec
 * lists it or the operator managed it before (a column removed from the spec stays managed, so
 * the removal keeps being refused until the column is dropped by hand).
 */
export function tableStatusFields(table: ActualTable, wanted: ReadonlySet<string>, managedBefore: ReadonlySet<string>): Record<string, unknown> {
  const columns: TableColumnStatus[] = table.columns.map((c) => {
    const status: TableColumnStatus = { name: c.name, type: c.type, nullable: c.nullable, managed: wanted.has(c.name) || managedBefore.has(c.name) };
    if (c.default !== null) status.default = c.default;
    return status;
  });
  const unmanaged = columns.filter((c) => !c.managed).map((c) => c.name);
  return { columns, columnCount: columns.length, unmanagedColumns: unmanaged.length ? unmanaged : undefined, primaryKey: table.primaryKey.length ? table.primaryKey : undefined };
}

/** The columns the operator managed at its last report. */
export function managedColumns(columns: TableColumnStatus[] | undefined): Set<string> {
  return new Set((columns ?? []).filter((c) => c.managed).map((c) => c.name));
}

/**
 * True when the table is exactly as the last report described it (every column's name, type,
 * nullability and default, and the primary key). For an object Ready for its current generation
 * that means nothing has drifted, and the resync can skip resolving types and defaults again.
 */
export function matchesLastReport(table: ActualTable, status: { columns?: TableColumnStatus[]; primaryKey?: string[] } | undefined): boolean {
  const reported = status?.columns;
  if (!reported || reported.length !== table.columns.length) return false;
  const samePk = (status.primaryKey ?? []).join(',') === table.primaryKey.join(',');
  return samePk && table.columns.every((c, i) => {
    const r = reported[i];
    return r?.name === c.name && r.type === c.type && r.nullable === c.nullable && (r.default ?? null) === c.default;
  });
}
