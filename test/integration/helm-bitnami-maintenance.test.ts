/**
 * The maintenance window for helmbitnami releases (ADR 0021), through the operator's handlers: the
 * fake API server and kubelet, the helm stand-in rendering with the real helm from a local chart
 * repository that serves the chart 17.1.0 and a 17.1.1 made from it. A new chart version and image
 * registry in the config wait for a closed window (no helm upgrade; status.maintenance says what
 * and when; one MaintenanceScheduled event), go in an open window, at once with the label
 * operator/action=restart (one upgrade), with a spec change, after a repaired interrupted upgrade,
 * and at once for a server without a window; a change of the backups alone goes at once without them.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ACTION_LABEL } from '../../src/api/constants.js';
import type { MaintenanceStatus, Weekday } from '../../src/api/types.js';
import { startChartRepo, type ChartRepo } from '../support/helm-stub/chart-repo.js';
import { createHelmStub, type HelmStub } from '../support/helm-stub/index.js';
import { BITNAMI_CHART_FIXTURE, helmHome, realHelmBinary } from '../support/helm-stub/real-helm.js';
import { Harness, waitFor } from '../support/operator-harness.js';

const NAME = 'nightly';
const RELEASE = `${NAME}-postgresql`;
const TIMEOUT = 60_000;
const WEEKDAYS: Weekday[] = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const hhmm = (d: Date) => d.toISOString().slice(11, 16);
/** Three days from now: closed for the whole test. */
const closedWindow = (starttime = '03:00') => ({ weekday: WEEKDAYS[(new Date().getUTCDay() + 3) % 7]!, starttime });
/** Opened a minute ago: open for the next 59 minutes. */
function openWindow(): { weekday: Weekday; starttime: string } {
  const start = new Date(Date.now() - 60_000);
  return { weekday: WEEKDAYS[start.getUTCDay()]!, starttime: hhmm(start) };
}

interface Server {
  metadata: { generation: number; labels?: Record<string, string> };
  status?: { maintenance?: MaintenanceStatus; conditions?: Array<{ type: string; reason: string; message: string; observedGeneration?: number }> };
}

let h: Harness;
let stub: HelmStub;
let repo: ChartRepo;
let home: ReturnType<typeof helmHome>;
let charts: string;

const server = async () => (await h.get<Server>('PostgreSQLServer', NAME)) as Server;
const upgrades = async () => (await stub.calls()).filter((c) => c.args[0] === 'upgrade');
const head = async () => (await stub.release('default', RELEASE))!.revisions.at(-1)!;
const registryOf = (values: unknown) => ((values as { image?: { registry?: string } }).image ?? {}).registry;
/** The deployed release runs the registry (the stand-in logs a call before helm has written its revision). */
const runs = (registry: string) => waitFor(
  async () => (await head()).status === 'deployed' && registryOf((await head()).values) === registry,
  TIMEOUT / 2,
  () => `release with ${registry}: ${JSON.stringify(h.logLines.slice(-6))}`,
);
const settings = () => h.config.backends.helmbitnami as Record<string, unknown>;

/** The operator again with the config changed (a new chart version or image registry, as an admin would roll out). */
async function reconfigure(change: { chartVersion?: string; registry?: string }): Promise<void> {
  await h.stopOperator();
  if (change.chartVersion) settings().chart_version = change.chartVersion;
  if (change.registry) settings().extra_values = { ...(settings().extra_values as object), image: { registry: change.registry, repository: 'bitnamilegacy/postgresql' } };
  await h.startOperator(h.config);
}

/** Ready (Available) for the server's current generation. */
async function settled(): Promise<Server> {
  let last: Server | undefined;
  await waitFor(async () => {
    last = await server();
    const ready = last.status?.conditions?.find((c) => c.type === 'Ready');
    return ready?.reason === 'Available' && ready.observedGeneration === last.metadata.generation;
  }, TIMEOUT / 2, () => `Ready for the generation: ${JSON.stringify(last?.status?.conditions)}`);
  await h.operator!.whenIdle();
  return server();
}

