import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SERVICE_ACCOUNT_DIR } from '../../src/startup/kube-config.js';
import { EntryProcess, runEntry, type EntryResult } from '../support/entry-process.js';
import { freePort } from '../support/free-port.js';
import { startFakeApiServer, type FakeApiServer } from '../support/fake-apiserver/index.js';
import { CRD_FILES, waitFor } from '../support/operator-harness.js';

/** The operator's identity on the fake API server (its bearer token), for denials. */
const OPERATOR = 'operator';

/** A config that starts quickly: leader election off unless asked, a short API server retry. */
async function config(extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  return { backend: 'statefulset', http_port: await freePort(), leader_election: { enabled: false }, startup_timeout_seconds: 3, ...extra };
}

/** Exit code 1 and exactly one line of output, which contains every `parts`, and no stack trace. */
function expectOneLine(r: EntryResult, ...parts: string[]): string {
  const lines = (r.stdout + r.stderr).split('\n').filter(Boolean);
  expect(lines).toHaveLength(1);
  const line = lines[0] as string;
  for (const part of parts) expect(line).toContain(part);
  expect(line).not.toMatch(/^\s*at |:\d+:\d+\)|\w*Error: /);
  expect(r.code).toBe(1);
  return line;
}

/**
 * The built entry point started as a new user would, in a child process with a scratch HOME and
 * environment: every start-up problem ends it with exit code 1 and one line saying what is wrong
 * and what to do (on stderr, and in the /readyz body while a check waits).
 */
