import { expect, it } from '@jest/globals';
import { SIMPLE } from './support/manifests.js';
import { describeE2E } from './support/settings.js';
import { useScenario } from './support/use-scenario.js';

const FILE = 'examples/table-website-users.yaml';
const TABLE = 'website-users';
const SEED_COLUMNS = [{ USER_ID: 'integer' }, { USER_NAME: 'varchar(50)' }, { USER_EMAIL: 'varchar(100)' }, { SIGNUP_DATE: 'date' }, { LAST_LOGIN: 'timestamp' }];

/**
 * The kopf demo's DatabaseTable, as the seed's README runs it, on a real cluster: created by the
 * database's own role, a column added, a removal refused, the table dropped with the CR.
 */
describeE2E('e2e: tables (the seed demo on examples/table-website-users.yaml)', () => {
  const s = useScenario({ server: SIMPLE.server }, () => s.applyExample(FILE));

  /** A query as the application's role in its database (from the database's credentials Secret). */
  const appQuery = (sql: string): Promise<string> => s.query(SIMPLE.databaseSecret, sql, 'table');

  const COLUMNS = "SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'website_users'::regclass AND attnum > 0 AND NOT attisdropped";

  it('creates website_users as the demo describes, owned by the database role', async () => {
    expect((await s.waitForReady('PostgreSQLTable', TABLE)).reason).toBe('Available');
    const obj = await s.get('PostgreSQLTable', TABLE);
    expect(obj?.status).toMatchObject({ table: 'website_users', columnCount: 5, primaryKey: ['user_id'] });
    expect(await appQuery(COLUMNS)).toBe('user_id integer, user_name character varying(50), user_email character varying(100), signup_date date, last_login timestamp without time zone');
    expect(await appQuery("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = 'website_users'::regclass")).toBe('demoservice');
    await s.waitForEvent(TABLE, 'Normal', 'Created');
  });

  it('adds a column on update', async () => {
    await s.patchSpec('PostgreSQLTable', TABLE, { columns: [...SEED_COLUMNS, { COUNTRY: 'varchar(2)' }] });
    await s.waitUntil(async () => (await s.get('PostgreSQLTable', TABLE))?.status?.columnCount === 6, () => 'six columns');
    expect(await appQuery(COLUMNS)).toMatch(/, country character varying\(2\)$/);
  });

  it('refuses a removed column, changing nothing', async () => {
    await s.patchSpec('PostgreSQLTable', TABLE, { columns: SEED_COLUMNS.slice(0, 4) });
    const ready = await s.waitForReady('PostgreSQLTable', TABLE, 'False', 'UnsafeChange');
    expect(ready.message).toMatch(/last_login: removed/);
    expect(await appQuery(COLUMNS)).toMatch(/last_login .*country/);
    await s.patchSpec('PostgreSQLTable', TABLE, { columns: [...SEED_COLUMNS, { COUNTRY: 'varchar(2)' }] });
    await s.waitForReady('PostgreSQLTable', TABLE, 'True', 'Available');
  });

  it('drops the table when the CR is deleted (deletionPolicy from the config: Delete) and says how many rows went', async () => {
    await appQuery("INSERT INTO website_users (user_id, user_name) VALUES (1, 'ada')");
    await s.delete('PostgreSQLTable', TABLE);
    await s.waitGone('PostgreSQLTable', TABLE);
    expect(await appQuery("SELECT coalesce(to_regclass('website_users')::text, 'gone')")).toBe('gone');
    expect((await s.events(TABLE)).some((e) => e.reason === 'Deleted' && /with 1 row/.test(e.message))).toBe(true);
  });
});
