import { escapeIdentifier } from 'pg';
import type { Pool } from 'pg';
import { Reason } from '../../api/conditions.js';
import { PermanentError } from '../../backends/errors.js';
import { exec, sqlState } from '../errors.js';
import type { Queryable } from '../types.js';
import { defaultSql } from './column-defaults.js';
import { typmodFor, type ParsedType, type TypeShape } from './column-types.js';
import { printable } from './identifiers.js';

/** A column to create, resolved against PostgreSQL's catalogue. */
export interface ResolvedColumn {
  name: string;
  /** PostgreSQL's format_type of the resolved type and modifier: the only type text put in a statement. */
  ddlType: string;
  shape: TypeShape;
  nullable: boolean;
  /** The SQL of the default, from the safe set (see column-defaults.ts). */
  defaultSql?: string;
  /** The default as PostgreSQL prints it for this column (from a dry run), to compare with a table's. */
  canonicalDefault: string | null;
}

export interface ColumnRequest {
  name: string;
  typeText: string;
  type: ParsedType;
  nullable: boolean;
  default?: string | number | boolean;
}

/** Type categories a column may have: base, enum, domain, range, multirange (not pseudo or row types). */
const COLUMN_TYPTYPES = ['b', 'e', 'd', 'r', 'm'];

/**
 * Checks every base type with `to_regtype`, every modifier and default against its type, and then
 * lets PostgreSQL itself build the columns in a temporary table that is rolled back: defaults that
 * do not fit their type fail there, before the real table is touched, and the defaults come back
 * as PostgreSQL prints them. Problems are PermanentErrors (InvalidSpec) naming the column.
 */
export async function resolveColumns(pool: Pool, requests: ColumnRequest[]): Promise<ResolvedColumn[]> {
  const bases = new Map<string, BaseType | undefined>();
  for (const base of new Set(requests.map((r) => r.type.base))) bases.set(base, await lookUpType(pool, base));
  const problems: string[] = [];
  const partial: Array<Omit<ResolvedColumn, 'ddlType' | 'canonicalDefault'> & { oid: string }> = [];
  for (const r of requests) {
    const base = bases.get(r.type.base);
    const where = `column ${r.name}: type "${printable(r.typeText)}"`;
    if (!base) {
      problems.push(`${where} is not a type PostgreSQL knows in this database`);
      continue;
    }
    if (!COLUMN_TYPTYPES.includes(base.typtype)) {
      problems.push(`${where} is a pseudo or row type, not a column type`);
      continue;
    }
    const typmod = typmodFor(base.canonical, r.type.modifiers);
    if (typeof typmod !== 'number') {
      problems.push(`${where}: ${base.canonical} ${typmod.problem}`);
      continue;
    }
    if (r.type.isArray && base.arrayOid === '0') {
      problems.push(`${where}: ${base.canonical} has no array type`);
      continue;
    }
    const shape: TypeShape = { base: base.canonical, typmod, isArray: r.type.isArray };
    let dflt: string | undefined;
    if (r.default !== undefined) {
      const made = defaultSql(r.default, shape);
      if ('problem' in made) {
        problems.push(`column ${r.name}: default ${made.problem}`);
        continue;
      }
      dflt = made.sql;
    }
    partial.push({ name: r.name, shape, nullable: r.nullable, defaultSql: dflt, oid: r.type.isArray ? base.arrayOid : base.oid });
  }
  if (problems.length) throw new PermanentError(problems.join('; '), Reason.InvalidSpec);
  const types = await exec<{ type: string }>(
    pool,
    'format the column types',
    'SELECT format_type(o, m) AS type FROM unnest($1::oid[], $2::int[]) WITH ORDINALITY AS x(o, m, i) ORDER BY i',
    [partial.map((p) => p.oid), partial.map((p) => p.shape.typmod)],
  );
  const columns = partial.map(({ oid: _oid, ...p }, i) => ({ ...p, ddlType: types[i]?.type as string, canonicalDefault: null as string | null }));
  const defaults = await dryRun(pool, columns);
  for (const c of columns) c.canonicalDefault = defaults.get(c.name) ?? null;
  return columns;
}

type BaseType = {
  oid: string;
  canonical: string;
  typtype: string;
  arrayOid: string;
};

async function lookUpType(q: Queryable, base: string): Promise<BaseType | undefined> {
  try {
    const rows = await exec<BaseType>(
      q,
      `look up type ${base}`,
      `SELECT t.oid::text AS oid, format_type(t.oid, NULL) AS canonical, t.typtype::text AS typtype, t.typarray::text AS "arrayOid"
         FROM pg_type t WHERE t.oid = to_regtype($1)`,
      [base],
    );
    return rows[0];
  } catch (err) {
    // Before PostgreSQL 16, to_regtype raises a syntax error for some word sequences ("not null").
    if (sqlState((err as { cause?: unknown }).cause) === '42601') return undefined;
    throw err;
  }
}

/** The column definitions of CREATE TABLE / ADD COLUMN, from resolved parts only. */
export function columnDefinition(c: Pick<ResolvedColumn, 'name' | 'ddlType' | 'nullable' | 'defaultSql'>): string {
  return [escapeIdentifier(c.name), c.ddlType, c.nullable ? '' : 'NOT NULL', c.defaultSql ? `DEFAULT ${c.defaultSql}` : ''].filter(Boolean).join(' ');
}

/** Builds the columns in a temporary table, reads their defaults back, and rolls everything back. */
async function dryRun(pool: Pool, columns: Array<Omit<ResolvedColumn, 'canonicalDefault'>>): Promise<Map<string, string | null>> {
  if (!columns.some((c) => c.defaultSql)) return new Map();
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    try {
      await client.query(`CREATE TEMPORARY TABLE hcpo_dry_run (${columns.map((c) => columnDefinition({ ...c, nullable: true })).join(', ')}) ON COMMIT DROP`);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      throw new PermanentError(`the columns do not fit together in PostgreSQL: ${message}`, Reason.InvalidSpec);
    }
    const rows = await exec<{ name: string; default: string | null }>(
      client,
      'read the dry run',
      `SELECT a.attname AS name, pg_get_expr(d.adbin, d.adrelid) AS default FROM pg_attribute a
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE a.attrelid = 'pg_temp.hcpo_dry_run'::regclass AND a.attnum > 0 AND NOT a.attisdropped`,
    );
    return new Map(rows.map((r) => [r.name, r.default]));
  } catch (err) {
    broken = !(err instanceof PermanentError);
    throw err;
  } finally {
    await client.query('ROLLBACK').catch(() => (broken = true));
    client.release(broken);
  }
}
