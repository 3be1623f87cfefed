import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { parse } from 'yaml';
import { startFakeApiServer, type FakeApiServer } from '../support/fake-apiserver/index.js';
import { FakeKubelet } from '../support/fake-kubelet.js';
import { CRD_FILES, Harness, testConfig, waitFor } from '../support/operator-harness.js';
import { OperatorProcess } from '../support/operator-process.js';
import { freePort } from '../support/free-port.js';
import { startPostgres, type TestPostgres } from '../support/postgres-server.js';
import { GROUP, VERSION } from '../../src/api/constants.js';
import { createKubeClients } from '../../src/k8s/clients.js';
import { mergePatchOptions } from '../../src/k8s/patch.js';

const DATABASES = 6;

/**
 * The operator process is SIGKILLed again and again in the middle of its work; each restart must
 * pick up where the last one died. In the end every database is Ready and every Secret's password
 * logs in — the Secrets and PostgreSQL never disagree.
 */
describe('kill and restart in the middle of reconciles', () => {
  let api: FakeApiServer;
  let postgres: TestPostgres;
  let kubelet: FakeKubelet;
  const processes: OperatorProcess[] = [];

  beforeAll(async () => {
    httpPort = await freePort();
    [api, postgres] = await Promise.all([startFakeApiServer({ crdFiles: CRD_FILES }), startPostgres()]);
    kubelet = new FakeKubelet(api.kubeConfig(), postgres);
    await kubelet.start();
  });

  afterAll(async () => {
    for (const p of processes) {
      await p.kill();
      p.cleanup();
    }
    await kubelet?.stop();
    await Promise.all([api?.close(), postgres?.stop()]);
  });

  // One process at a time (each is killed before the next starts), on a port no other process of
  // the machine holds: a busy health port ends the operator at start.
  let httpPort: number;
  function startOperator(): OperatorProcess {
    const p = new OperatorProcess(api.kubeConfig(), testConfig(postgres.port, { reconcile: { resync_seconds: 20 }, http_port: httpPort }));
    processes.push(p);
    p.start();
    return p;
  }

  it('converges with every password in agreement after repeated SIGKILLs', async () => {
    const kube = createKubeClients(api.kubeConfig());
    const create = (body: Record<string, unknown>, plural: string) =>
      kube.custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: 'default', plural, body });
    for (const doc of readFileSync('examples/simple.yaml', 'utf8').split(/^---$/m).map((d) => parse(d)).filter(Boolean)) {
      await create(doc, doc.kind === 'PostgreSQLServer' ? 'postgresqlservers' : 'postgresqldatabases');
    }
    for (let i = 0; i < DATABASES; i++) {
      await create({ apiVersion: `${GROUP}/${VERSION}`, kind: 'PostgreSQLDatabase', metadata: { name: `app-${i}` }, spec: { serverRef: { name: 'demoteam' }, credentialsSecret: `app-${i}-creds` } }, 'postgresqldatabases');
    }

    // Kill points spread over start-up, server creation, database creation and a password reset.
    for (const delay of [400, 900, 1500, 2500]) {
      const p = startOperator();
      await new Promise((r) => setTimeout(r, delay));
      if (delay === 1500) {
        await kube.custom.patchNamespacedCustomObject(
          { group: GROUP, version: VERSION, namespace: 'default', plural: 'postgresqldatabases', name: 'app-0', body: { metadata: { labels: { 'operator/action': 'reset-password' } } } },
          mergePatchOptions(),
        );
      }
      await p.kill('SIGKILL');
    }

    const survivor = startOperator();
    const h = { get: (plural: string, name: string) => kube.custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: 'default', plural, name }) };
    const names = ['demoservice', ...Array.from({ length: DATABASES }, (_, i) => `app-${i}`)];
    await waitFor(
      async () => {
        const all = await Promise.all(names.map((n) => h.get('postgresqldatabases', n)));
        return all.every((o) => (o as { status?: { conditions?: Array<{ type: string; status: string }> } }).status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      },
      60_000,
      () => `all databases Ready; operator said:\n${survivor.output.slice(-20).join('\n')}`,
    );

    for (const name of names) {
      const secretName = name === 'demoservice' ? 'demoservice-postgres-credentials' : `${name}-creds`;
      const s = await kube.core.readNamespacedSecret({ name: secretName, namespace: 'default' });
      const data = Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
      const client = new pg.Client({ host: '127.0.0.1', port: postgres.port, user: data.username, password: data.password, database: data.dbname });
      await client.connect();
      await client.end();
      // No process wrote a password into its log (debug level), not even the killed ones.
      for (const p of processes) expect(p.output.filter((line) => line.includes(data.password as string))).toEqual([]);
    }
    // The reset asked for between two kills was carried out: label gone, a PasswordReset event.
    const app0 = (await h.get('postgresqldatabases', 'app-0')) as { metadata: { labels?: Record<string, string> } };
    expect(app0.metadata.labels?.['operator/action']).toBeUndefined();
    const events = await kube.core.listNamespacedEvent({ namespace: 'default' });
    expect(events.items.some((e) => e.involvedObject.name === 'app-0' && e.reason === 'PasswordReset')).toBe(true);
    expect(survivor.output.join('\n')).not.toMatch(/"level":"(error|fatal)"/);
  });
});

export { Harness };
