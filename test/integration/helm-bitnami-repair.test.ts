/**
 * Interrupted Helm operations repair themselves (ADR 0013), with the REAL helm binary and the
 * local chart: helm's release records live in PostgreSQL (helm's `sql` storage driver; the fake
 * API server does not speak the protobuf helm's Secret storage sends), its objects go to the fake
 * API server through a proxy that can stop answering. The operator is stopped while helm hangs in
 * a first install and in an upgrade (its helm call is then killed at helm_timeout_seconds), so
 * helm itself leaves the release pending-install / pending-upgrade. Restarted, the operator
 * repairs the release: one release, deployed, the server Ready, its volume claim kept. A call that
 * only timed out (helm is stopped with SIGTERM and marks the release failed) is upgraded again.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { backendSection } from '../../src/config/backend-section.js';
import type { HelmBitnamiSection } from '../../src/config/sections/helmbitnami.js';
import { HelmBitnamiBackend } from '../../src/backends/helm-bitnami/index.js';
import { kubeConfigForUrl } from '../../src/k8s/clients.js';
import { startHangingProxy, type HangingProxy } from '../support/hanging-proxy.js';
import { BITNAMI_CHART_FIXTURE, realHelmBinary } from '../support/helm-stub/real-helm.js';
import { Harness, waitFor } from '../support/operator-harness.js';

const NAME = 'repaired';
const RELEASE = `${NAME}-postgresql`;
const STEP_MS = 90_000;
const STATEFULSET_WRITE = (method: string, path: string) => method !== 'GET' && /\/statefulsets/.test(path);

interface Revision {
  revision: number;
  status: string;
  description: string;
}

/** SIGKILLs the helm processes whose environment names `dataHome` (started by this test's operator). */
function killOwnHelmProcesses(dataHome: string): number {
  let killed = 0;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      if (!environ.includes(`HELM_DATA_HOME=${dataHome}`)) continue;
      process.kill(Number(pid), 'SIGKILL');
      killed++;
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return killed;
}