describe('start-up checks of the built operator', () => {
  let api: FakeApiServer;
  let empty: FakeApiServer;
  const dir = mkdtempSync(join(tmpdir(), 'hcpo-startup-'));
  const kubeconfig = (server: FakeApiServer, name: string) => {
    const path = join(dir, name);
    writeFileSync(path, server.kubeConfig('default', OPERATOR).exportConfig());
    return path;
  };

  beforeAll(async () => {
    [api, empty] = await Promise.all([startFakeApiServer({ crdFiles: CRD_FILES }), startFakeApiServer()]);
  });

  afterAll(async () => {
    await Promise.all([api?.close(), empty?.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('an old Node.js: one line naming the version needed, before anything else is loaded', async () => {
    // process.versions as Node 20 reports it; no config file exists, so the line comes before any other check.
    const fakeNode20 = `data:text/javascript,Object.defineProperty(process, "versions", { value: { ...process.versions, node: "20.20.2" } })`;
    const r = await runEntry({ nodeArgs: ['--import', fakeNode20], args: ['run', '--config', join(dir, 'missing.yaml')] });
    expectOneLine(r, 'needs Node.js >=22.19, but this is Node.js 20.20.2', 'scripts/node.sh');
  });

  it('no cluster configured: says what it looked for', async () => {
    if (existsSync(`${SERVICE_ACCOUNT_DIR}/token`)) return; // running in a pod: there is a cluster
    const r = await runEntry({ config: await config() });
    expectOneLine(r, 'no Kubernetes cluster configured: KUBECONFIG is not set', `${r.home}/.kube/config does not exist`, 'no in-cluster service account', 'set KUBECONFIG');
  });

  it('KUBECONFIG names a file that does not exist', async () => {
    const r = await runEntry({ config: await config(), env: { KUBECONFIG: join(dir, 'nope') } });
    expectOneLine(r, `the kubeconfig file ${join(dir, 'nope')} does not exist`);
  });

  it('the kubeconfig is not YAML, or has no current context', async () => {
    writeFileSync(join(dir, 'garbage'), 'clusters: [\n');
    expectOneLine(await runEntry({ config: await config(), env: { KUBECONFIG: join(dir, 'garbage') } }), `the kubeconfig file ${join(dir, 'garbage')} is not valid`);
    writeFileSync(join(dir, 'no-context'), 'apiVersion: v1\nkind: Config\nclusters: []\nusers: []\ncontexts: []\n');
    expectOneLine(await runEntry({ config: await config(), env: { KUBECONFIG: join(dir, 'no-context') } }), 'has no current-context', 'kubectl config use-context');
  });

  it('the API server does not answer: retried for startup_timeout_seconds, /readyz saying so meanwhile, then its address', async () => {
    const port = await freePort();
    const server = `http://127.0.0.1:${port}`;
    writeFileSync(join(dir, 'unreachable'), empty.kubeConfig().exportConfig().replace(empty.url, server));
    const cfg = await config();
    const spawned = Date.now();
    const proc = new EntryProcess({ config: cfg, env: { KUBECONFIG: join(dir, 'unreachable') } });
    let readyz = '';
    await waitFor(async () => {
      const res = await fetch(`http://127.0.0.1:${String(cfg.http_port)}/readyz`).catch(() => undefined);
      readyz = res ? `${res.status} ${await res.text()}` : '';
      return readyz.includes('ECONNREFUSED');
    }, 10_000, () => `/readyz naming the unreachable API server, got "${readyz}"`);
    expect(readyz).toContain(`503 not ok: cannot reach the Kubernetes API server at ${server} yet`);
    const started = Date.now();
    const r = await proc.result;
    await proc.stop();
    expect(Date.now() - started).toBeLessThan(5000);
    // Not giving up early: the retries span the whole timeout, which starts after the process does.
    expect(Date.now() - spawned).toBeGreaterThanOrEqual(Number(cfg.startup_timeout_seconds) * 1000);
    expectOneLine(r, `cannot reach the Kubernetes API server at ${server}`, 'ECONNREFUSED', 'attempts');
  });

  it('an API server that comes up within startup_timeout_seconds: the operator waits for it and starts', async () => {
    // The kubeconfig names a port where nothing listens yet; a few seconds later a TCP relay to the
    // fake API server opens there (an API server restarting while the operator's pod starts).
    const port = await freePort();
    writeFileSync(join(dir, 'late'), api.kubeConfig('default', OPERATOR).exportConfig().replace(api.url, `http://127.0.0.1:${port}`));
    const cfg = await config({ startup_timeout_seconds: 30 });
    const proc = new EntryProcess({ config: cfg, env: { KUBECONFIG: join(dir, 'late') } });
    let relay: Server | undefined;
    try {
      await waitFor(() => fetch(`http://127.0.0.1:${String(cfg.http_port)}/readyz`).then(async (r) => (await r.text()).includes('ECONNREFUSED'), () => false), 10_000, () => 'a refused attempt');
      const target = new URL(api.url);
      relay = createServer((socket) => socket.pipe(connect(Number(target.port), target.hostname)).pipe(socket));
      await new Promise<void>((resolve) => relay!.listen(port, '127.0.0.1', resolve));
      await waitFor(async () => (await fetch(`http://127.0.0.1:${String(cfg.http_port)}/readyz`).catch(() => undefined))?.status === 200, 20_000, () => `ready; output: ${proc.output}`);
      expect(proc.output).toContain(`API server http://127.0.0.1:${port}`);
    } finally {
      await proc.stop();
      relay?.close();
    }
  });

  it('the CRDs are not installed: names them and the command that installs them', async () => {
    const r = await runEntry({ config: await config(), env: { KUBECONFIG: kubeconfig(empty, 'empty') } });
    expectOneLine(r, 'the CRDs postgresqlservers.hybridcloud.maibornwolff.de, postgresqldatabases.hybridcloud.maibornwolff.de and postgresqltables.hybridcloud.maibornwolff.de are not installed', 'kubectl apply -f crds/', 'helm install hybrid-cloud-postgresql-operator-crds');
  });

  it('a cert-manager issuer configured without cert-manager installed: says so and how to get on', async () => {
    const r = await runEntry({ config: await config({ tls: { issuer: { name: 'team-ca' } } }), env: { KUBECONFIG: kubeconfig(api, 'no-cert-manager') } });
    expectOneLine(r, "cert-manager's Certificate CRD (certificates.cert-manager.io/v1) is not installed", 'tls.issuer.name');
  });

  it('a permission is missing: which verb on which resource, where', async () => {
    api.deny({ user: OPERATOR, verb: 'list', group: '', resource: 'secrets' }, { user: OPERATOR, verb: 'update', group: 'coordination.k8s.io', resource: 'leases', namespace: 'ops' });
    try {
      const cfg = await config({ leader_election: { enabled: true, namespace: 'ops' } });
      const r = await runEntry({ config: cfg, env: { KUBECONFIG: kubeconfig(api, 'denied') } });
      expectOneLine(r, 'lacks permissions it needs: ', 'list secrets in all namespaces', 'update leases.coordination.k8s.io in namespace ops', 'grant them');
    } finally {
      api.allowAll();
    }
  });

  it('SelfSubjectAccessReviews forbidden: says why they are normally allowed', async () => {
    api.deny({ user: OPERATOR, verb: 'create', group: 'authorization.k8s.io', resource: 'selfsubjectaccessreviews' });
    try {
      const r = await runEntry({ config: await config(), env: { KUBECONFIG: kubeconfig(api, 'no-reviews') } });
      expectOneLine(r, 'cannot check its permissions', 'system:basic-user');
    } finally {
      api.allowAll();
    }
  });

  it('an invalid config: every problem, exit code 1, no stack trace', async () => {
    const r = await runEntry({ config: await config({ reconcile: { concurrency: 'many' } }), env: { KUBECONFIG: kubeconfig(api, 'ok-for-config') } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('reconcile.concurrency');
    expect(r.stderr).not.toMatch(/\bat .*:\d+:\d+/);
  });

  it('all well: one start line with version, backend, namespaces, leader election and API server; then ready', async () => {
    const cfg = await config({ watch_namespaces: ['default'], leader_election: { enabled: true, namespace: 'default', lease_name: 'startup-test' } });
    const proc = new EntryProcess({ config: cfg, env: { KUBECONFIG: kubeconfig(api, 'good') } });
    try {
      await waitFor(async () => (await fetch(`http://127.0.0.1:${String(cfg.http_port)}/readyz`).catch(() => undefined))?.status === 200, 20_000, () => `ready; output: ${proc.output}`);
      const lines = proc.output.split('\n').filter((l) => l.includes('hybrid-cloud-postgresql-operator 0.1.0:'));
      expect(lines).toHaveLength(1);
      const msg = (JSON.parse(lines[0] as string) as { msg: string }).msg;
      expect(msg).toBe(`hybrid-cloud-postgresql-operator 0.1.0: backend statefulset, watching namespaces default, leader election on (Lease default/startup-test), API server ${api.url} (${join(dir, 'good')})`);
    } finally {
      await proc.stop();
    }
  });
});
