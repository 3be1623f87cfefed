import { escapeIdentifier } from 'pg';
import type { ActualTable } from './catalog.js';
import { isWidening } from './column-types.js';
import { columnDefinition, type ResolvedColumn } from './resolve.js';

/** What it takes to bring an existing table to the spec. */
export interface TablePlan {
  /** ALTER TABLE sub-commands, applied together in one transaction (or none at all). */
  actions: string[];
  /** Columns the spec added. */
  added: string[];
  /** Columns the operator had made that were dropped by hand and are added back. */
  restored: string[];
  /** Columns whose type, nullability or default changes (widening, DROP NOT NULL, defaults). */
  changed: string[];
  /** Why the plan must not run: one entry per offending column (or the primary key). */
  unsafe: string[];
  /** Columns nobody asked for and the operator never made: left alone. */
  unmanaged: string[];
}

/**
 * Compares the spec's columns with the table. Applied: added columns, the widening type changes of
 * `isWidening`, NOT NULL dropped, defaults set or dropped. Unsafe (nothing is applied then): a
 * column the operator managed removed from the spec, any other type change, a column turning NOT
 * NULL, a different primary key. `managedBefore`: the columns the operator managed until now.
 */
export function planTable(wanted: ResolvedColumn[], primaryKey: string[], actual: ActualTable, managedBefore: ReadonlySet<string>): TablePlan {
  const plan: TablePlan = { actions: [], added: [], restored: [], changed: [], unsafe: [], unmanaged: [] };
  const present = new Map(actual.columns.map((c) => [c.name, c]));
  for (const w of wanted) {
    const col = escapeIdentifier(w.name);
    const a = present.get(w.name);
    if (!a) {
      plan.actions.push(`ADD COLUMN ${columnDefinition(w)}`);
      (managedBefore.has(w.name) ? plan.restored : plan.added).push(w.name);
      continue;
    }
    const before = plan.actions.length;
    if (a.type !== w.ddlType) {
      if (isWidening(a.shape, w.shape)) plan.actions.push(`ALTER COLUMN ${col} TYPE ${w.ddlType}`);
      else plan.unsafe.push(`${w.name}: type ${a.type} cannot change to ${w.ddlType} (not a widening change)`);
    }
    if (a.nullable !== w.nullable) {
      if (w.nullable) plan.actions.push(`ALTER COLUMN ${col} DROP NOT NULL`);
      else plan.unsafe.push(`${w.name}: an existing column cannot become NOT NULL`);
    }
    if (a.default !== w.canonicalDefault) plan.actions.push(w.defaultSql ? `ALTER COLUMN ${col} SET DEFAULT ${w.defaultSql}` : `ALTER COLUMN ${col} DROP DEFAULT`);
    if (plan.actions.length > before) plan.changed.push(w.name);
  }
  const names = new Set(wanted.map((w) => w.name));
  for (const a of actual.columns) {
    if (names.has(a.name)) continue;
    if (managedBefore.has(a.name)) plan.unsafe.push(`${a.name}: removed from spec.columns (columns are never dropped; drop it by hand to remove it)`);
    else plan.unmanaged.push(a.name);
  }
  if (actual.primaryKey.join(',') !== primaryKey.join(',')) {
    plan.unsafe.push(`primary key: (${actual.primaryKey.join(', ')}) cannot change to (${primaryKey.join(', ')})`);
  }
  return plan;
}
