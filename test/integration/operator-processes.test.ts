import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GROUP, VERSION } from '../../src/api/constants.js';
import { createKubeClients, type KubeClients } from '../../src/k8s/clients.js';
import { startFakeApiServer, type FakeApiServer } from '../support/fake-apiserver/index.js';
import { FakeKubelet } from '../support/fake-kubelet.js';
import { freePort } from '../support/free-port.js';
import { CRD_FILES, testConfig, waitFor } from '../support/operator-harness.js';
import { OperatorProcess } from '../support/operator-process.js';
import { startPostgres, type TestPostgres } from '../support/postgres-server.js';

async function get(url: string): Promise<{ status: number; body: string }> {
  try {
    const res = await fetch(url);
    return { status: res.status, body: await res.text() };
  } catch {
    return { status: 0, body: '' };
  }
}

/** `hybridcloud_postgresql_operator_<name>` summed over all label sets, from a /metrics text. */
function metric(text: string, name: string): number {
  const re = new RegExp(`^hybridcloud_postgresql_operator_${name}(\\{[^}]*\\})? (\\S+)$`, 'gm');
  let sum = 0;
  for (const m of text.matchAll(re)) sum += Number(m[2]);
  return sum;
}

/**
 * Two operator processes as production runs them (the chart's command), with leader election on
 * the fake API server: exactly one reconciles; when it dies the other takes over; SIGTERM releases
 * the lease and exits cleanly. Health, readiness and metrics are served by each.
 */
describe('operator processes: leader election, health, metrics, graceful shutdown', () => {
  let api: FakeApiServer;
  let postgres: TestPostgres;
  let kubelet: FakeKubelet;
  let kube: KubeClients;
  const procs: Array<{ proc: OperatorProcess; url: string }> = [];

  beforeAll(async () => {
    [api, postgres] = await Promise.all([startFakeApiServer({ crdFiles: CRD_FILES }), startPostgres()]);
    kubelet = new FakeKubelet(api.kubeConfig(), postgres);
    await kubelet.start();
    kube = createKubeClients(api.kubeConfig());
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      const config = testConfig(postgres.port, {
        http_port: port,
        leader_election: { enabled: true, lease_name: 'hcpo-test', namespace: 'default', lease_duration_seconds: 3, renew_deadline_seconds: 2, retry_period_seconds: 1 },
      });
      const proc = new OperatorProcess(api.kubeConfig(), config, { POD_NAME: `operator-${i}`, POD_NAMESPACE: 'default' });
      proc.start();
      procs.push({ proc, url: `http://127.0.0.1:${port}` });
    }
  });

  afterAll(async () => {
    for (const { proc } of procs) {
      await proc.kill();
      proc.cleanup();
    }
    await kubelet?.stop();
    await Promise.all([api?.close(), postgres?.stop()]);
  });

  const holder = async () => (await kube.coordination.readNamespacedLease({ name: 'hcpo-test', namespace: 'default' }).catch(() => undefined))?.spec?.holderIdentity;
  const leaderGauge = async (url: string) => metric((await get(`${url}/metrics`)).body, 'leader');

  async function createDatabase(name: string): Promise<void> {
    await kube.custom.createNamespacedCustomObject({
      group: GROUP, version: VERSION, namespace: 'default', plural: 'postgresqldatabases',
      body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'PostgreSQLDatabase', metadata: { name }, spec: { serverRef: { name: 'shared' }, credentialsSecret: `${name}-creds` } },
    });
  }

  async function waitReady(plural: string, name: string): Promise<void> {
    await waitFor(
      async () => {
        const o = (await kube.custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: 'default', plural, name }).catch(() => undefined)) as
          | { status?: { conditions?: Array<{ type: string; status: string }> } }
          | undefined;
        return o?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
      },
      40_000,
      () => `${plural}/${name} Ready`,
    );
  }

  it('serves health and readiness, and exactly one replica leads', async () => {
    for (const { url } of procs) {
      await waitFor(async () => (await get(`${url}/readyz`)).status === 200, 30_000, () => `${url}/readyz`);
      expect((await get(`${url}/healthz`)).status).toBe(200);
    }
    await waitFor(async () => (await holder()) !== undefined, 15_000, () => 'a lease holder');
    const gauges = await Promise.all(procs.map(({ url }) => leaderGauge(url)));
    expect(gauges.sort()).toEqual([0, 1]);
  });

  it('gives back the heap grown for the initial lists once the caches have synced (the command carries --expose-gc)', () => {
    for (const { proc } of procs) {
      const text = proc.output.find((l) => l.includes('"msg":"start-up memory released"'));
      expect(text).toBeDefined();
      const line = JSON.parse(text!) as { heapMB: { before: number; after: number } };
      expect(line.heapMB.after).toBeLessThan(line.heapMB.before);
    }
  });

  it('only the leader reconciles; /metrics counts its reconciles', async () => {
    await kube.custom.createNamespacedCustomObject({
      group: GROUP, version: VERSION, namespace: 'default', plural: 'postgresqlservers',
      body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'PostgreSQLServer', metadata: { name: 'shared' }, spec: { size: { storageGB: 1 }, credentialsSecret: 'shared-creds' } },
    });
    await createDatabase('first');
    await waitReady('postgresqldatabases', 'first');
    const leaderName = await holder();
    for (const [i, { url }] of procs.entries()) {
      const text = (await get(`${url}/metrics`)).body;
      const reconciles = metric(text, 'reconciles_total');
      if (`operator-${i}` === leaderName) expect(reconciles).toBeGreaterThan(0);
      else expect(reconciles).toBe(0);
    }
    // The queue gauges are refreshed every 5 s; once the leader is idle they say nothing runs.
    const leaderUrl = procs.find((_, i) => `operator-${i}` === leaderName)!.url;
    const idleGauges = /^hybridcloud_postgresql_operator_reconciles_in_flight\{kind="PostgreSQLDatabase"\} 0$[\s\S]*^hybridcloud_postgresql_operator_longest_running_reconcile_seconds\{kind="PostgreSQLDatabase"\} 0$/m;
    await waitFor(async () => idleGauges.test((await get(`${leaderUrl}/metrics`)).body), 12_000, () => 'idle queue gauges on /metrics');
  });

  it('fails over when the leader dies, and the new leader reconciles', async () => {
    const leaderName = await holder();
    const index = procs.findIndex((_, i) => `operator-${i}` === leaderName);
    await procs[index]!.proc.kill('SIGKILL');
    const survivor = procs[1 - index]!;
    await waitFor(async () => (await leaderGauge(survivor.url)) === 1, 20_000, () => 'the standby to lead');
    await createDatabase('second');
    await waitReady('postgresqldatabases', 'second');
  });

  it('on SIGTERM releases the lease and exits 0', async () => {
    const leaderName = await holder();
    const leader = procs.find((_, i) => `operator-${i}` === leaderName);
    expect(leader).toBeDefined();
    expect(await leader!.proc.kill('SIGTERM')).toBe(0);
    const lease = await kube.coordination.readNamespacedLease({ name: 'hcpo-test', namespace: 'default' });
    expect(lease.spec?.holderIdentity ?? '').toBe('');
  });
});
