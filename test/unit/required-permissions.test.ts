import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { CERT_MANAGER_RULES, HELM_BACKEND_RULES, LEADER_ELECTION_RULES, TLS_CA_RULES, requiredPermissions, WORKLOAD_RULES, type PolicyRule } from '../../src/startup/required-permissions.js';
import { helmTemplate, type RenderedObject } from '../support/helm-binary.js';

const CHART = 'helm/hybrid-cloud-postgresql-operator';

/** "group resource verb" for every verb of every resource of every rule: the rules' meaning, as a sorted list. */
function grants(rules: readonly PolicyRule[]): string[] {
  const out = new Set<string>();
  for (const r of rules) for (const g of r.apiGroups) for (const res of r.resources) for (const v of r.verbs) out.add(`${g} ${res} ${v}`);
  return [...out].sort();
}

async function render(values: Record<string, unknown>): Promise<RenderedObject[]> {
  const dir = mkdtempSync(join(tmpdir(), 'hcpo-rbac-'));
  try {
    writeFileSync(join(dir, 'values.yaml'), stringify(values));
    return await helmTemplate(CHART, 'hcpo', 'ops', [join(dir, 'values.yaml')]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const rulesOf = (objs: RenderedObject[], kind: string, name: string, namespace?: string): PolicyRule[] =>
  objs.filter((o) => o.kind === kind && o.metadata?.name === name && (namespace === undefined || o.metadata?.namespace === namespace)).flatMap((o) => (o.rules as PolicyRule[] | undefined) ?? []);

/**
 * The operator checks at start that it holds the permissions of src/startup/required-permissions.ts;
 * the chart grants its (Cluster)Roles' rules. They must say the same, or the operator would refuse
 * to start under the chart's own RBAC (or the chart would grant more than the operator checks).
 */
describe("the permissions the operator checks at start and the chart's RBAC", () => {
  it('agree for the default values: the ClusterRole and the leader election Role', async () => {
    const objs = await render({});
    expect(grants(rulesOf(objs, 'ClusterRole', 'hcpo-hybrid-cloud-postgresql-operator'))).toEqual(grants(WORKLOAD_RULES));
    expect(grants(rulesOf(objs, 'Role', 'hcpo-hybrid-cloud-postgresql-operator-leader-election', 'ops'))).toEqual(grants(LEADER_ELECTION_RULES));
    expect(grants(rulesOf(objs, 'Role', 'hcpo-hybrid-cloud-postgresql-operator-ca', 'ops'))).toEqual(grants(TLS_CA_RULES));
  });

  it('agree when the helmbitnami backend is in use', async () => {
    const objs = await render({ operatorConfig: { backend: 'statefulset', allowed_backends: ['helmbitnami'] } });
    expect(grants(rulesOf(objs, 'ClusterRole', 'hcpo-hybrid-cloud-postgresql-operator'))).toEqual(grants([...WORKLOAD_RULES, ...HELM_BACKEND_RULES]));
  });

  it('agree when a cert-manager issuer signs the server certificates (tls.issuer.name), and not when TLS is off', async () => {
    const objs = await render({ operatorConfig: { tls: { issuer: { name: 'team-ca' } } } });
    expect(grants(rulesOf(objs, 'ClusterRole', 'hcpo-hybrid-cloud-postgresql-operator'))).toEqual(grants([...WORKLOAD_RULES, ...CERT_MANAGER_RULES]));
    const off = await render({ operatorConfig: { tls: { enabled: false, issuer: { name: 'team-ca' } } } });
    expect(grants(rulesOf(off, 'ClusterRole', 'hcpo-hybrid-cloud-postgresql-operator'))).toEqual(grants(WORKLOAD_RULES));
  });

  it('agree per watched namespace', async () => {
    const objs = await render({ watchNamespaces: ['team-a', 'team-b'] });
    // Only the namespace reads are cluster-wide: optional, so not checked at start (without them
    // only grants by namespace label wait; see ADR 0015).
    expect(objs.filter((o) => o.kind === 'ClusterRole').map((o) => o.metadata?.name)).toEqual(['hcpo-hybrid-cloud-postgresql-operator-namespaces']);
    for (const ns of ['team-a', 'team-b']) expect(grants(rulesOf(objs, 'Role', 'hcpo-hybrid-cloud-postgresql-operator', ns))).toEqual(grants(WORKLOAD_RULES));
  });
});

describe('requiredPermissions', () => {
  const config = { backend: 'statefulset', allowed_backends: [] as string[], watch_namespaces: [] as string[], leader_election: { enabled: true } as never };

  it('asks for every verb of every rule across all namespaces, and the Lease in its namespace', () => {
    const needed = requiredPermissions(config, 'ops');
    expect(needed).toContainEqual({ verb: 'list', group: '', resource: 'secrets', namespace: '' });
    expect(needed).toContainEqual({ verb: 'patch', group: 'hybridcloud.maibornwolff.de', resource: 'postgresqlservers/status', namespace: '' });
    expect(needed).toContainEqual({ verb: 'update', group: 'coordination.k8s.io', resource: 'leases', namespace: 'ops' });
    expect(needed.filter((p) => p.group === 'policy')).toEqual([]);
    expect(needed).toHaveLength(grants(WORKLOAD_RULES).length + grants(LEADER_ELECTION_RULES).length);
  });

  it('asks for the TLS CA Secret in the operator namespace when TLS is on', () => {
    const tls = { enabled: true, require_tls: true, apply_to_existing: false, ca_secret: 'ca', namespace: 'ops', certificate_days: 365, renew_before_days: 30, ca_renew_before_days: 365, ca_rotation_grace_hours: 168, ca_rotation_check_seconds: 60, issuer: { name: '', kind: 'ClusterIssuer' as const, group: 'cert-manager.io', ready_timeout_seconds: 300 } };
    const needed = requiredPermissions({ ...config, tls }, 'ops');
    expect(needed).toContainEqual({ verb: 'create', group: '', resource: 'secrets', namespace: 'ops' });
    // A CA rotation replaces the Secret and reports its stages as Events on it.
    expect(needed).toContainEqual({ verb: 'update', group: '', resource: 'secrets', namespace: 'ops' });
    expect(needed).toContainEqual({ verb: 'create', group: '', resource: 'events', namespace: 'ops' });
    expect(requiredPermissions({ ...config, tls: { ...tls, enabled: false } }, 'ops')).toHaveLength(needed.length - 5);
  });

  it('asks for the Certificates where the servers live when a cert-manager issuer is configured', () => {
    const tls = { enabled: true, require_tls: true, apply_to_existing: false, ca_secret: 'ca', namespace: 'ops', certificate_days: 365, renew_before_days: 30, ca_renew_before_days: 365, ca_rotation_grace_hours: 168, ca_rotation_check_seconds: 60, issuer: { name: 'team-ca', kind: 'ClusterIssuer' as const, group: 'cert-manager.io', ready_timeout_seconds: 300 } };
    const needed = requiredPermissions({ ...config, tls }, 'ops');
    expect(needed).toContainEqual({ verb: 'create', group: 'cert-manager.io', resource: 'certificates', namespace: '' });
    expect(requiredPermissions({ ...config, tls: { ...tls, issuer: { ...tls.issuer, name: '' } } }, 'ops').filter((p) => p.group === 'cert-manager.io')).toEqual([]);
  });

  it('asks in each watched namespace; no Lease without leader election; the Helm rules with helmbitnami', () => {
    const needed = requiredPermissions({ ...config, backend: 'helmbitnami', watch_namespaces: ['a', 'b'], leader_election: { enabled: false } as never }, 'ops');
    expect(new Set(needed.map((p) => p.namespace))).toEqual(new Set(['a', 'b']));
    expect(needed).toContainEqual({ verb: 'create', group: 'policy', resource: 'poddisruptionbudgets', namespace: 'b' });
    expect(needed.some((p) => p.resource === 'leases')).toBe(false);
  });
});
