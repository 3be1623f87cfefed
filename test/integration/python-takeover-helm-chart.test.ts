/**
 * The chart version of a Bitnami release taken over from the Python operator, through the
 * operator's handlers (in process, fake API server and kubelet, the helm stand-in rendering with the
 * real helm from a local chart repository that serves stand-ins of the charts 11.9.13 and 17.1.0):
 * Ready with the kept version named; a spec change upgrades at 11.9.13 and converges (no update
 * retried for the kept version); the label operator/action=upgrade-chart moves the release to
 * `chart_version` 17.1.0, is removed and recorded as ActionCompleted.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { ACTION_LABEL, GROUP, VERSION } from '../../src/api/constants.js';
import { startChartRepo, type ChartRepo } from '../support/helm-stub/chart-repo.js';
import { createHelmStub, type HelmStub } from '../support/helm-stub/index.js';
import { BITNAMI_CHART_11_FIXTURE, BITNAMI_CHART_FIXTURE, helmHome, realHelmBinary } from '../support/helm-stub/real-helm.js';
import { Harness, waitFor } from '../support/operator-harness.js';
import { serveAdoptionStatus } from '../support/python-operator/adoption-status.js';
import { installPythonRelease } from '../support/python-operator/helm-release.js';

const NS = 'default';
const NAME = 'legacy';
const RELEASE = `${NAME}-postgresql`;
const KEPT = 'chart version: 11.9.13 kept (label operator/action=upgrade-chart moves it to 17.1.0)';
// Chart 11.9.13 has no backup.cronjob: a release kept at it says so beside the kept version.
const NO_BACKUPS = 'no scheduled backups while the release keeps chart 11.9.13 (the label operator/action=upgrade-chart moves it to a chart with backup.cronjob)';
const WARNING = `${KEPT}; ${NO_BACKUPS}`;
const TIMEOUT = 60_000;

let h: Harness;
let stub: HelmStub;
let repo: ChartRepo;
let home: ReturnType<typeof helmHome>;

interface Server {
  metadata: { labels?: Record<string, string> };
  status: { backendState?: Record<string, unknown>; convergence?: unknown; conditions?: Array<{ type: string; message: string }> };
}

const server = async () => (await h.get<Server>('PostgreSQLServer', NAME)) as Server;
const upgrades = async () => (await stub.calls()).filter((c) => c.args[0] === 'upgrade');
const revisions = async () => ((await stub.release(NS, RELEASE))?.revisions ?? []).map((r) => `${r.chart} ${r.status}`);

/** The CR as the Python operator left it, taken over: status.adoption, its credentials Secret ours. */
async function takenOver(): Promise<void> {
  const custom = h.kube.custom;
  const created = (await custom.createNamespacedCustomObject({
    group: GROUP, version: VERSION, namespace: NS, plural: 'postgresqlservers',
    body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'PostgreSQLServer', metadata: { name: NAME }, spec: { backend: 'helmbitnami', version: '15', size: { class: 'small', storageGB: 10 }, credentialsSecret: `${NAME}-credentials` } },
  })) as { metadata: { uid: string; generation: number } };
  await custom.patchNamespacedCustomObjectStatus(
    { group: GROUP, version: VERSION, namespace: NS, plural: 'postgresqlservers', name: NAME, body: { status: { backend: 'helmbitnami', adoption: { from: 'python-operator', generation: created.metadata.generation, at: new Date().toISOString() } } } },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
  );
  await h.kube.core.createNamespacedSecret({
    namespace: NS,
    body: {
      metadata: { name: `${NAME}-credentials`, ownerReferences: [{ apiVersion: `${GROUP}/${VERSION}`, kind: 'PostgreSQLServer', name: NAME, uid: created.metadata.uid, controller: true }] },
      // The Python operator's admin password is the test server's, so the operator can read the running major.
      stringData: { username: 'postgres', password: h.pg.password, dbname: 'postgres', host: `${RELEASE}.${NS}.svc.cluster.local`, port: '5432', sslmode: 'disable' },
    },
  });
}