beforeAll(async () => {
  home = helmHome();
  // Chart 17.1.1: the 17.1.0 stand-in under the next version, as a patch release of the chart would be.
  charts = mkdtempSync(join(tmpdir(), 'charts-'));
  cpSync(BITNAMI_CHART_FIXTURE, join(charts, 'postgresql'), { recursive: true });
  const chartYaml = join(charts, 'postgresql', 'Chart.yaml');
  writeFileSync(chartYaml, readFileSync(chartYaml, 'utf8').replace(/^version: 17\.1\.0$/m, 'version: 17.1.1'));
  // And 17.1.2 (helm packages a folder named like the chart).
  cpSync(join(charts, 'postgresql'), join(charts, 'next', 'postgresql'), { recursive: true });
  const nextYaml = join(charts, 'next', 'postgresql', 'Chart.yaml');
  writeFileSync(nextYaml, readFileSync(nextYaml, 'utf8').replace(/^version: 17\.1\.1$/m, 'version: 17.1.2'));
  stub = await createHelmStub({ realHelm: realHelmBinary(), env: home.env });
  repo = await startChartRepo(realHelmBinary(), [BITNAMI_CHART_FIXTURE, join(charts, 'postgresql'), join(charts, 'next', 'postgresql')], home.env);
  h = await Harness.start({
    config: {
      handler_on_resume: true,
      backend: 'helmbitnami',
      allowed_backends: ['helmbitnami'],
      backends: {
        helmbitnami: {
          helm_binary: join(stub.binDir, 'helm'),
          chart: repo.url,
          chart_version: '17.1.0',
          classes: { small: { cpu: '1', memory: '256Mi' }, large: { cpu: '2', memory: '512Mi' } },
          default_class: 'small',
          extra_values: { image: { registry: 'docker.io', repository: 'bitnamilegacy/postgresql' }, global: { security: { allowInsecureImages: true } }, auth: { usePasswordFiles: false } },
          // Backups at a fixed time: a new window start does not move them (that would be a spec change of the release).
          backup: { schedule: '0 1 * * *' },
        },
      },
    },
  });
  await h.stopOperator();
  await stub.connectApiServer(h.api.url);
  settings().operator_endpoint = `127.0.0.1:${h.pg.port}`;
  await h.startOperator(h.config);
  await h.create({
    apiVersion: 'hybridcloud.maibornwolff.de/v1alpha1',
    kind: 'PostgreSQLServer',
    metadata: { name: NAME, namespace: 'default' },
    spec: { backend: 'helmbitnami', version: '16', size: { storageGB: 8 }, credentialsSecret: `${NAME}-credentials`, maintenance: { window: closedWindow() } },
  });
  await settled();
}, 2 * TIMEOUT);

afterAll(async () => {
  await h?.stop();
  await Promise.all([stub?.cleanup(), repo?.close()]);
  home?.cleanup();
  if (charts) rmSync(charts, { recursive: true, force: true });
});

