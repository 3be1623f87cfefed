import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GROUP } from '../../src/api/constants.js';
import { helmTemplate } from '../support/helm-binary.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { CERT_MANAGER_CRDS, FakeCertManager, makeForgeCa } from '../support/fake-cert-manager.js';
import { Harness, OPERATOR_CLIENT, waitFor } from '../support/operator-harness.js';

type Rule = { apiGroups?: string[]; resources?: string[]; verbs: string[] };

const VERBS: Record<string, string> = { GET: 'get', LIST: 'list', WATCH: 'watch', POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };
const GROUPS: Record<string, string> = {
  secrets: '', services: '', persistentvolumeclaims: '', events: '', pods: '', configmaps: '', namespaces: '',
  statefulsets: 'apps', leases: 'coordination.k8s.io', cronjobs: 'batch', jobs: 'batch',
  postgresqlservers: GROUP, postgresqldatabases: GROUP, postgresqltables: GROUP,
  certificates: 'cert-manager.io',
};

/** The requests in `made` the rules do not allow. */
function deniedBy(rules: Rule[], made: Record<string, number>): string[] {
  return Object.keys(made).filter((key) => {
    const [method, resource] = key.split(' ') as [string, string];
    const group = GROUPS[resource.split('/')[0] as string];
    return group === undefined || !allows(rules, group, resource, VERBS[method] as string);
  });
}

const allows = (rules: Rule[], group: string, resource: string, verb: string): boolean =>
  rules.some((r) => (r.apiGroups ?? []).includes(group) && (r.resources ?? []).includes(resource) && r.verbs.includes(verb));

/**
 * Every request the operator made through a whole lifecycle (create, a table created and dropped, reset, Secret restore, delete
 * with PVC cleanup) must be allowed by the RBAC rules the chart renders — the operator runs with
 * exactly the chart's permissions, nothing more.
 */
describe("the operator's API requests against the chart's RBAC", () => {
  let h: Harness;
  let made: Record<string, number>;

  beforeAll(async () => {
    h = await Harness.start({ config: { tls: { enabled: true }, backends: { statefulset: { pvc_cleanup: true } } } });
    await h.apply(readFileSync('examples/table-website-users.yaml', 'utf8'));
    await h.waitForReady('PostgreSQLDatabase', 'demoservice');
    await h.waitForReady('PostgreSQLTable', 'website-users');
    await h.delete('PostgreSQLTable', 'website-users');
    await waitFor(async () => (await h.get('PostgreSQLTable', 'website-users')) === undefined, 20_000, () => 'table gone');
    // A grant by namespace label: the operator starts watching namespaces.
    await h.kube.core.createNamespace({ body: { metadata: { name: 'team-x', labels: { shared: 'yes' } } } });
    await h.patch('PostgreSQLServer', 'demoteam', { spec: { sharing: { namespaceSelector: { matchLabels: { shared: 'yes' } } } } });
    await h.create({ apiVersion: 'hybridcloud.maibornwolff.de/v1alpha1', kind: 'PostgreSQLDatabase', metadata: { name: 'shared', namespace: 'team-x' }, spec: { serverRef: { name: 'demoteam', namespace: 'default' }, credentialsSecret: 'shared-db' } });
    await waitFor(async () => (await h.secret('shared-db', 'team-x')) !== undefined, 20_000, () => 'database from team-x made');
    await h.delete('PostgreSQLDatabase', 'shared', 'team-x');
    await h.patch('PostgreSQLDatabase', 'demoservice', { metadata: { labels: { 'operator/action': 'reset-password' } } });
    await h.patch('PostgreSQLServer', 'demoteam', { metadata: { labels: { 'operator/action': 'reset-password' } } });
    await h.kube.core.deleteNamespacedSecret({ name: 'demoservice-postgres-credentials', namespace: 'default' });
    await waitFor(async () => (await h.secret('demoservice-postgres-credentials')) !== undefined, 20_000, () => 'Secret restored');
    await h.delete('PostgreSQLDatabase', 'demoservice');
    await h.delete('PostgreSQLServer', 'demoteam');
    await waitFor(async () => (await h.get('PostgreSQLServer', 'demoteam')) === undefined, 30_000, () => 'server gone');
    made = h.api.requestCountsFor(OPERATOR_CLIENT);
  });

  afterAll(async () => {
    await h?.stop();
  });

  it('made the requests of a whole lifecycle (the check below is not vacuous)', () => {
    for (const key of ['WATCH postgresqlservers', 'PATCH postgresqlservers/status', 'PUT postgresqldatabases', 'PUT postgresqltables', 'PATCH postgresqltables/status', 'WATCH postgresqltables', 'POST secrets', 'PATCH secrets', 'POST statefulsets', 'DELETE persistentvolumeclaims', 'POST events', 'POST configmaps', 'LIST namespaces', 'WATCH namespaces', 'POST cronjobs', 'LIST jobs', 'POST persistentvolumeclaims']) {
      expect(made[key]).toBeGreaterThan(0);
    }
  });

  it("is allowed by the chart's cluster-wide rules (default values: all namespaces)", async () => {
    const objects = await helmTemplate('helm/hybrid-cloud-postgresql-operator', 'hcpo', 'ops');
    // The operator watched all namespaces here, so only ClusterRole rules count; the chart's
    // namespaced Role holds the Lease rules (leader election is off in this in-process run).
    const rules = objects.filter((o) => o.kind === 'ClusterRole').flatMap((o) => (o.rules as Rule[] | undefined) ?? []);
    expect(deniedBy(rules, made)).toEqual([]);
    // Owner references with blockOwnerDeletion need update on the owner's finalizers subresource.
    expect(allows(rules, GROUP, 'postgresqlservers/finalizers', 'update')).toBe(true);
    expect(allows(rules, GROUP, 'postgresqldatabases/finalizers', 'update')).toBe(true);
    expect(allows(rules, GROUP, 'postgresqltables/finalizers', 'update')).toBe(true);
  });
});