beforeAll(async () => {
  home = helmHome();
  stub = await createHelmStub({ realHelm: realHelmBinary(), env: home.env });
  repo = await startChartRepo(realHelmBinary(), [BITNAMI_CHART_11_FIXTURE, BITNAMI_CHART_FIXTURE], home.env);
  h = await Harness.start({ config: { backend: 'helmbitnami', allowed_backends: ['helmbitnami'], backends: { helmbitnami: { helm_binary: join(stub.binDir, 'helm'), chart: repo.url, classes: { small: { cpu: '1', memory: '256Mi' } }, default_class: 'small' } } } });
  await h.stopOperator();
  await stub.connectApiServer(h.api.url);
  await serveAdoptionStatus(h.api.kubeConfig());
  // The operator reaches the release's "pod" on the test PostgreSQL.
  (h.config.backends.helmbitnami as Record<string, unknown>).operator_endpoint = `127.0.0.1:${h.pg.port}`;
  await installPythonRelease(stub, h.kube, { namespace: NS, name: NAME, password: h.pg.password, size: { cpu: '1', memory: '256Mi', storageGB: 10 } });
  await takenOver();
  await h.startOperator(h.config);
}, TIMEOUT);

afterAll(async () => {
  await h?.stop();
  await Promise.all([stub?.cleanup(), repo?.close()]);
  home?.cleanup();
});

describe('the chart version of a release taken over from the Python operator, through the handlers', () => {
  it('is Ready without a helm upgrade and says which chart version it keeps', async () => {
    const ready = await h.waitForReady('PostgreSQLServer', NAME, 'True', 'Available', TIMEOUT / 2);
    expect(ready.message).toBe(`server is ready; ${WARNING}`);
    expect(await upgrades()).toEqual([]);
    expect((await h.events(NAME)).some((e) => e.reason === 'ActionRequired' && e.message === WARNING)).toBe(true);
  }, TIMEOUT);

  it('keeps 11.9.13 through a spec change and converges (the kept version is no difference to retry)', async () => {
    await h.patch('PostgreSQLServer', NAME, { spec: { size: { class: 'small', storageGB: 12 } } });
    await waitFor(async () => (await upgrades()).length === 1, TIMEOUT / 2, () => 'a helm upgrade');
    expect((await upgrades())[0]?.args).toEqual(expect.arrayContaining(['--repo', repo.url, '--version', '11.9.13']));
    // Ready for the new generation, its update attempts done with (none retried for the kept version).
    const converged = async () => {
      const { status } = await server();
      const ready = status.conditions?.find((c) => c.type === 'Ready') as { message: string; observedGeneration?: number } | undefined;
      return ready?.observedGeneration === 2 && ready.message === `server is ready; ${WARNING}` && status.convergence === undefined;
    };
    await waitFor(converged, TIMEOUT / 2, () => 'Ready again, converged');
    expect(await revisions()).toEqual(['postgresql-11.9.13 superseded', 'postgresql-11.9.13 deployed']);
  }, TIMEOUT);

  it('moves to chart_version with the label operator/action=upgrade-chart; the label is removed, ActionCompleted recorded', async () => {
    await h.patch('PostgreSQLServer', NAME, { metadata: { labels: { [ACTION_LABEL]: 'upgrade-chart' } } });
    await waitFor(async () => (await server()).metadata.labels?.[ACTION_LABEL] === undefined, TIMEOUT / 2, () => 'the label removed');
    expect(await revisions()).toEqual(['postgresql-11.9.13 superseded', 'postgresql-11.9.13 superseded', 'postgresql-17.1.0 deployed']);
    expect((await upgrades()).at(-1)?.args).toEqual(expect.arrayContaining(['--version', '17.1.0']));
    expect((await h.events(NAME)).map((e) => `${e.reason}: ${e.message}`)).toContain('ActionCompleted: action "upgrade-chart" completed');
    const after = await server();
    expect(after.status.conditions?.find((c) => c.type === 'Ready')?.message).toBe('server is ready');
    expect(after.status.backendState).toMatchObject({ chartFollowsConfig: true });
  }, TIMEOUT);
});
