import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { configFrom, Harness, testConfig, waitFor } from '../support/operator-harness.js';

const EXAMPLE = 'examples/table-website-users.yaml';
const TABLE = 'PostgreSQLTable';

interface TableObject {
  metadata: { generation: number };
  spec: { columns: unknown[] } & Record<string, unknown>;
  status?: {
    observedGeneration?: number;
    table?: string;
    columnCount?: number;
    columns?: Array<{ name: string; type: string; nullable: boolean; default?: string; managed: boolean }>;
    unmanagedColumns?: string[];
    primaryKey?: string[];
    conditions?: Array<{ type: string; status: string; reason: string; message: string; observedGeneration?: number }>;
  };
}

const table = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: 'hybridcloud.maibornwolff.de/v1alpha1',
  kind: TABLE,
  metadata: { name, namespace: 'default' },
  spec: { databaseRef: { name: 'demoservice' }, ...spec },
});

/**
 * The seed's kopf demo on this operator: its DatabaseTable spec, unchanged, becomes a table owned by
 * the database's role in a real PostgreSQL; additive changes are applied, unsafe ones refused as a
 * whole, drift repaired, hostile strings refused before any SQL, and deletion follows the policy.
 */
describe('PostgreSQLTable against a real PostgreSQL', () => {
  let h: Harness;
  let sql: pg.Client;

  beforeAll(async () => {
    h = await Harness.start({ postgres: { settings: { log_statement: 'all' } } });
    await h.apply(readFileSync(EXAMPLE, 'utf8'));
    await h.waitForReady('PostgreSQLDatabase', 'demoservice');
    // The server's admin (a superuser here), from the credentials the operator published.
    const admin = await h.secret('demoteam-postgres-credentials');
    sql = new pg.Client({ host: h.pg.host, port: h.pg.port, user: admin?.username, password: admin?.password, database: 'demoservice' });
    await sql.connect();
  }, 60_000);

  afterAll(async () => {
    await sql?.end();
    await h?.stop();
  });

  const get = (name: string) => h.get<TableObject>(TABLE, name);

  /** Ready with the given status for the CR's current generation. */
  async function settled(name: string, status = 'True', reason?: string, timeoutMs = 30_000): Promise<TableObject> {
    let last: TableObject | undefined;
    await waitFor(
      async () => {
        last = await get(name);
        const ready = last?.status?.conditions?.find((c) => c.type === 'Ready');
        return !!last && ready?.status === status && (!reason || ready.reason === reason) && ready.observedGeneration === last.metadata.generation;
      },
      timeoutMs,
      () => `${name} Ready=${status}/${reason ?? ''}: ${JSON.stringify(last?.status)}\n${h.logLines.slice(-5).join('\n')}`,
    );
    return last as TableObject;
  }

  async function columns(tableName = 'website_users'): Promise<Record<string, string>> {
    const rows = await sql.query<{ attname: string; type: string }>(
      `SELECT attname, format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
      [tableName],
    );
    return Object.fromEntries(rows.rows.map((r) => [r.attname, r.type]));
  }

  /** Makes the operator look again now (an annotation change is a change it reconciles). */
  const nudge = (name: string) => h.patch(TABLE, name, { metadata: { annotations: { nudge: String(Date.now()) } } });
  const setColumns = (name: string, cols: unknown[]) => h.patch(TABLE, name, { spec: { columns: cols } });

  const SEED_COLUMNS = [{ USER_ID: 'integer' }, { USER_NAME: 'varchar(50)' }, { USER_EMAIL: 'varchar(100)' }, { SIGNUP_DATE: 'date' }, { LAST_LOGIN: 'timestamp' }];

  it("the seed's CR, verbatim, creates the table its demo describes, owned by the database's role", async () => {
    const obj = await settled('website-users');
    expect(await columns()).toEqual({
      user_id: 'integer',
      user_name: 'character varying(50)',
      user_email: 'character varying(100)',
      signup_date: 'date',
      last_login: 'timestamp without time zone',
    });
    const owner = await sql.query(`SELECT pg_get_userbyid(relowner) AS owner FROM pg_class WHERE oid = 'public.website_users'::regclass`);
    expect(owner.rows[0].owner).toBe('demoservice');
    const pk = await sql.query(`SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = 'public.website_users'::regclass AND contype = 'p'`);
    expect(pk.rows[0].def).toBe('PRIMARY KEY (user_id)');
    expect(obj.status).toMatchObject({ table: 'website_users', columnCount: 5, primaryKey: ['user_id'] });
    expect(obj.status?.columns?.[0]).toEqual({ name: 'user_id', type: 'integer', nullable: false, managed: true });
    expect(obj.status?.unmanagedColumns).toBeUndefined();
    expect(await h.events('website-users')).toEqual(expect.arrayContaining([expect.objectContaining({ reason: 'Created', type: 'Normal' })]));
    // The application's own login can use the table.
    const creds = await h.secret('demoservice-postgres-credentials');
    const app = new pg.Client({ host: h.pg.host, port: h.pg.port, user: creds?.username, password: creds?.password, database: creds?.dbname });
    await app.connect();
    await app.query(`INSERT INTO website_users (user_id, user_name) VALUES (1, 'ada'), (2, 'grace')`);
    await app.end();
  });

  it('adds a column (explicit form, a text default with quotes passed as a plain value)', async () => {
    await setColumns('website-users', [...SEED_COLUMNS, { name: 'COUNTRY', type: 'varchar(2)', default: 'DE' }, { name: 'motto', type: 'text', default: "it's'); DROP TABLE website_users; --" }]);
    const obj = await settled('website-users');
    expect(await columns()).toMatchObject({ country: 'character varying(2)', motto: 'text' });
    expect(obj.status?.columns?.find((c) => c.name === 'country')).toMatchObject({ default: "'DE'::character varying", nullable: true });
    await sql.query(`INSERT INTO website_users (user_id) VALUES (3)`);
    const row = await sql.query(`SELECT country, motto FROM website_users WHERE user_id = 3`);
    expect(row.rows[0]).toEqual({ country: 'DE', motto: "it's'); DROP TABLE website_users; --" });
  });

  const CURRENT = () => [...SEED_COLUMNS, { name: 'COUNTRY', type: 'varchar(2)', default: 'DE' }, { name: 'motto', type: 'text', default: "it's'); DROP TABLE website_users; --" }];

  it('refuses a removed column and a narrowing type change, and applies nothing of that change, not even the added column', async () => {
    const before = await columns();
    const cols = CURRENT().filter((c) => !('LAST_LOGIN' in c));
    cols[1] = { USER_NAME: 'varchar(20)' };
    await setColumns('website-users', [...cols, { EXTRA: 'text' }]);
    const obj = await settled('website-users', 'False', 'UnsafeChange');
    const message = obj.status?.conditions?.find((c) => c.type === 'Ready')?.message ?? '';
    expect(message).toMatch(/last_login: removed/);
    expect(message).toMatch(/user_name: type character varying\(50\) cannot change to character varying\(20\)/);
    expect(await columns()).toEqual(before);
    expect(await h.events('website-users')).toEqual(expect.arrayContaining([expect.objectContaining({ reason: 'UnsafeChange', type: 'Warning' })]));
    // A changed primary key is refused too.
    await h.patch(TABLE, 'website-users', { spec: { columns: CURRENT(), primaryKey: ['USER_ID', 'USER_EMAIL'] } });
    expect((await settled('website-users', 'False', 'UnsafeChange')).status?.conditions?.[0]?.message).toMatch(/primary key: \(user_id\) cannot change to \(user_id, user_email\)/);
    await h.patch(TABLE, 'website-users', { spec: { columns: CURRENT(), primaryKey: 'USER_ID' } });
    await settled('website-users');
    expect(await columns()).toEqual(before);
  });

  it('applies the widening changes (longer varchar, integer to bigint, varchar to text) and keeps the rows', async () => {
    const cols = CURRENT();
    cols[0] = { USER_ID: 'bigint' };
    cols[1] = { USER_NAME: 'varchar(200)' };
    cols[2] = { USER_EMAIL: 'text' };
    await setColumns('website-users', cols);
    await settled('website-users');
    expect(await columns()).toMatchObject({ user_id: 'bigint', user_name: 'character varying(200)', user_email: 'text' });
    const rows = await sql.query(`SELECT user_name FROM website_users ORDER BY user_id`);
    expect(rows.rows.map((r) => r.user_name)).toEqual(['ada', 'grace', null]);
  });

  const WIDENED = () => {
    const cols = CURRENT();
    cols[0] = { USER_ID: 'bigint' };
    cols[1] = { USER_NAME: 'varchar(200)' };
    cols[2] = { USER_EMAIL: 'text' };
    return cols;
  };

  it('adds back a column dropped by hand, and leaves a column added by hand alone (listed as unmanaged)', async () => {
    await sql.query('ALTER TABLE website_users DROP COLUMN signup_date, ADD COLUMN notes text');
    await nudge('website-users');
    await waitFor(async () => (await get('website-users'))?.status?.unmanagedColumns?.includes('notes') === true, 20_000, () => 'notes listed as unmanaged');
    const obj = await settled('website-users');
    expect(Object.keys(await columns())).toEqual(expect.arrayContaining(['signup_date', 'notes']));
    expect(obj.status?.columns?.find((c) => c.name === 'notes')).toMatchObject({ managed: false });
    expect(obj.status?.columnCount).toBe(8);
    expect(await h.events('website-users')).toEqual(expect.arrayContaining([expect.objectContaining({ reason: 'ColumnsRestored', type: 'Warning', message: expect.stringMatching(/signup_date/) })]));
  });

  it('creates a table dropped by hand again, empty, with a Warning event', async () => {
    await sql.query('DROP TABLE website_users');
    await nudge('website-users');
    await waitFor(async () => (await h.events('website-users')).some((e) => e.reason === 'TableRecreated' && e.type === 'Warning'), 20_000, () => 'TableRecreated event');
    await settled('website-users');
    expect((await sql.query('SELECT count(*)::int AS n FROM website_users')).rows[0].n).toBe(0);
    expect(Object.keys(await columns())).not.toContain('notes');
    expect(Object.keys(await columns())).toHaveLength(WIDENED().length);
  });

  describe('hostile input is refused with a condition, and no SQL is run for it', () => {
    const MARK = 'hcpo_evil';
    it.each([
      ['a type with a semicolon', { tableName: 't1', columns: [{ A: `integer; DROP TABLE website_users; -- ${MARK}` }] }, 'InvalidSpec', /type .* is not a type this operator accepts/],
      ['a type with quotes', { tableName: 't2', columns: [{ A: `varchar(5)'); DROP TABLE ${MARK}` }] }, 'InvalidSpec', /is not a type/],
      ['a type with a comment', { tableName: 't3', columns: [{ A: `integer /* ${MARK} */` }] }, 'InvalidSpec', /is not a type/],
      ['a type with a line comment', { tableName: 't4', columns: [{ A: `int -- ${MARK}` }] }, 'InvalidSpec', /is not a type/],
      ['a unicode type', { tableName: 't5', columns: [{ A: `intégér_${MARK}` }] }, 'InvalidSpec', /is not a type/],
      ['a unicode table name', { tableName: `tästä_${MARK}`, columns: [{ A: 'integer' }] }, 'InvalidName', /ASCII letters/],
      ['a 64-byte column name', { tableName: 't6', columns: [{ [`${MARK}_${'x'.repeat(54)}`]: 'integer' }] }, 'InvalidName', /longer than PostgreSQL's limit of 63 bytes/],
      ['a reserved word as table name', { tableName: 'SELECT', columns: [{ A: `integer` }, { [`B_${MARK}`]: 'text' }] }, 'InvalidName', /"select" is a reserved word/],
      ['a reserved word as column name', { tableName: 't7', columns: [{ USER: 'integer' }, { [`B_${MARK}`]: 'text' }] }, 'InvalidName', /"user" is a reserved word/],
      ['a quote in a column name', { tableName: 't8', columns: [{ [`a"b_${MARK}`]: 'integer' }] }, 'InvalidName', /ASCII letters/],
      ['an SQL default on an integer column', { tableName: 't9', columns: [{ name: 'a', type: 'integer', default: `1); DROP TABLE ${MARK}; --` }] }, 'InvalidSpec', /default .* is not a integer literal/],
      ['a function default outside the list', { tableName: 't10', columns: [{ name: 'a', type: 'text', default: "pg_sleep(1)::text || 'hcpo_literal'" }] }, null, null],
    ] as const)('%s', async (_label, spec, reason, text) => {
      const name = `hostile-${(spec as { tableName: string }).tableName.length < 6 ? (spec as { tableName: string }).tableName : 'x'}-${Math.random().toString(36).slice(2, 7)}`;
      await h.create(table(name, spec));
      if (reason === null) {
        // Not a function from the list: it is a text literal like any other (stored as the value).
        await settled(name);
        expect((await get(name))?.status?.columns?.[0]?.default).toBe("'pg_sleep(1)::text || ''hcpo_literal'''::text");
        return;
      }
      const obj = await settled(name, 'False', reason);
      expect(obj.status?.conditions?.[0]?.message).toMatch(text as RegExp);
      await waitFor(async () => (await h.events(name)).some((e) => e.type === 'Warning' && e.reason === reason), 10_000, () => `${reason} event`);
      expect(h.pg.log()).not.toContain(MARK);
      await h.delete(TABLE, name);
      await waitFor(async () => (await get(name)) === undefined, 10_000, () => `${name} deleted`);
    });

    it('the reserved words match the server: every one of them is refused', async () => {
      const { RESERVED_KEYWORDS } = await import('../../src/postgres/tables/identifiers.js');
      const rows = await sql.query(`SELECT word FROM pg_get_keywords() WHERE catcode IN ('R', 'T') ORDER BY word`);
      expect([...RESERVED_KEYWORDS].sort()).toEqual(rows.rows.map((r) => r.word));
    });
  });

  it('Retain: deleting the CR keeps the table and its rows', async () => {
    await h.create(table('audit', { tableName: 'AUDIT_LOG', columns: [{ name: 'id', type: 'bigint' }, { name: 'at', type: 'timestamptz', default: 'now()', nullable: false }], primaryKey: ['id'], deletionPolicy: 'Retain' }));
    const obj = await settled('audit');
    expect(obj.status?.columns?.[1]).toMatchObject({ name: 'at', type: 'timestamp with time zone', default: 'now()', nullable: false });
    await sql.query('INSERT INTO audit_log (id) VALUES (1), (2)');
    await h.delete(TABLE, 'audit');
    await waitFor(async () => (await get('audit')) === undefined, 20_000, () => 'audit released');
    expect((await sql.query('SELECT count(*)::int AS n FROM audit_log')).rows[0].n).toBe(2);
    expect(await h.events('audit')).toEqual(expect.arrayContaining([expect.objectContaining({ reason: 'Retained' })]));
  });

  it('Delete (the config default), with a spec that is invalid by now: the table goes and the Event says how many rows went', async () => {
    await sql.query(`INSERT INTO website_users (user_id) VALUES (10), (11), (12)`);
    // Deletion needs only what status pinned at creation, not a valid spec.
    await setColumns('website-users', [{ USER_ID: 'no such type!' }]);
    await settled('website-users', 'False', 'InvalidSpec');
    await h.delete(TABLE, 'website-users');
    await waitFor(async () => (await get('website-users')) === undefined, 20_000, () => 'website-users released');
    expect((await sql.query(`SELECT to_regclass('public.website_users') AS t`)).rows[0].t).toBeNull();
    expect(await h.events('website-users')).toEqual(expect.arrayContaining([expect.objectContaining({ reason: 'Deleted', message: expect.stringMatching(/website_users dropped .* with 3 row\(s\)/) })]));
  });

  it('without spec.deletionPolicy the config decides: tables.deletion_policy Retain keeps the table', async () => {
    await h.stopOperator();
    await h.startOperator(configFrom(testConfig(h.pg.port, { tables: { deletion_policy: 'Retain' } })));
    try {
      await h.create(table('kept', { tableName: 'kept', columns: [{ ID: 'integer' }] }));
      await settled('kept');
      await h.delete(TABLE, 'kept');
      await waitFor(async () => (await get('kept')) === undefined, 20_000, () => 'kept released');
      expect((await sql.query(`SELECT to_regclass('public.kept')::text AS t`)).rows[0].t).toBe('kept');
      expect(await h.events('kept')).toEqual(expect.arrayContaining([expect.objectContaining({ reason: 'Retained' })]));
    } finally {
      await h.stopOperator();
      await h.startOperator();
    }
  });

  it('a table whose database CR was deleted (the drop took the table) can still be deleted', async () => {
    await h.create(table('orphan', { tableName: 'orphan', columns: [{ ID: 'integer' }] }));
    await settled('orphan');
    await sql.end();
    await h.delete('PostgreSQLDatabase', 'demoservice');
    await waitFor(async () => (await h.get('PostgreSQLDatabase', 'demoservice')) === undefined, 30_000, () => 'database deleted');
    // No nudge: the database's deletion enqueues its tables.
    await settled('orphan', 'False', 'DatabaseNotFound', 10_000);
    await h.delete(TABLE, 'orphan');
    await waitFor(async () => (await get('orphan')) === undefined, 20_000, () => 'orphan released');
  });
});