describe('helmbitnami: changes from the config wait for the maintenance window', () => {
  it('holds a new chart version and image registry while the window is closed: no helm upgrade; status.maintenance says what and when', async () => {
    expect(await upgrades()).toHaveLength(1);
    await reconfigure({ chartVersion: '17.1.1', registry: 'mirror.example' });
    await waitFor(async () => Boolean((await server()).status?.maintenance), TIMEOUT / 2, () => 'status.maintenance');
    const { status } = await settled();
    const window = closedWindow();
    expect(status?.maintenance).toEqual({
      pending: ['image.registry: "docker.io" → "mirror.example"', 'chart version: 17.1.0 → 17.1.1'],
      scheduledFor: expect.stringMatching(new RegExp(`T03:00:00\\.000Z$`)),
      window: `${window.weekday} 03:00 UTC`,
    });
    expect(new Date(status!.maintenance!.scheduledFor).getUTCDay()).toBe(WEEKDAYS.indexOf(window.weekday));
    expect(status?.conditions?.find((c) => c.type === 'Ready')?.message).toMatch(/chart version: 17\.1\.0 → 17\.1\.1: waits for the maintenance window/);
    // More looks at the server: still no upgrade, and one event for the start of the wait.
    h.operator!['servers'].enqueue('default', NAME);
    await new Promise((r) => setTimeout(r, 500));
    await h.operator!.whenIdle();
    expect(await upgrades()).toHaveLength(1);
    expect((await head()).chart).toBe('postgresql-17.1.0');
    const scheduled = (await h.kube.core.listNamespacedEvent({ namespace: 'default' })).items.filter((e) => e.involvedObject.name === NAME && e.reason === 'MaintenanceScheduled');
    // One Event object, recorded once (a repeat would have raised its count).
    expect(scheduled.map((e) => [e.type, e.count])).toEqual([['Normal', 1]]);
    expect(scheduled[0]?.message).toContain('chart version: 17.1.0 → 17.1.1');
  }, TIMEOUT);

  it('keeps holding through a spec change that does not touch the release (another closed window)', async () => {
    await h.patch('PostgreSQLServer', NAME, { spec: { maintenance: { window: closedWindow('04:30') } } });
    await waitFor(async () => /04:30 UTC/.test((await server()).status?.maintenance?.window ?? ''), TIMEOUT / 2, () => 'the new window in status');
    await settled();
    expect(await upgrades()).toHaveLength(1);
  }, TIMEOUT);

  it('upgrades when the window is open; status.maintenance is cleared', async () => {
    await h.patch('PostgreSQLServer', NAME, { spec: { maintenance: { window: openWindow() } } });
    await waitFor(async () => (await upgrades()).length === 2, TIMEOUT / 2, () => 'the upgrade in the window');
    expect((await upgrades())[1]?.args).toEqual(expect.arrayContaining(['--version', '17.1.1']));
    const { status } = await settled();
    expect(status?.maintenance).toBeUndefined();
    await runs('mirror.example');
    expect((await head()).chart).toBe('postgresql-17.1.1');
  }, TIMEOUT);

  it('upgrades at once with the label operator/action=restart: one upgrade, the label removed', async () => {
    await h.patch('PostgreSQLServer', NAME, { spec: { maintenance: { window: closedWindow() } } });
    await settled();
    await reconfigure({ registry: 'mirror2.example' });
    await waitFor(async () => Boolean((await server()).status?.maintenance), TIMEOUT / 2, () => 'held');
    expect(await upgrades()).toHaveLength(2);
    await h.patch('PostgreSQLServer', NAME, { metadata: { labels: { [ACTION_LABEL]: 'restart' } } });
    await waitFor(async () => (await server()).metadata.labels?.[ACTION_LABEL] === undefined, TIMEOUT / 2, () => 'the label removed');
    await runs('mirror2.example');
    const { status } = await settled();
    expect(status?.maintenance).toBeUndefined();
    // The restart the label asks for is the upgrade that carried the held change: the pod rolled once.
    expect(await upgrades()).toHaveLength(3);
  }, TIMEOUT);

  it('carries a held change along with a spec change to the release (the pod rolls anyway)', async () => {
    await reconfigure({ registry: 'mirror3.example' });
    await waitFor(async () => Boolean((await server()).status?.maintenance), TIMEOUT / 2, () => 'held');
    await h.patch('PostgreSQLServer', NAME, { spec: { size: { class: 'large' } } });
    await waitFor(async () => (await upgrades()).length === 4, TIMEOUT / 2, () => 'the upgrade for the spec change');
    // The stand-in logs the call before helm has written the revision.
    const cpu = async () => ((await head()).values as { primary: { resources: { limits: { cpu: string } } } }).primary.resources.limits.cpu;
    await runs('mirror3.example');
    expect(await cpu()).toBe('2');
    expect((await settled()).status?.maintenance).toBeUndefined();
  }, TIMEOUT);

  it('does not hold an upgrade an interruption left halfway: after the repair rolls it back, it is sent again at once', async () => {
    await reconfigure({ registry: 'mirror4.example' });
    await waitFor(async () => Boolean((await server()).status?.maintenance), TIMEOUT / 2, () => 'held');
    await h.stopOperator();
    // An operator killed inside `helm upgrade` (sent in an earlier window) left this revision pending.
    const release = (await stub.release('default', RELEASE))!;
    const last = release.revisions.at(-1)!;
    const values = { ...(last.values as object), image: { registry: 'mirror4.example', repository: 'bitnamilegacy/postgresql', tag: '16' } };
    const started = new Date(Date.now() - 3600_000).toISOString();
    await stub.writeRelease({ ...release, revisions: [...release.revisions, { ...last, revision: last.revision + 1, status: 'pending-upgrade', updated: started, description: 'Preparing upgrade', values }] });
    const before = (await upgrades()).length;
    await h.startOperator(h.config);
    await waitFor(async () => (await upgrades()).length === before + 1, TIMEOUT / 2, () => 'the upgrade sent again after the repair');
    expect((await stub.calls()).some((c) => c.args[0] === 'rollback')).toBe(true);
    await runs('mirror4.example');
    expect((await settled()).status?.maintenance).toBeUndefined();
  }, TIMEOUT);

  it('upgrades at once a server without a window', async () => {
    await h.patch('PostgreSQLServer', NAME, { spec: { maintenance: null } });
    await settled();
    const before = (await upgrades()).length;
    await reconfigure({ registry: 'mirror5.example' });
    await waitFor(async () => (await upgrades()).length === before + 1, TIMEOUT / 2, () => 'the upgrade at once');
    await runs('mirror5.example');
    expect((await settled()).status?.maintenance).toBeUndefined();
  }, TIMEOUT);

  it('applies a change of the backups at once and keeps holding the rest: one upgrade at the running chart and image', async () => {
    await h.patch('PostgreSQLServer', NAME, { spec: { maintenance: { window: closedWindow() } } });
    await settled();
    await reconfigure({ chartVersion: '17.1.2', registry: 'mirror6.example' });
    await waitFor(async () => Boolean((await server()).status?.maintenance), TIMEOUT / 2, () => 'held');
    const before = (await upgrades()).length;
    const chart = (await head()).chart;
    // The backup CronJob is not the server's pod: a new retention (or schedule) need not wait, nor roll the pod.
    await h.patch('PostgreSQLServer', NAME, { spec: { backup: { retentionDays: 3 } } });
    await waitFor(async () => (await upgrades()).length === before + 1, TIMEOUT / 2, () => 'the upgrade for the backups');
    const command = async () => JSON.stringify(((await head()).values as { backup?: { cronjob?: { command?: string[] } } }).backup?.cronjob?.command);
    await waitFor(async () => (await head()).status === 'deployed' && (await command()).includes(`-mmin +${3 * 24 * 60}`), TIMEOUT / 2, () => 'the new retention deployed');
    expect(registryOf((await head()).values)).toBe('mirror5.example');
    expect((await head()).chart).toBe(chart);
    expect(chart).toBe('postgresql-17.1.1');
    const { status } = await settled();
    expect(status?.maintenance?.pending).toEqual(['image.registry: "mirror5.example" → "mirror6.example"', 'chart version: 17.1.1 → 17.1.2']);
    h.operator!['servers'].enqueue('default', NAME);
    await new Promise((r) => setTimeout(r, 500));
    await h.operator!.whenIdle();
    expect(await upgrades()).toHaveLength(before + 1);
  }, TIMEOUT);
});
