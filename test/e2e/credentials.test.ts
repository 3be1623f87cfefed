import { expect, it } from '@jest/globals';
import { databaseManifest, SIMPLE } from './support/manifests.js';
import { describeE2E } from './support/settings.js';
import { simpleExampleReady, useScenario } from './support/use-scenario.js';

const RESET = { 'operator/action': 'reset-password' };

/** Password resets and a credentials Secret deleted by hand, checked by pods logging in. */
describeE2E('e2e: credentials (reset, restore)', () => {
  const s = useScenario({ server: SIMPLE.server }, simpleExampleReady);

  it('resets a database password: the Secret is updated in place, the label goes, only the new password logs in', async () => {
    const before = await s.readSecret(SIMPLE.databaseSecret);
    const old = await s.secret(SIMPLE.databaseSecret);
    await s.label('PostgreSQLDatabase', SIMPLE.database, RESET);
    await s.waitForActionDone('PostgreSQLDatabase', SIMPLE.database);

    const after = await s.readSecret(SIMPLE.databaseSecret);
    expect(after?.metadata?.uid).toBe(before?.metadata?.uid);
    const data = await s.secret(SIMPLE.databaseSecret);
    expect(data?.password).toBeTruthy();
    expect(data?.password).not.toBe(old?.password);
    const fresh = await s.login(SIMPLE.databaseSecret);
    expect(fresh).toMatchObject({ phase: 'Succeeded' });
    expect(fresh.logs).toContain('login:demoservice@demoservice');

    // An app still holding the old password (a copy of the old Secret) is refused.
    await s.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'stale-credentials' }, stringData: old });
    const stale = await s.login('stale-credentials', 'SELECT 1', 'stale');
    expect(stale.phase).toBe('Failed');
    expect(stale.logs).toMatch(/password authentication failed/);
    await s.waitForEvent(SIMPLE.database, 'Normal', 'PasswordReset');
  });

  it('brings back a credentials Secret deleted by hand, with the same password', async () => {
    const before = await s.readSecret(SIMPLE.databaseSecret);
    const password = (await s.secret(SIMPLE.databaseSecret))?.password;
    await s.kube.core.deleteNamespacedSecret({ name: SIMPLE.databaseSecret, namespace: s.namespace });
    const back = await s.waitUntil(async () => {
      const now = await s.readSecret(SIMPLE.databaseSecret);
      return now && now.metadata?.uid !== before?.metadata?.uid ? now : undefined;
    }, () => `Secret ${SIMPLE.databaseSecret} to be recreated`);
    expect(back.metadata?.ownerReferences?.[0]?.name).toBe(SIMPLE.database);
    expect((await s.secret(SIMPLE.databaseSecret))?.password).toBe(password);
    expect((await s.login(SIMPLE.databaseSecret)).phase).toBe('Succeeded');
    await s.waitForEvent(SIMPLE.database, 'Warning', 'CredentialsRestored');
  });

  it('resets the server admin password; the operator keeps managing databases with the new one', async () => {
    const old = (await s.secret(SIMPLE.serverSecret))?.password;
    await s.label('PostgreSQLServer', SIMPLE.server, RESET);
    await s.waitUntil(async () => {
      const server = await s.get('PostgreSQLServer', SIMPLE.server);
      const password = (await s.secret(SIMPLE.serverSecret))?.password;
      return !server?.metadata.labels?.['operator/action'] && password !== old;
    }, () => 'the admin password to change and the reset label to be removed');
    expect(await s.adminQuery(SIMPLE.serverSecret, 'SELECT current_user')).toBe('postgres');

    await s.create(databaseManifest('after-admin-reset', SIMPLE.server));
    await s.waitForReady('PostgreSQLDatabase', 'after-admin-reset');
    const login = await s.login('after-admin-reset-credentials');
    expect(login.logs).toContain('login:after_admin_reset@after_admin_reset');
  });
});
