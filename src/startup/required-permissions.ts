import { GROUP } from '../api/constants.js';
import type { OperatorConfig } from '../config/types.js';
import { operatorNamespace } from '../backends/common/tls/namespace.js';

/** An RBAC PolicyRule, as the chart's (Cluster)Role writes it. */
export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

/** One verb on one resource (`plural` or `plural/subresource`), in a namespace or ('') in all. */
export interface Permission {
  verb: string;
  group: string;
  resource: string;
  namespace: string;
}

const ALL = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];

/**
 * What the operator needs where the CRs live: the chart's ClusterRole (all namespaces) or its Role in
 * each watched namespace (`operator.rules` in helm/hybrid-cloud-postgresql-operator/templates/_helpers.tpl).
 * test/unit/required-permissions.test.ts renders the chart and checks that both say the same.
 */
export const WORKLOAD_RULES: readonly PolicyRule[] = [
  { apiGroups: [GROUP], resources: ['postgresqlservers', 'postgresqldatabases', 'postgresqltables'], verbs: ['get', 'list', 'watch', 'update', 'patch'] },
  { apiGroups: [GROUP], resources: ['postgresqlservers/status', 'postgresqldatabases/status', 'postgresqltables/status'], verbs: ['update', 'patch'] },
  { apiGroups: [GROUP], resources: ['postgresqlservers/finalizers', 'postgresqldatabases/finalizers', 'postgresqltables/finalizers'], verbs: ['update'] },
  { apiGroups: [''], resources: ['secrets'], verbs: ALL },
  { apiGroups: [''], resources: ['services'], verbs: ALL },
  { apiGroups: ['apps'], resources: ['statefulsets'], verbs: ALL },
  { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'create', 'patch'] },
  { apiGroups: [''], resources: ['persistentvolumeclaims'], verbs: ['get', 'list', 'create', 'patch', 'delete'] },
  { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
  // Backups (ADR 0020): the statefulset backend's CronJob; backup Jobs listed, restore Jobs created.
  { apiGroups: ['batch'], resources: ['cronjobs'], verbs: ['get', 'create', 'patch', 'delete'] },
  { apiGroups: ['batch'], resources: ['jobs'], verbs: ['get', 'list', 'create'] },
  { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
  { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
];

/** What the Bitnami chart of the helmbitnami backend renders besides Secrets, Services and StatefulSets. */
export const HELM_BACKEND_RULES: readonly PolicyRule[] = [
  { apiGroups: [''], resources: ['serviceaccounts', 'configmaps'], verbs: ALL },
  { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ALL },
  { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: ALL },
  { apiGroups: ['batch'], resources: ['cronjobs'], verbs: ALL },
];

/** The leader election Lease, in its namespace only (the chart's `-leader-election` Role). */
export const LEADER_ELECTION_RULES: readonly PolicyRule[] = [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] }];

/**
 * The operator's TLS CA Secret, in its own namespace (the chart's `-ca` Role): read, made once,
 * moved on by a CA rotation (ADR 0024), whose stages are Events on it.
 */
export const TLS_CA_RULES: readonly PolicyRule[] = [
  { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'create', 'update'] },
  { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
];

/**
 * cert-manager Certificates of the in-cluster servers (`tls.issuer`, ADR 0022), where the servers
 * live: read, made, their spec set; delete when a server moves back to the operator's CA.
 */
export const CERT_MANAGER_RULES: readonly PolicyRule[] = [{ apiGroups: ['cert-manager.io'], resources: ['certificates'], verbs: ['get', 'create', 'patch', 'delete'] }];

/** Whether the config names a cert-manager issuer for the server certificates. */
export const usesCertManager = (config: Partial<Pick<OperatorConfig, 'tls'>>): boolean => Boolean(config.tls?.enabled && config.tls.issuer?.name);

/** Whether the config can make the operator install the Bitnami chart (the chart's `rbac.helmBackend: auto`). */
export const usesHelmBackend = (config: Pick<OperatorConfig, 'backend' | 'allowed_backends'>): boolean =>
  [config.backend, ...config.allowed_backends].includes('helmbitnami');

function expand(rules: readonly PolicyRule[], namespace: string): Permission[] {
  return rules.flatMap((r) => r.apiGroups.flatMap((group) => r.resources.flatMap((resource) => r.verbs.map((verb) => ({ verb, group, resource, namespace })))));
}

/**
 * Every permission this config needs, one per verb and resource: in each watched namespace (or in
 * all at once), plus the Lease's when leader election is on.
 */
export function requiredPermissions(
  config: Pick<OperatorConfig, 'backend' | 'allowed_backends' | 'watch_namespaces' | 'leader_election'> & Partial<Pick<OperatorConfig, 'tls'>>,
  leaseNamespace: string,
): Permission[] {
  const rules = [...WORKLOAD_RULES, ...(usesHelmBackend(config) ? HELM_BACKEND_RULES : []), ...(usesCertManager(config) ? CERT_MANAGER_RULES : [])];
  const namespaces = config.watch_namespaces.length ? config.watch_namespaces : [''];
  const needed = namespaces.flatMap((ns) => expand(rules, ns));
  if (config.leader_election.enabled) needed.push(...expand(LEADER_ELECTION_RULES, leaseNamespace));
  if (config.tls?.enabled) needed.push(...expand(TLS_CA_RULES, operatorNamespace(config.tls)));
  return needed;
}

/** "list secrets", "patch postgresqlservers.hybridcloud.maibornwolff.de/status" — as kubectl auth can-i spells them. */
export function describePermission(p: Permission): string {
  const [plural, sub] = p.resource.split('/');
  const name = p.group ? `${plural}.${p.group}` : plural;
  return `${p.verb} ${name}${sub ? `/${sub}` : ''}`;
}
