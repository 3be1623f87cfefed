import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { parse } from 'yaml';
import { GROUP, VERSION } from '../../src/api/constants.js';
import { createKubeClients, type KubeClients } from '../../src/k8s/clients.js';
import { mergePatchOptions } from '../../src/k8s/patch.js';
import { startFakeApiServer, type FakeApiServer } from '../support/fake-apiserver/index.js';
import { FakeKubelet } from '../support/fake-kubelet.js';
import { CRD_FILES, pluralOf, testConfig, waitFor } from '../support/operator-harness.js';
import { freePort } from '../support/free-port.js';
import { OperatorProcess } from '../support/operator-process.js';
import { startPostgres, type TestPostgres } from '../support/postgres-server.js';

type Obj = { metadata: { generation: number }; status?: { observedGeneration?: number; conditions?: Array<{ type: string; status: string; reason: string }> } };

/**
 * The operator process is SIGKILLed while its ALTER TABLE waits for the table's lock (an
 * application holds it). The change runs in one transaction, so the dead process leaves nothing
 * half-applied; the next process applies the whole change once.
 */
describe('kill and restart in the middle of an ALTER TABLE', () => {
  let api: FakeApiServer;
  let postgres: TestPostgres;
  let kubelet: FakeKubelet;
  let kube: KubeClients;
  let admin: pg.Client;
  const processes: OperatorProcess[] = [];

  beforeAll(async () => {
    [api, postgres] = await Promise.all([startFakeApiServer({ crdFiles: CRD_FILES }), startPostgres()]);
    kubelet = new FakeKubelet(api.kubeConfig(), postgres);
    await kubelet.start();
    kube = createKubeClients(api.kubeConfig());
  });

  afterAll(async () => {
    for (const p of processes) {
      await p.kill();
      p.cleanup();
    }
    await admin?.end().catch(() => undefined);
    await kubelet?.stop();
    await Promise.all([api?.close(), postgres?.stop()]);
  });

  async function startOperator(): Promise<OperatorProcess> {
    // A port of its own: other operator processes on the machine may hold the default one.
    const p = new OperatorProcess(api.kubeConfig(), testConfig(postgres.port, { http_port: await freePort() }));
    processes.push(p);
    p.start();
    return p;
  }

  const read = async (name: string) => (await kube.custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: 'default', plural: 'postgresqltables', name })) as Obj;
  const readyFor = (o: Obj) => o.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') && o.status.observedGeneration === o.metadata.generation;

  async function columns(): Promise<Record<string, string>> {
    const rows = await admin.query<{ attname: string; type: string }>(
      `SELECT attname, format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = 'public.website_users'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
    );
    return Object.fromEntries(rows.rows.map((r) => [r.attname, r.type]));
  }

  it('leaves the table as it was, and the next process applies the whole change', async () => {
    for (const doc of readFileSync('examples/table-website-users.yaml', 'utf8').split(/^---$/m).map((d) => parse(d)).filter(Boolean)) {
      await kube.custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: 'default', plural: pluralOf(doc.kind), body: doc });
    }
    const first = await startOperator();
    await waitFor(async () => readyFor(await read('website-users')) === true, 60_000, () => `table Ready; operator said:\n${first.output.slice(-10).join('\n')}`);
    const creds = await kube.core.readNamespacedSecret({ name: 'demoteam-postgres-credentials', namespace: 'default' });
    const decode = (k: string) => Buffer.from(creds.data?.[k] ?? '', 'base64').toString();
    admin = new pg.Client({ host: postgres.host, port: postgres.port, user: decode('username'), password: decode('password'), database: 'demoservice' });
    await admin.connect();
    const before = await columns();

    // An application's transaction holds the table: the operator's ALTER has to wait for it.
    const app = new pg.Client({ host: postgres.host, port: postgres.port, user: decode('username'), password: decode('password'), database: 'demoservice' });
    await app.connect();
    await app.query('BEGIN');
    await app.query('LOCK TABLE website_users IN ACCESS SHARE MODE');
    const columnsAfter = [{ USER_ID: 'integer' }, { USER_NAME: 'varchar(100)' }, { USER_EMAIL: 'varchar(100)' }, { SIGNUP_DATE: 'date' }, { LAST_LOGIN: 'timestamp' }, { COUNTRY: 'varchar(2)' }];
    await kube.custom.patchNamespacedCustomObject(
      { group: GROUP, version: VERSION, namespace: 'default', plural: 'postgresqltables', name: 'website-users', body: { spec: { columns: columnsAfter } } },
      mergePatchOptions(),
    );
    await waitFor(
      async () => (await admin.query(`SELECT 1 FROM pg_stat_activity WHERE query LIKE 'ALTER TABLE%' AND wait_event_type = 'Lock'`)).rowCount === 1,
      20_000,
      () => 'the operator ALTER TABLE waiting for the lock',
    );
    await first.kill('SIGKILL');
    await app.query('ROLLBACK');
    await app.end();
    // The dead process's session finishes its statement but never commits: nothing of it stays.
    await waitFor(async () => (await admin.query(`SELECT 1 FROM pg_stat_activity WHERE query LIKE 'ALTER TABLE%' AND pid <> pg_backend_pid()`)).rowCount === 0, 20_000, () => 'the orphaned ALTER gone');
    expect(await columns()).toEqual(before);

    const second = await startOperator();
    await waitFor(async () => readyFor(await read('website-users')) === true, 60_000, () => `table Ready again; operator said:\n${second.output.slice(-10).join('\n')}`);
    expect(await columns()).toEqual({ ...before, user_name: 'character varying(100)', country: 'character varying(2)' });
    expect(second.output.join('\n')).not.toMatch(/"level":"(error|fatal)"/);
  }, 180_000);
});
