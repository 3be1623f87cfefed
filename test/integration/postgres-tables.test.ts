import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { alterTable, createTable, dropTable, readTable, resolveColumns, type ColumnRequest } from '../../src/postgres/tables/index.js';
import { parseColumnType } from '../../src/postgres/tables/column-types.js';
import { startPostgres, type TestPostgres } from '../support/postgres-server.js';

/** The table SQL layer against a real PostgreSQL: types resolved by the server, defaults dry-run, DDL in transactions. */
describe('table SQL against a real PostgreSQL', () => {
  let server: TestPostgres;
  let pool: pg.Pool;

  beforeAll(async () => {
    server = await startPostgres();
    pool = new pg.Pool({ host: server.host, port: server.port, user: server.user, password: server.password, database: 'postgres', max: 2 });
    // A connection still closing when the server stops at the end must not fail the suite.
    pool.on('error', () => undefined);
  });

  afterAll(async () => {
    await pool?.end();
    await server?.stop();
  });

  const col = (name: string, type: string, extra: Partial<ColumnRequest> = {}): ColumnRequest => {
    const parsed = parseColumnType(type);
    if ('problem' in parsed) throw new Error(parsed.problem);
    return { name, typeText: type, type: parsed, nullable: true, ...extra };
  };

  it('resolves types to PostgreSQL spellings with their modifiers, and defaults to PostgreSQL print form', async () => {
    const resolved = await resolveColumns(pool, [
      col('a', 'int'),
      col('b', 'varchar(50)', { default: 'x' }),
      col('c', 'numeric(10,2)', { default: 1.5 }),
      col('d', 'timestamp(3) with time zone', { default: 'now()' }),
      col('e', 'text[]'),
      col('f', 'bool', { default: false }),
      col('g', 'uuid', { default: 'gen_random_uuid()' }),
      col('h', 'timestamp', { default: 'CURRENT_TIMESTAMP' }),
    ]);
    expect(resolved.map((c) => [c.name, c.ddlType, c.canonicalDefault])).toEqual([
      ['a', 'integer', null],
      ['b', 'character varying(50)', "'x'::character varying"],
      ['c', 'numeric(10,2)', '1.5'],
      ['d', 'timestamp(3) with time zone', 'now()'],
      ['e', 'text[]', null],
      ['f', 'boolean', 'false'],
      ['g', 'uuid', 'gen_random_uuid()'],
      ['h', 'timestamp without time zone', 'CURRENT_TIMESTAMP'],
    ]);
    // The dry run left nothing behind.
    expect((await pool.query(`SELECT count(*)::int AS n FROM pg_class WHERE relname = 'hcpo_dry_run'`)).rows[0].n).toBe(0);
  });

  it.each([
    ['an unknown type', [col('a', 'nosuchtype')], /column a: type "nosuchtype" is not a type PostgreSQL knows/],
    ['a pseudo type', [col('a', 'record')], /pseudo or row type/],
    ['a word sequence PostgreSQL cannot parse as a type', [col('a', 'not null')], /is not a type PostgreSQL knows/],
    ['modifiers on a type without them', [col('a', 'integer(4)')], /integer takes no modifiers/],
    ['a default out of range for its type (caught by the dry run)', [col('a', 'smallint', { default: 99999 })], /do not fit together in PostgreSQL: value "99999" is out of range/],
    ['a text default too long for its varchar', [col('a', 'varchar(2)', { default: 'long' })], /column a: default "long" is longer than the column's 2 characters/],
    ['a date default PostgreSQL does not accept (caught by the dry run)', [col('a', 'date', { default: '2023-02-30' })], /do not fit together in PostgreSQL: date\/time field value out of range/],
  ])('refuses %s as InvalidSpec, naming the column', async (_label, columns, message) => {
    await expect(resolveColumns(pool, columns)).rejects.toMatchObject({ name: 'PermanentError', reason: 'InvalidSpec', message: expect.stringMatching(message) });
  });

  it('creates with a claim, alters all-or-nothing, and drops counting the rows', async () => {
    const resolved = await resolveColumns(pool, [col('id', 'integer', { nullable: false }), col('name', 'varchar(10)')]);
    await createTable(pool, 'public', 'things', { columns: resolved, primaryKey: ['id'] }, 'default/things');
    const found = await readTable(pool, 'public', 'things');
    expect(found).toMatchObject({ kind: 'table', table: { comment: 'managed by hybrid-cloud-postgresql-operator for PostgreSQLTable default/things', primaryKey: ['id'] } });
    await pool.query(`INSERT INTO things VALUES (1, 'a'), (2, NULL)`);
    // One failing sub-command (NOT NULL without a default on a table with rows) takes the others with it.
    await expect(alterTable(pool, 'public', 'things', ['ALTER COLUMN "name" TYPE text', 'ADD COLUMN "must" integer NOT NULL'])).rejects.toMatchObject({ reason: 'InvalidSpec' });
    const after = await readTable(pool, 'public', 'things');
    expect(after.kind === 'table' && after.table.columns.map((c) => `${c.name} ${c.type}`)).toEqual(['id integer', 'name character varying(10)']);
    expect(await dropTable(pool, 'public', 'things')).toBe(2);
    expect(await dropTable(pool, 'public', 'things')).toBeNull();
    expect(await readTable(pool, 'public', 'things')).toEqual({ kind: 'absent' });
  });

  it('tells a view from a table', async () => {
    await pool.query('CREATE VIEW a_view AS SELECT 1 AS x');
    expect(await readTable(pool, 'public', 'a_view')).toEqual({ kind: 'other', relkind: 'v' });
  });
});
