import { exec } from '../errors.js';
import type { Queryable } from '../types.js';
import type { TypeShape } from './column-types.js';

/** A column as PostgreSQL has it. */
export interface ActualColumn {
  name: string;
  /** format_type(atttypid, atttypmod), e.g. `character varying(50)`. */
  type: string;
  shape: TypeShape;
  nullable: boolean;
  /** pg_get_expr of the default, null when there is none. */
  default: string | null;
}

export interface ActualTable {
  oid: string;
  owner: string;
  comment: string | null;
  columns: ActualColumn[];
  primaryKey: string[];
}

/** What `schema.table` is in the database: nothing, a table, or another kind of relation. */
export type TableLookup = { kind: 'absent' } | { kind: 'table'; table: ActualTable } | { kind: 'other'; relkind: string };

/** Reads the table (columns, defaults, primary key, owner, comment) in three catalogue queries. */
export async function readTable(q: Queryable, schema: string, table: string): Promise<TableLookup> {
  const rel = await exec<{ oid: string; relkind: string; owner: string; comment: string | null }>(
    q,
    `look up table ${table}`,
    `SELECT c.oid::text AS oid, c.relkind::text AS relkind, pg_get_userbyid(c.relowner) AS owner, obj_description(c.oid, 'pg_class') AS comment
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2`,
    [schema, table],
  );
  const found = rel[0];
  if (!found) return { kind: 'absent' };
  if (found.relkind !== 'r') return { kind: 'other', relkind: found.relkind };
  const columns = await exec<{ name: string; type: string; base: string; typmod: number; is_array: boolean; nullable: boolean; default: string | null }>(
    q,
    `read the columns of table ${table}`,
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
            format_type(CASE WHEN t.typcategory = 'A' THEN t.typelem ELSE a.atttypid END, NULL) AS base,
            a.atttypmod AS typmod, t.typcategory = 'A' AS is_array, NOT a.attnotnull AS nullable,
            pg_get_expr(d.adbin, d.adrelid) AS default
       FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    [found.oid],
  );
  const primaryKey = await exec<{ name: string }>(
    q,
    `read the primary key of table ${table}`,
    `SELECT a.attname AS name FROM pg_index i, unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
       JOIN pg_attribute a ON a.attnum = k.attnum
      WHERE i.indrelid = $1::oid AND i.indisprimary AND a.attrelid = i.indrelid ORDER BY k.ord`,
    [found.oid],
  );
  return {
    kind: 'table',
    table: {
      oid: found.oid,
      owner: found.owner,
      comment: found.comment,
      columns: columns.map((c) => ({ name: c.name, type: c.type, shape: { base: c.base, typmod: c.typmod, isArray: c.is_array }, nullable: c.nullable, default: c.default })),
      primaryKey: primaryKey.map((r) => r.name),
    },
  };
}
