import { expect, it } from '@jest/globals';
import { databaseManifest, SIMPLE } from './support/manifests.js';
import { describeE2E } from './support/settings.js';
import { useScenario } from './support/use-scenario.js';

const GRACE_MINUTES = 1;

/**
 * The credentials lifecycle against a real cluster: libpq keys taken with envFrom, templated keys,
 * a rotation whose previous login keeps working for the grace period and is then refused, and a
 * retained database taken back by a new object of the same name.
 */
describeE2E('e2e: credentials lifecycle (envFrom, templates, rotation, retain)', () => {
  const s = useScenario({ server: SIMPLE.server }, async () => {
    await s.applyExample(SIMPLE.file);
    await s.create(
      databaseManifest('lifecycle', SIMPLE.server, {
        credentialsTemplate: { DATABASE_URL: '{{ .uri }}', SPRING_DATASOURCE_URL: '{{ .jdbcUrl }}' },
        passwordRotation: { graceMinutes: GRACE_MINUTES },
        deletionPolicy: 'Retain',
      }),
    );
    await s.waitForReady('PostgreSQLDatabase', 'lifecycle');
  });

  it('a pod with envFrom of the Secret and psql without arguments logs in; templates render', async () => {
    const result = await s.loginWithEnvFrom('lifecycle-credentials');
    expect(result).toMatchObject({ phase: 'Succeeded' });
    expect(result.logs).toContain('login:lifecycle@lifecycle');
    const data = await s.secret('lifecycle-credentials');
    expect(data?.DATABASE_URL).toBe(data?.uri);
    expect(data?.SPRING_DATASOURCE_URL).toBe(data?.['jdbc-url']);
  });

  it('rotates: the new login works at once, the old one until the grace period ends', async () => {
    const old = await s.secret('lifecycle-credentials');
    await s.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'lifecycle-old' }, stringData: old });
    await s.label('PostgreSQLDatabase', 'lifecycle', { 'operator/action': 'rotate-password' });
    await s.waitUntil(async () => (await s.secret('lifecycle-credentials'))?.username === 'lifecycle__alt', () => 'the Secret to name the second login');
    expect((await s.loginWithEnvFrom('lifecycle-credentials')).logs).toContain('login:lifecycle@lifecycle');
    expect((await s.login('lifecycle-old', 'SELECT 1', 'old')).phase).toBe('Succeeded');
    await s.waitForEvent('lifecycle', 'Normal', 'PreviousLoginRevoked');
    const refused = await s.login('lifecycle-old', 'SELECT 1', 'revoked');
    expect(refused.phase).toBe('Failed');
    expect(refused.logs).toMatch(/not permitted to log in/);
  });

  it('Retain keeps the database; a new object of the same name takes it back with a new password', async () => {
    await s.delete('PostgreSQLDatabase', 'lifecycle');
    await s.waitUntil(async () => (await s.get('PostgreSQLDatabase', 'lifecycle')) === undefined, () => 'the CR to go');
    expect(await s.adminQuery(SIMPLE.serverSecret, "SELECT count(*) FROM pg_database WHERE datname = 'lifecycle'")).toBe('1');
    await s.create(databaseManifest('lifecycle', SIMPLE.server, { deletionPolicy: 'Delete' }));
    await s.waitForReady('PostgreSQLDatabase', 'lifecycle');
    await s.waitForEvent('lifecycle', 'Normal', 'Adopted');
    expect((await s.login('lifecycle-credentials')).phase).toBe('Succeeded');
  });
});