describe('helmbitnami: releases left pending by an interrupted helm call are repaired (real helm)', () => {
  let h: Harness;
  let proxy: HangingProxy;
  let dir: string;
  let helmEnv: Record<string, string>;

  /** Real helm with the operator's environment (helm's own view of the release). */
  function helm(args: string[]): Promise<string> {
    return new Promise((done, fail) =>
      execFile(realHelmBinary(), args, { env: { ...process.env, ...helmEnv } }, (err, out, errText) => (err ? fail(new Error(`helm ${args[0]}: ${errText}`)) : done(out))),
    );
  }
  const history = async (): Promise<Revision[]> => JSON.parse(await helm(['history', RELEASE, '--namespace', 'default', '--output', 'json'])) as Revision[];
  const releases = async (): Promise<string[]> => (JSON.parse(await helm(['list', '--all', '--namespace', 'default', '--output', 'json'])) as { name: string }[]).map((r) => r.name);
  const claimUid = async () => (await h.kube.core.readNamespacedPersistentVolumeClaim({ name: `data-${RELEASE}-0`, namespace: 'default' })).metadata?.uid;

  async function waitForStatus(status: string): Promise<void> {
    let last: Revision[] = [];
    await waitFor(async () => {
      last = await history().catch(() => []);
      return last.at(-1)?.status === status;
    }, STEP_MS, () => `release ${RELEASE} ${status}; history: ${JSON.stringify(last)}`);
  }

  /**
   * The operator's container dies while helm hangs: its helm child is killed with it (SIGKILL, no
   * chance to mark the release failed, as helm does on SIGTERM). Found by this test's own helm
   * data folder in its environment, killed by process id.
   */
  async function killOperatorWhileHelmHangs(): Promise<void> {
    const killed = killOwnHelmProcesses(join(dir, 'data'));
    expect(killed).toBeGreaterThan(0);
    await h.stopOperator();
    await new Promise((r) => setTimeout(r, 2500));
    proxy.hang(undefined);
    await h.startOperator(h.config);
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hcpo-helm-repair-'));
    let apiUrl = '';
    proxy = await startHangingProxy(() => apiUrl);
    writeFileSync(join(dir, 'kubeconfig'), kubeConfigForUrl(proxy.url).exportConfig());
    h = await Harness.start({
      config: {
        backend: 'helmbitnami',
        allowed_backends: ['helmbitnami'],
        backends: {
          helmbitnami: {
            helm_binary: realHelmBinary(),
            helm_timeout_seconds: 2,
            chart: BITNAMI_CHART_FIXTURE,
            classes: { small: { cpu: '500m', memory: '256Mi' }, large: { cpu: '1', memory: '512Mi' } },
            default_class: 'small',
            extra_values: {
              image: { registry: 'docker.io', repository: 'bitnamilegacy/postgresql' },
              global: { security: { allowInsecureImages: true } },
              auth: { usePasswordFiles: false },
            },
          },
        },
      },
      backendOverrides: () => ({
        // The registry's factory, plus helm's environment and a short "stuck" threshold for the test.
        helmbitnami: (deps) =>
          new HelmBitnamiBackend({ settings: backendSection<HelmBitnamiSection>(deps.config, 'helmbitnami'), kube: deps.kube, log: deps.log, helmEnv, stuckAfterSeconds: 3, pollSeconds: 1 }),
      }),
    });
    apiUrl = h.api.url;
    const admin = new pg.Client({ host: h.pg.host, port: h.pg.port, user: h.pg.user, password: h.pg.password, database: 'postgres' });
    await admin.connect();
    // Its own login: the fake kubelet gives postgres the server's admin password when the "pod" starts.
    await admin.query("CREATE ROLE helm LOGIN PASSWORD 'helm-storage'");
    await admin.query('CREATE DATABASE helm_releases OWNER helm');
    await admin.end();
    helmEnv = {
      HELM_DRIVER: 'sql',
      HELM_DRIVER_SQL_CONNECTION_STRING: `postgresql://helm:helm-storage@${h.pg.host}:${h.pg.port}/helm_releases?sslmode=disable`,
      HELM_CACHE_HOME: join(dir, 'cache'),
      HELM_CONFIG_HOME: join(dir, 'config'),
      HELM_DATA_HOME: join(dir, 'data'),
      KUBECONFIG: join(dir, 'kubeconfig'),
    };
    (h.config.backends.helmbitnami as Record<string, unknown>).operator_endpoint = `127.0.0.1:${h.pg.port}`;
    await h.stopOperator();
    await h.startOperator(h.config);
  }, STEP_MS);

  afterAll(async () => {
    await h?.stop();
    await proxy?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a first install that never finished is uninstalled and installed again', async () => {
    proxy.hang(STATEFULSET_WRITE);
    await h.create({
      apiVersion: 'hybridcloud.maibornwolff.de/v1alpha1',
      kind: 'PostgreSQLServer',
      metadata: { name: NAME, namespace: 'default' },
      spec: { backend: 'helmbitnami', version: 16, size: { class: 'small', storageGB: 8 }, credentialsSecret: `${NAME}-credentials` },
    });
    await waitForStatus('pending-install');
    await waitFor(() => proxy.held() > 0, STEP_MS, () => 'helm writing the StatefulSet');
    await killOperatorWhileHelmHangs();

    await h.waitForReady('PostgreSQLServer', NAME, 'True', 'Available', STEP_MS);
    expect(await releases()).toEqual([RELEASE]);
    expect((await history()).at(-1)).toMatchObject({ status: 'deployed' });
    const events = await h.events(NAME);
    expect(events.filter((e) => e.reason === 'HelmReleaseRepaired').map((e) => e.message)).toEqual([
      expect.stringMatching(new RegExp(`^Helm release ${RELEASE} was left pending-install .* uninstalled it to install it again; its volume claims are kept$`)),
    ]);
  }, STEP_MS * 2);

  it('a stuck upgrade is rolled back to the last deployed revision and the upgrade retried; the data stays', async () => {
    const claim = await claimUid();
    // A real uid, so that the claim kept across the repair (compared below) cannot be undefined === undefined.
    expect(claim).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const before = (await history()).at(-1)!.revision;
    proxy.hang(STATEFULSET_WRITE);
    await h.patch('PostgreSQLServer', NAME, { spec: { size: { class: 'large' } } });
    await waitForStatus('pending-upgrade');
    await killOperatorWhileHelmHangs();

    await waitFor(async () => {
      const values = JSON.parse(await helm(['get', 'values', RELEASE, '--namespace', 'default', '--output', 'json'])) as { primary?: { resources?: { limits?: { cpu?: string } } } };
      return (await history()).at(-1)?.status === 'deployed' && values.primary?.resources?.limits?.cpu === '1';
    }, STEP_MS, () => 'the upgrade to the large class deployed');
    await h.waitForReady('PostgreSQLServer', NAME, 'True', 'Available', STEP_MS);
    const revisions = await history();
    // pending-upgrade (killed; helm leaves that record as it is) → rollback to the last deployed one → the upgrade again.
    expect(revisions.filter((r) => r.revision > before).map((r) => r.status)).toEqual(['pending-upgrade', 'superseded', 'deployed']);
    expect(revisions.find((r) => r.revision === before + 2)?.description).toBe(`Rollback to ${before}`);
    expect(await releases()).toEqual([RELEASE]);
    expect(await claimUid()).toBe(claim);
    const repaired = (await h.events(NAME)).filter((e) => e.reason === 'HelmReleaseRepaired').map((e) => e.message);
    expect(repaired).toContainEqual(expect.stringMatching(new RegExp(`was left pending-upgrade .* rolled it back to revision ${before}; the change is applied again$`)));
  }, STEP_MS * 2);

  it('an upgrade whose helm call timed out (helm stopped with SIGTERM marks it failed) is upgraded again once the cluster answers', async () => {
    const claim = await claimUid();
    proxy.hang(STATEFULSET_WRITE);
    await h.patch('PostgreSQLServer', NAME, { spec: { size: { class: 'small' } } });
    await waitForStatus('failed');
    proxy.hang(undefined);
    await waitFor(async () => {
      const values = JSON.parse(await helm(['get', 'values', RELEASE, '--namespace', 'default', '--output', 'json'])) as { primary?: { resources?: { limits?: { cpu?: string } } } };
      return (await history()).at(-1)?.status === 'deployed' && values.primary?.resources?.limits?.cpu === '500m';
    }, STEP_MS, () => 'the upgrade back to the small class deployed');
    await h.waitForReady('PostgreSQLServer', NAME, 'True', 'Available', STEP_MS);
    expect(await releases()).toEqual([RELEASE]);
    expect(await claimUid()).toBe(claim);
  }, STEP_MS * 2);
});
