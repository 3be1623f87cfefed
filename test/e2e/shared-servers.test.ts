import { expect, it } from '@jest/globals';
import { databaseManifest, serverManifest } from './support/manifests.js';
import { describeE2E } from './support/settings.js';
import { useScenario } from './support/use-scenario.js';

const SHARED_LABEL = 'hcpo-e2e/shared';

/**
 * One server, two teams: the platform namespace's server grants team A by name and team B by a
 * namespace label; each team gets a database from its own namespace and logs in from a pod there;
 * team C is refused until its namespace gets the label; a quota of one database per namespace; a
 * withdrawn label leaves team B's database working with a GrantRevoked condition.
 */
describeE2E('e2e: shared server, databases from two team namespaces', () => {
  let teamA: string;
  let teamB: string;
  let teamC: string;
  const s = useScenario({ server: 'shared', teams: ['a', 'b', 'c'] }, async () => {
    [teamA, teamB, teamC] = s.teamNamespaces as [string, string, string];
    await labelNamespace(teamB, { [SHARED_LABEL]: 'yes' });
    await s.create(serverManifest('shared', { sharing: { namespaces: [teamA], namespaceSelector: { matchLabels: { [SHARED_LABEL]: 'yes' } }, maxDatabasesPerNamespace: 1 } }));
    await s.waitForReady('PostgreSQLServer', 'shared');
  });

  async function labelNamespace(name: string, labels: Record<string, string | null>): Promise<void> {
    const ns = await s.kube.core.readNamespace({ name });
    const next = { ...(ns.metadata?.labels ?? {}) };
    for (const [k, v] of Object.entries(labels)) {
      if (v === null) delete next[k];
      else next[k] = v;
    }
    await s.kube.core.replaceNamespace({ name, body: { ...ns, metadata: { ...ns.metadata, labels: next } } });
  }

  const sharedDatabase = (name: string) => databaseManifest(name, 'shared', { serverRef: { name: 'shared', namespace: s.namespace } });
  const pgName = (namespace: string, name: string) => `${namespace.replaceAll('-', '_')}__${name}`;

  it('gives each granted team a database from its own namespace; each logs in from a pod there', async () => {
    for (const team of [teamA, teamB]) {
      await s.create(sharedDatabase('orders'), team);
      await s.waitForReady('PostgreSQLDatabase', 'orders', 'True', undefined, team);
      const db = await s.get('PostgreSQLDatabase', 'orders', team);
      expect(db?.status).toMatchObject({ database: pgName(team, 'orders'), server: `${s.namespace}/shared` });
      const result = await s.login('orders-credentials', 'SELECT 1', 'app', team);
      expect(result).toMatchObject({ phase: 'Succeeded' });
      expect(result.logs).toContain(`login:${pgName(team, 'orders')}@${pgName(team, 'orders')}`);
    }
  });

  it('counts the databases per namespace on the server', async () => {
    await s.waitUntil(async () => (await s.get('PostgreSQLServer', 'shared'))?.status?.databases === 2, () => 'two databases counted');
    expect((await s.get('PostgreSQLServer', 'shared'))?.status?.databasesPerNamespace).toEqual({ [teamA]: 1, [teamB]: 1 });
  });

  it('refuses a namespace without a grant (NotPermitted) and one over its quota (QuotaExceeded), creating nothing', async () => {
    await s.create(sharedDatabase('orders'), teamC);
    expect((await s.waitForReady('PostgreSQLDatabase', 'orders', 'False', 'NotPermitted', teamC)).message).toContain(`namespace ${teamC} is not granted`);
    await s.waitForEvent('orders', 'Warning', 'NotPermitted', teamC);
    expect(await s.secret('orders-credentials', teamC)).toBeUndefined();
    await s.create(sharedDatabase('billing'), teamA);
    await s.waitForReady('PostgreSQLDatabase', 'billing', 'False', 'QuotaExceeded', teamA);
    await s.waitForEvent('billing', 'Warning', 'QuotaExceeded', teamA);
    expect(await s.secret('billing-credentials', teamA)).toBeUndefined();
  });

  it('grants team C once its namespace gets the label, without a restart', async () => {
    await labelNamespace(teamC, { [SHARED_LABEL]: 'yes' });
    await s.waitForReady('PostgreSQLDatabase', 'orders', 'True', undefined, teamC);
    expect((await s.login('orders-credentials', 'SELECT 1', 'app', teamC)).phase).toBe('Succeeded');
  });

  it('keeps team B working with a GrantRevoked condition when its label goes', async () => {
    await labelNamespace(teamB, { [SHARED_LABEL]: null });
    await s.waitUntil(
      async () => (await s.get('PostgreSQLDatabase', 'orders', teamB))?.status?.conditions?.find((c) => c.type === 'GrantRevoked' && c.status === 'True'),
      () => 'GrantRevoked on team B',
    );
    await s.waitForEvent('orders', 'Warning', 'GrantRevoked', teamB);
    expect((await s.ready('PostgreSQLDatabase', 'orders', teamB))?.status).toBe('True');
    expect((await s.login('orders-credentials', 'SELECT 1', 'app', teamB)).phase).toBe('Succeeded');
  });

  it('never copies the admin Secret into a team namespace', async () => {
    const admin = await s.secret('shared-credentials');
    for (const team of [teamA, teamB, teamC]) {
      const secrets = await s.kube.core.listNamespacedSecret({ namespace: team });
      for (const secret of secrets.items) {
        expect(Buffer.from(secret.data?.password ?? '', 'base64').toString()).not.toBe(admin?.password);
      }
    }
  });
});
