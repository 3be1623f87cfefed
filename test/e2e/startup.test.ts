import { afterAll, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EntryProcess } from '../support/entry-process.js';
import { freePort } from '../support/free-port.js';
import { e2eOperatorConfig } from './support/operator.js';
import { describeE2E } from './support/settings.js';
import { useScenario } from './support/use-scenario.js';

/**
 * The start-up checks against a real API server and its real RBAC: the operator's one start line
 * names the cluster, and an identity without the operator's permissions stops it with one line
 * naming what is missing (SelfSubjectAccessReviews evaluated by the cluster's authorizer).
 */
describeE2E('e2e: start-up checks', () => {
  const s = useScenario({ server: 'unused', startOperator: false });
  const dir = mkdtempSync(join(tmpdir(), 'hcpo-e2e-startup-'));

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /** The tester's kubeconfig, optionally impersonating `as` (cluster-admin may impersonate anyone). */
  function kubeconfig(name: string, as?: string): string {
    const exported = JSON.parse(s.kc.exportConfig()) as { users: Array<{ user: Record<string, unknown> }> };
    if (as) for (const u of exported.users) u.user.as = as;
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(exported));
    return path;
  }

  async function config(): Promise<Record<string, unknown>> {
    return e2eOperatorConfig({ namespace: s.namespace, operatorEndpoint: '', storageClass: '', postgresRepository: 'postgres', httpPort: await freePort() });
  }

  it('prints one start line naming the API server, and becomes ready', async () => {
    const cfg = await config();
    const proc = new EntryProcess({ config: cfg, env: { KUBECONFIG: kubeconfig('tester') } });
    try {
      const deadline = Date.now() + 60_000;
      while ((await fetch(`http://127.0.0.1:${String(cfg.http_port)}/readyz`).catch(() => undefined))?.status !== 200) {
        if (Date.now() > deadline || proc.child.exitCode !== null) throw new Error(`not ready; output:\n${proc.output}`);
        await new Promise((r) => setTimeout(r, 500));
      }
      const lines = proc.output.split('\n').filter((l) => l.includes('hybrid-cloud-postgresql-operator '));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`watching namespaces ${s.namespace}, leader election off, API server ${s.kc.getCurrentCluster()?.server}`);
    } finally {
      await proc.stop();
    }
  });

  it('an identity without the permissions: exit code 1 and one line naming the missing verbs and resources', async () => {
    const proc = new EntryProcess({ config: await config(), env: { KUBECONFIG: kubeconfig('nobody', `system:serviceaccount:${s.namespace}:hcpo-e2e-nobody`) } });
    // It must stop by itself; if it starts instead, stop it and show what it printed.
    const timer = setTimeout(() => void proc.stop(), 30_000);
    const result = await proc.result;
    clearTimeout(timer);
    await proc.stop();
    const lines = (result.stdout + result.stderr).split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(result.code).toBe(1);
    expect(lines[0]).toMatch(new RegExp(`lacks permissions it needs: .* in namespace ${s.namespace}`));
  });
});
