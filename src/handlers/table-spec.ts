import { Reason, type ReasonName } from '../api/conditions.js';
import type { TableSpec } from '../api/types.js';
import { foldName, identifierProblem, printable } from '../postgres/tables/identifiers.js';
import { parseColumnType, type ParsedType } from '../postgres/tables/column-types.js';

/** A column the spec asks for, names folded and its type parsed; nothing checked against PostgreSQL yet. */
export interface WantedColumn {
  name: string;
  /** The type as written, for messages. */
  typeText: string;
  type: ParsedType;
  /** Undefined only while reading (then true, or false for primary key columns). */
  nullable: boolean;
  default?: string | number | boolean;
}

export interface WantedTable {
  table: string;
  columns: WantedColumn[];
  primaryKey: string[];
}

export interface SpecProblem {
  reason: ReasonName;
  message: string;
}

const EXPLICIT_KEYS = ['name', 'type', 'nullable', 'default'];

/**
 * Reads a PostgreSQLTable spec without I/O: the seed's `- USER_ID: integer` (one single-key map per
 * column) or the explicit `- {name, type, nullable, default}`; every name folded to lower case as
 * PostgreSQL does and checked; every type through the strict grammar. Returns every problem at once.
 */
export function readTableSpec(spec: TableSpec): WantedTable | { problems: SpecProblem[] } {
  const problems: SpecProblem[] = [];
  const table = foldName(String(spec.tableName ?? ''));
  const tableProblem = identifierProblem(table, 'table name');
  if (tableProblem) problems.push({ reason: Reason.InvalidName, message: tableProblem });
  const columns: WantedColumn[] = [];
  const items = Array.isArray(spec.columns) ? spec.columns : [];
  if (items.length === 0) problems.push({ reason: Reason.InvalidSpec, message: 'spec.columns must list at least one column' });
  items.forEach((item, i) => {
    const read = readColumn(item, i);
    if ('problem' in read) problems.push({ reason: read.reason, message: read.problem });
    else if (columns.some((c) => c.name === read.name)) problems.push({ reason: Reason.InvalidSpec, message: `column "${read.name}" is listed twice (names are folded to lower case)` });
    else columns.push(read);
  });
  const primaryKey = readPrimaryKey(spec.primaryKey, columns, problems);
  // Nullable unless said otherwise, as in PostgreSQL; primary key columns are NOT NULL.
  for (const c of columns) c.nullable = primaryKey.includes(c.name) ? false : (c.nullable ?? true);
  if (problems.length) return { problems };
  return { table, columns, primaryKey };
}

function readColumn(item: unknown, i: number): WantedColumn | { problem: string; reason: ReasonName } {
  const at = `spec.columns[${i}]`;
  const raw = columnParts(item, at);
  if ('problem' in raw) return { problem: raw.problem, reason: Reason.InvalidSpec };
  if (typeof raw.name !== 'string') return { problem: `${at}.name must be a string`, reason: Reason.InvalidSpec };
  const name = foldName(raw.name);
  const nameProblem = identifierProblem(name, `${at} column name`);
  if (nameProblem) return { problem: nameProblem, reason: Reason.InvalidName };
  const invalid = (what: string) => ({ problem: `${at} (${name}): ${what}`, reason: Reason.InvalidSpec });
  if (typeof raw.type !== 'string') return invalid('the type must be a string');
  const type = parseColumnType(raw.type);
  if ('problem' in type) return invalid(`type "${printable(raw.type)}" ${type.problem}`);
  if (raw.nullable !== undefined && typeof raw.nullable !== 'boolean') return invalid('nullable must be true or false');
  const dflt = raw.default ?? undefined;
  if (dflt !== undefined && !['string', 'number', 'boolean'].includes(typeof dflt)) return invalid('default must be a string, a number or a boolean');
  const column = { name, typeText: raw.type, type, nullable: raw.nullable as boolean } as WantedColumn;
  if (dflt !== undefined) column.default = dflt as string | number | boolean;
  return column;
}

/** The seed's `{NAME: type}` (one key: always this form) or the explicit `{name, type, nullable, default}`. */
function columnParts(item: unknown, at: string): { name: unknown; type: unknown; nullable?: unknown; default?: unknown } | { problem: string } {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return { problem: `${at} must be a map` };
  const entries = Object.entries(item as Record<string, unknown>);
  if (entries.length === 1) {
    const [[name, type]] = entries as [[string, unknown]];
    return { name, type };
  }
  const unknownKeys = entries.map(([k]) => k).filter((k) => !EXPLICIT_KEYS.includes(k));
  if (unknownKeys.length) return { problem: `${at} has unknown keys ${unknownKeys.map((k) => `"${printable(k)}"`).join(', ')}: use {NAME: type} or {name, type, nullable, default}` };
  return item as { name: unknown; type: unknown };
}

function readPrimaryKey(raw: unknown, columns: WantedColumn[], problems: SpecProblem[]): string[] {
  if (raw === undefined || raw === null) return [];
  const list = typeof raw === 'string' ? [raw] : Array.isArray(raw) && raw.every((k) => typeof k === 'string') ? (raw as string[]) : undefined;
  if (!list || list.length === 0) {
    problems.push({ reason: Reason.InvalidSpec, message: 'spec.primaryKey must be a column name or a non-empty list of column names' });
    return [];
  }
  const keys = list.map(foldName);
  for (const key of keys) {
    const column = columns.find((c) => c.name === key);
    if (!column) problems.push({ reason: Reason.InvalidSpec, message: `primary key column "${printable(key)}" is not in spec.columns` });
    else if (column.nullable === true) problems.push({ reason: Reason.InvalidSpec, message: `primary key column "${key}" cannot be nullable` });
  }
  if (new Set(keys).size !== keys.length) problems.push({ reason: Reason.InvalidSpec, message: 'spec.primaryKey names a column twice' });
  return keys;
}
