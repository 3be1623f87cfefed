import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findKubeConfig, SERVICE_ACCOUNT_DIR } from './kube-config.js';
import { StartupError } from './startup-error.js';

const KUBECONFIG = `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: "https://kube.example:6443" } }]
users: [{ name: u, user: { token: t } }]
contexts: [{ name: x, context: { cluster: c, user: u } }]
current-context: x
`;

/** Where the kube context comes from: KUBECONFIG, else ~/.kube/config, else the pod's service account. */
describe('findKubeConfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hcpo-kc-'));
  const home = join(dir, 'home');
  const root = join(dir, 'root');
  mkdirSync(join(home, '.kube'), { recursive: true });
  writeFileSync(join(home, '.kube', 'config'), KUBECONFIG);
  mkdirSync(`${root}${SERVICE_ACCOUNT_DIR}`, { recursive: true });
  for (const f of ['token', 'ca.crt', 'namespace']) writeFileSync(`${root}${SERVICE_ACCOUNT_DIR}/${f}`, f === 'namespace' ? 'ops' : 'x');
  const empty = join(dir, 'empty');
  mkdirSync(empty);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('takes ~/.kube/config when KUBECONFIG is not set, before a service account', () => {
    const { kc, source } = findKubeConfig({ env: { HOME: home }, root });
    expect(source).toBe(join(home, '.kube', 'config'));
    expect(kc.getCurrentCluster()?.server).toBe('https://kube.example:6443');
  });

  it("takes the pod's service account last, and needs the service address from the environment", () => {
    const saved = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };
    process.env.KUBERNETES_SERVICE_HOST = '10.0.0.1';
    process.env.KUBERNETES_SERVICE_PORT = '443';
    try {
      const { kc, source } = findKubeConfig({ env: { HOME: empty, ...process.env, KUBECONFIG: '' }, root });
      expect(source).toBe('in-cluster service account');
      expect(kc.getCurrentCluster()?.server).toBe('https://10.0.0.1:443');
    } finally {
      process.env.KUBERNETES_SERVICE_HOST = saved.host;
      process.env.KUBERNETES_SERVICE_PORT = saved.port;
      if (saved.host === undefined) delete process.env.KUBERNETES_SERVICE_HOST;
      if (saved.port === undefined) delete process.env.KUBERNETES_SERVICE_PORT;
    }
    expect(() => findKubeConfig({ env: { HOME: empty }, root })).toThrow(/service account is mounted at .* but KUBERNETES_SERVICE_HOST\/KUBERNETES_SERVICE_PORT are not set/);
  });

  it('says what it looked for when there is nothing, HOME unset included', () => {
    expect(() => findKubeConfig({ env: {}, root: empty })).toThrow(StartupError);
    expect(() => findKubeConfig({ env: {}, root: empty })).toThrow('KUBECONFIG is not set, ~/.kube/config (HOME is not set) does not exist, and there is no in-cluster service account');
  });

  it('merges every file KUBECONFIG lists, and names a missing one', () => {
    const other = join(dir, 'other');
    writeFileSync(other, KUBECONFIG.replace(/\b(c|u|x)\b/g, '$12').replace('kube.example', 'other.example'));
    const { kc } = findKubeConfig({ env: { KUBECONFIG: `${join(home, '.kube', 'config')}:${other}` } });
    expect(kc.getContexts().map((c) => c.name).sort()).toEqual(['x', 'x2']);
    expect(() => findKubeConfig({ env: { KUBECONFIG: `${other}:${join(dir, 'gone')}` } })).toThrow(`the kubeconfig file ${join(dir, 'gone')} does not exist`);
  });

  it('refuses a current context that names nothing, or a cluster without a server', () => {
    const bad = join(dir, 'bad');
    writeFileSync(bad, KUBECONFIG.replace('current-context: x', 'current-context: y'));
    expect(() => findKubeConfig({ env: { KUBECONFIG: bad } })).toThrow('names current-context "y", which it does not define');
  });
});