/** With a cert-manager issuer (tls.issuer, ADR 0022): the Certificate requests are allowed by the chart rendered for that config, and only then. */
describe("the operator's API requests with a cert-manager issuer against the chart's RBAC", () => {
  let h: Harness;
  let certManager: FakeCertManager;
  let made: Record<string, number>;
  const operatorConfig = { tls: { enabled: true, issuer: { name: 'team-ca', kind: 'ClusterIssuer' } } };

  beforeAll(async () => {
    h = await Harness.start({ config: operatorConfig, extraCrdFiles: [CERT_MANAGER_CRDS] });
    certManager = new FakeCertManager(h.kc);
    certManager.start();
    await certManager.createCaClusterIssuer('team-ca', makeForgeCa('team CA'));
    await h.apply(readFileSync('examples/simple.yaml', 'utf8'));
    await h.waitForReady('PostgreSQLServer', 'demoteam');
    // A new certificate lifetime in the config is a patch of the Certificate.
    await h.stopOperator();
    await h.startOperator({ ...h.config, tls: { ...h.config.tls, certificate_days: 180 } });
    await waitFor(async () => {
      const cert = (await h.kube.custom.getNamespacedCustomObject({ group: 'cert-manager.io', version: 'v1', namespace: 'default', plural: 'certificates', name: 'demoteam-postgresql-tls' })) as { spec: { duration: string } };
      return cert.spec.duration === '4320h';
    }, 60_000, () => 'Certificate patched');
    made = h.api.requestCountsFor(OPERATOR_CLIENT);
    // A server made, an operator restarted and a Certificate patched: more than the default hook
    // time when the whole suite shares the machine's cores.
  }, 180_000);

  afterAll(async () => {
    await certManager?.stop();
    await h?.stop();
  });

  it('made, read and patched the Certificate', () => {
    for (const key of ['POST certificates', 'GET certificates', 'PATCH certificates']) expect(made[key]).toBeGreaterThan(0);
  });

  it("is allowed by the ClusterRole the chart renders for this config, which has no cert-manager rule without it", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hcpo-rbac-cm-'));
    try {
      writeFileSync(join(dir, 'values.yaml'), stringify({ operatorConfig }));
      const objects = await helmTemplate('helm/hybrid-cloud-postgresql-operator', 'hcpo', 'ops', [join(dir, 'values.yaml')]);
      const rules = objects.filter((o) => o.kind === 'ClusterRole').flatMap((o) => (o.rules as Rule[] | undefined) ?? []);
      expect(deniedBy(rules, made)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const plain = (await helmTemplate('helm/hybrid-cloud-postgresql-operator', 'hcpo', 'ops')).filter((o) => o.kind === 'ClusterRole').flatMap((o) => (o.rules as Rule[] | undefined) ?? []);
    expect(allows(plain, 'cert-manager.io', 'certificates', 'create')).toBe(false);
  });
});
