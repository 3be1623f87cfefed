/**
 * The Helm charts, rendered by the real helm v3 binary (`HELM_BIN`, else `.tools/helm` from
 * `scripts/fetch-helm.sh`): lint, template with the default values and every example values file,
 * and assertions on what comes out (RBAC exactly as intended, pod security, probes, config, schema).
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { loadConfig } from '../../src/config/index.js';
import { productionNodeArgs, productionRuntimeEnv } from '../support/production-runtime.js';

const ROOT = resolve(import.meta.dirname, '../..');
const OPERATOR_CHART = join(ROOT, 'helm/hybrid-cloud-postgresql-operator');
const CRD_CHART = join(ROOT, 'helm/hybrid-cloud-postgresql-operator-crds');
const EXAMPLE_NAMES = ['statefulset', 'helm', 'azure', 'aws', 'external'];
const exampleFile = (name: string): string => join(ROOT, `examples/values-${name}.yaml`);
const EXAMPLES = EXAMPLE_NAMES.map(exampleFile);
const RELEASE = 'hybrid-cloud-postgresql-operator';
const NAMESPACE = 'ops';
const CONFIG_DIR = '/etc/hybrid-cloud-postgresql-operator';

type Obj = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
};
type Rule = { apiGroups?: string[]; resources?: string[]; verbs: string[]; resourceNames?: string[] };
type Container = {
  name: string;
  image: string;
  command: string[];
  args: string[];
  env: Array<{ name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }>;
  envFrom?: Array<{ secretRef: { name: string } }>;
  ports: Array<{ name: string; containerPort: number }>;
  securityContext: Record<string, unknown>;
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  volumeMounts: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
};
type PodSpec = {
  serviceAccountName: string;
  securityContext: Record<string, unknown>;
  containers: Container[];
  volumes: Array<{ name: string; configMap?: { name: string }; emptyDir?: object }>;
  nodeSelector?: Record<string, string>;
  tolerations?: unknown[];
  affinity?: unknown;
};
type Deployment = Obj & {
  spec: { replicas: number; template: { metadata: { labels: Record<string, string>; annotations: Record<string, string> }; spec: PodSpec } };
};

const CORE_RULES: Rule[] = [
  { apiGroups: ['hybridcloud.maibornwolff.de'], resources: ['postgresqlservers', 'postgresqldatabases', 'postgresqltables'], verbs: ['get', 'list', 'watch', 'update', 'patch'] },
  { apiGroups: ['hybridcloud.maibornwolff.de'], resources: ['postgresqlservers/status', 'postgresqldatabases/status', 'postgresqltables/status'], verbs: ['update', 'patch'] },
  { apiGroups: ['hybridcloud.maibornwolff.de'], resources: ['postgresqlservers/finalizers', 'postgresqldatabases/finalizers', 'postgresqltables/finalizers'], verbs: ['update'] },
  { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
  { apiGroups: [''], resources: ['services'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
  { apiGroups: ['apps'], resources: ['statefulsets'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
  { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'create', 'patch'] },
  { apiGroups: [''], resources: ['persistentvolumeclaims'], verbs: ['get', 'list', 'create', 'patch', 'delete'] },
  { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['batch'], resources: ['cronjobs'], verbs: ['get', 'create', 'patch', 'delete'] },
  { apiGroups: ['batch'], resources: ['jobs'], verbs: ['get', 'list', 'create'] },
  { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
  { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
];
const ALL_VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
const HELM_BACKEND_RULES: Rule[] = [
  { apiGroups: [''], resources: ['serviceaccounts', 'configmaps'], verbs: ALL_VERBS },
  { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ALL_VERBS },
  { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: ALL_VERBS },
  { apiGroups: ['batch'], resources: ['cronjobs'], verbs: ALL_VERBS },
];
const NAMESPACE_RULES: Rule[] = [{ apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch'] }];
const LEASE_RULES: Rule[] = [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] }];

function helmBinary(): string {
  const bin = process.env.HELM_BIN ?? join(ROOT, '.tools/helm');
  if (!existsSync(bin)) throw new Error(`helm binary not found at ${bin}: run scripts/fetch-helm.sh or set HELM_BIN`);
  return bin;
}

let helmHome: string;
let scratch: string;

interface HelmRun {
  code: number;
  stdout: string;
  stderr: string;
}

function helm(args: string[]): Promise<HelmRun> {
  const env = {
    ...process.env,
    HELM_CACHE_HOME: join(helmHome, 'cache'),
    HELM_CONFIG_HOME: join(helmHome, 'config'),
    HELM_DATA_HOME: join(helmHome, 'data'),
    KUBECONFIG: join(helmHome, 'no-kubeconfig'),
  };
  return new Promise((done) => {
    execFile(helmBinary(), args, { env, maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

/** Values given as an object go through a file (keeps types exact, unlike --set). */
async function valuesArgs(values: Array<string | Record<string, unknown>>): Promise<string[]> {
  const args: string[] = [];
  for (const [i, v] of values.entries()) {
    let file = v as string;
    if (typeof v !== 'string') {
      file = join(scratch, `values-${Date.now()}-${Math.random().toString(36).slice(2)}-${i}.json`);
      await writeFile(file, JSON.stringify(v));
    }
    args.push('-f', file);
  }
  return args;
}

async function templateRun(chart: string, ...values: Array<string | Record<string, unknown>>): Promise<HelmRun> {
  return helm(['template', RELEASE, chart, '--namespace', NAMESPACE, ...(await valuesArgs(values))]);
}

async function render(chart: string, ...values: Array<string | Record<string, unknown>>): Promise<Obj[]> {
  const run = await templateRun(chart, ...values);
  if (run.code !== 0) throw new Error(`helm template failed: ${run.stderr}`);
  return parseAllDocuments(run.stdout)
    .map((d) => d.toJS() as Obj | null)
    .filter((o): o is Obj => o !== null);
}

function one<T extends Obj = Obj>(objs: Obj[], kind: string, name?: string, namespace?: string): T {
  const found = objs.filter((o) => o.kind === kind && (!name || o.metadata.name === name) && (!namespace || o.metadata.namespace === namespace));
  if (found.length !== 1) throw new Error(`expected one ${kind} ${name ?? ''}, found ${found.length}`);
  return found[0] as T;
}

const kinds = (objs: Obj[]): string[] => objs.map((o) => o.kind).sort();
const container = (objs: Obj[]): Container => one<Deployment>(objs, 'Deployment').spec.template.spec.containers[0]!;
const envOf = (c: Container, name: string) => c.env.find((e) => e.name === name);

beforeAll(async () => {
  helmHome = await mkdtemp(join(tmpdir(), 'helm-home-'));
  scratch = await mkdtemp(join(tmpdir(), 'helm-values-'));
  const version = await helm(['version', '--short']);
  if (version.code !== 0 || !version.stdout.startsWith('v3.')) {
    throw new Error(`the charts are tested with helm v3; ${helmBinary()} says: ${version.stdout}${version.stderr}`);
  }
});

afterAll(async () => {
  await rm(helmHome, { recursive: true, force: true });
  await rm(scratch, { recursive: true, force: true });
});

describe('helm lint', () => {
  it('passes for both charts with their default values', async () => {
    for (const chart of [CRD_CHART, OPERATOR_CHART]) {
      const run = await helm(['lint', '--strict', chart]);
      expect({ chart, code: run.code, out: run.stdout }).toMatchObject({ code: 0 });
    }
  });

  it.each(EXAMPLE_NAMES)('passes for the operator chart with examples/values-%s.yaml', async (name) => {
    const run = await helm(['lint', '--strict', OPERATOR_CHART, '-f', exampleFile(name)]);
    expect({ code: run.code, out: run.stdout }).toMatchObject({ code: 0 });
  });
});

describe('CRD chart', () => {
  it('renders exactly the CRDs of crds/, marked to be kept on uninstall', async () => {
    const sources: Obj[] = [];
    for (const file of (await readdir(join(ROOT, 'crds'))).filter((f) => f.endsWith('.yaml')).sort()) {
      for (const doc of parseAllDocuments(await readFile(join(ROOT, 'crds', file), 'utf8'))) {
        const obj = doc.toJS() as Obj | null;
        if (obj) sources.push(obj);
      }
    }
    expect(sources.length).toBeGreaterThanOrEqual(2);
    const rendered = await render(CRD_CHART);
    expect(rendered.map((o) => o.metadata.name).sort()).toEqual(sources.map((o) => o.metadata.name).sort());
    for (const crd of rendered) {
      expect(crd.kind).toBe('CustomResourceDefinition');
      expect(crd.metadata.annotations?.['helm.sh/resource-policy']).toBe('keep');
      const source = sources.find((s) => s.metadata.name === crd.metadata.name)!;
      // Everything but the chart's labels and annotations is the source, unchanged.
      const strip = ({ metadata: { labels: _l, annotations: _a, ...meta }, ...rest }: Obj) => ({ ...rest, metadata: meta });
      expect(strip(crd)).toEqual(strip(source));
      expect(crd.metadata.labels).toMatchObject(source.metadata.labels ?? {});
    }
  });

  it('keeps the keep policy even when extra annotations are given', async () => {
    const rendered = await render(CRD_CHART, { annotations: { team: 'platform', 'helm.sh/resource-policy': 'delete' } });
    for (const crd of rendered) {
      expect(crd.metadata.annotations).toMatchObject({ team: 'platform', 'helm.sh/resource-policy': 'keep' });
    }
  });

  it('names the postgresql CRDs the operator watches', async () => {
    const names = (await render(CRD_CHART)).map((o) => o.metadata.name);
    expect(names).toEqual(expect.arrayContaining(['postgresqlservers.hybridcloud.maibornwolff.de', 'postgresqldatabases.hybridcloud.maibornwolff.de', 'postgresqltables.hybridcloud.maibornwolff.de']));
  });
});

describe('operator chart with default values', () => {
  let objs: Obj[];
  beforeAll(async () => {
    objs = await render(OPERATOR_CHART);
  });

  it('renders the operator and nothing optional', () => {
    expect(kinds(objs)).toEqual(['ClusterRole', 'ClusterRole', 'ClusterRoleBinding', 'ClusterRoleBinding', 'ConfigMap', 'Deployment', 'Role', 'Role', 'RoleBinding', 'RoleBinding', 'Service', 'ServiceAccount']);
    for (const o of objs) {
      if (!o.kind.startsWith('Cluster')) expect(o.metadata.namespace).toBe(NAMESPACE);
    }
  });

  it('grants exactly the permissions the operator uses, cluster-wide, and no wildcard', () => {
    const role = one<Obj & { rules: Rule[] }>(objs, 'ClusterRole', RELEASE);
    expect(role.rules).toEqual(CORE_RULES);
    const binding = one<Obj & { roleRef: unknown; subjects: unknown[] }>(objs, 'ClusterRoleBinding', RELEASE);
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.metadata.name });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: RELEASE, namespace: NAMESPACE }]);
    expect(JSON.stringify(objs.filter((o) => o.kind.endsWith('Role')))).not.toContain('"*"');
    expect(JSON.stringify(objs)).not.toContain('cluster-admin');
  });

  it('reads namespaces (names and labels, for spec.sharing.namespaceSelector) and nothing else cluster-wide besides', () => {
    expect(one<Obj & { rules: Rule[] }>(objs, 'ClusterRole', `${RELEASE}-namespaces`).rules).toEqual(NAMESPACE_RULES);
    const binding = one<Obj & { roleRef: { name: string }; subjects: unknown[] }>(objs, 'ClusterRoleBinding', `${RELEASE}-namespaces`);
    expect(binding.roleRef.name).toBe(`${RELEASE}-namespaces`);
  });

  it('grants the leader election Lease in its own namespace only', () => {
    const role = one<Obj & { rules: Rule[] }>(objs, 'Role', `${RELEASE}-leader-election`);
    expect(role.metadata.namespace).toBe(NAMESPACE);
    expect(role.rules).toEqual(LEASE_RULES);
    const binding = one<Obj & { roleRef: { name: string }; subjects: unknown[] }>(objs, 'RoleBinding', `${RELEASE}-leader-election`);
    expect(binding.roleRef.name).toBe(role.metadata.name);
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: RELEASE, namespace: NAMESPACE }]);
    const leaseName = envOf(container(objs), 'HYBRIDCLOUD_LEADER_ELECTION_LEASE_NAME');
    expect(leaseName?.value).toBe(RELEASE);
  });

  it('grants reading, making and rotating the TLS CA Secret (with events on it) in its own namespace only', () => {
    const role = one<Obj & { rules: Rule[] }>(objs, 'Role', `${RELEASE}-ca`);
    expect(role.metadata.namespace).toBe(NAMESPACE);
    expect(role.rules).toEqual([
      { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'create', 'update'] },
      { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
    ]);
    expect(one<Obj & { roleRef: { name: string } }>(objs, 'RoleBinding', `${RELEASE}-ca`).roleRef.name).toBe(role.metadata.name);
  });

  it('runs non-root with a read-only root filesystem, no capabilities and the RuntimeDefault seccomp profile', () => {
    const pod = one<Deployment>(objs, 'Deployment').spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.securityContext.runAsUser).toEqual(expect.any(Number));
    expect(pod.securityContext.runAsUser).not.toBe(0);
    const c = pod.containers[0]!;
    expect(c.securityContext).toEqual({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    // The one writable path (helm's cache, temp files) is an emptyDir.
    expect(c.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
    expect(pod.volumes).toContainEqual(expect.objectContaining({ name: 'tmp', emptyDir: expect.any(Object) }));
  });

  it('probes the real endpoints on the HTTP port the operator is told to use', () => {
    const c = container(objs);
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(c.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    expect(envOf(c, 'HYBRIDCLOUD_HTTP_PORT')?.value).toBe('8080');
    const svc = one<Obj & { spec: { ports: unknown[] } }>(objs, 'Service');
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' }]);
  });

  it('runs the image entrypoint, with the Dockerfile\'s node options, on the mounted config file', () => {
    const c = container(objs);
    expect(productionNodeArgs(ROOT)).toContain('--expose-gc');
    expect([...c.command, ...c.args]).toEqual(['node', ...productionNodeArgs(ROOT), 'dist/src/main.js', 'run', '--config', `${CONFIG_DIR}/config.yaml`]);
    expect(c.image).toBe('ghcr.io/maibornwolff/hybrid-cloud-postgresql-operator:0.1.0');
    const configMap = one<Obj & { data: Record<string, string> }>(objs, 'ConfigMap');
    expect(c.volumeMounts).toContainEqual({ name: 'config', mountPath: CONFIG_DIR, readOnly: true });
    const pod = one<Deployment>(objs, 'Deployment').spec.template.spec;
    expect(pod.volumes).toContainEqual({ name: 'config', configMap: { name: configMap.metadata.name } });
    expect(parse(configMap.data['config.yaml']!)).toMatchObject({ backend: 'statefulset' });
  });

  it('passes the pod name and namespace by the downward API, and no watch list (all namespaces)', () => {
    const c = container(objs);
    expect(envOf(c, 'POD_NAMESPACE')?.valueFrom).toEqual({ fieldRef: { fieldPath: 'metadata.namespace' } });
    expect(envOf(c, 'POD_NAME')?.valueFrom).toEqual({ fieldRef: { fieldPath: 'metadata.name' } });
    expect(envOf(c, 'HYBRIDCLOUD_WATCH_NAMESPACES')).toBeUndefined();
    expect(envOf(c, 'HYBRIDCLOUD_LOG_LEVEL')).toBeUndefined();
    expect(c.envFrom).toBeUndefined();
  });

  it('tells the operator its own image, which S3 backup jobs run (ADR 0023)', () => {
    const c = container(objs);
    expect(envOf(c, 'OPERATOR_IMAGE')?.value).toBe(c.image);
  });

  it('selects its pods by the labels of the Quickstart', () => {
    const d = one<Deployment>(objs, 'Deployment');
    expect(d.spec.template.metadata.labels['app.kubernetes.io/name']).toBe('hybrid-cloud-postgresql-operator');
    expect(d.metadata.name).toBe(RELEASE);
  });
});

describe('operator chart values', () => {
  it('puts operatorConfig into the ConfigMap verbatim and rolls the pods when it changes', async () => {
    const config = 'backend: awsrds\n# a comment survives\nbackends:\n  aws:\n    region: eu-central-1\n';
    const a = await render(OPERATOR_CHART, { operatorConfig: config });
    const b = await render(OPERATOR_CHART, { operatorConfig: config.replace('eu-central-1', 'eu-west-1') });
    const same = await render(OPERATOR_CHART, { operatorConfig: config, podLabels: { team: 'platform' } });
    expect(one<Obj & { data: Record<string, string> }>(a, 'ConfigMap').data['config.yaml']).toBe(config);
    const checksum = (objs: Obj[]) => one<Deployment>(objs, 'Deployment').spec.template.metadata.annotations['checksum/config'];
    expect(checksum(a)).toMatch(/^[a-f0-9]{64}$/);
    expect(checksum(b)).not.toBe(checksum(a));
    expect(checksum(same)).toBe(checksum(a));
  });

  it('accepts operatorConfig as a map too', async () => {
    const objs = await render(OPERATOR_CHART, { operatorConfig: { backend: 'statefulset', security: { password_length: 32 } } });
    const text = one<Obj & { data: Record<string, string> }>(objs, 'ConfigMap').data['config.yaml']!;
    expect(parse(text)).toEqual({ backend: 'statefulset', security: { password_length: 32 } });
  });

  it('watches a list of namespaces with a Role and RoleBinding in each and nothing cluster-wide', async () => {
    const objs = await render(OPERATOR_CHART, { watchNamespaces: ['team-a', 'team-b'] });
    // Only the namespace reads stay cluster-wide (namespaces are cluster-scoped objects).
    expect(objs.filter((o) => o.kind === 'ClusterRole').map((o) => (o as Obj & { rules: Rule[] }).rules)).toEqual([NAMESPACE_RULES]);
    // The external backend's config-declared admin Secrets, in the operator's namespace: read only.
    expect(one<Obj & { rules: Rule[] }>(objs, 'Role', `${RELEASE}-admin-secrets`, NAMESPACE).rules).toEqual([{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }]);
    for (const ns of ['team-a', 'team-b']) {
      const role = one<Obj & { rules: Rule[] }>(objs, 'Role', RELEASE, ns);
      expect(role.rules).toEqual(CORE_RULES);
      const binding = one<Obj & { roleRef: unknown; subjects: unknown[] }>(objs, 'RoleBinding', RELEASE, ns);
      expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: RELEASE });
      expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: RELEASE, namespace: NAMESPACE }]);
    }
    expect(one<Obj & { rules: Rule[] }>(objs, 'Role', `${RELEASE}-leader-election`, NAMESPACE).rules).toEqual(LEASE_RULES);
    expect(JSON.parse(envOf(container(objs), 'HYBRIDCLOUD_WATCH_NAMESPACES')!.value!)).toEqual(['team-a', 'team-b']);
  });

  it('adds the Bitnami chart permissions when the config uses the helmbitnami backend, or when asked', async () => {
    const rulesOf = (objs: Obj[]) => one<Obj & { rules: Rule[] }>(objs, 'ClusterRole', RELEASE).rules;
    expect(rulesOf(await render(OPERATOR_CHART, { operatorConfig: 'backend: helmbitnami\n' }))).toEqual([...CORE_RULES, ...HELM_BACKEND_RULES]);
    expect(rulesOf(await render(OPERATOR_CHART, { operatorConfig: 'backend: statefulset\nallowed_backends: [statefulset, helmbitnami]\n' }))).toEqual([
      ...CORE_RULES,
      ...HELM_BACKEND_RULES,
    ]);
    expect(rulesOf(await render(OPERATOR_CHART, { operatorConfig: 'backend: helmbitnami\n', rbac: { create: true, helmBackend: false } }))).toEqual(CORE_RULES);
    expect(rulesOf(await render(OPERATOR_CHART, { rbac: { create: true, helmBackend: true } }))).toEqual([...CORE_RULES, ...HELM_BACKEND_RULES]);
  });

  it('appends rbac.extraRules and creates no RBAC when rbac.create is false', async () => {
    const extra = { apiGroups: ['monitoring.coreos.com'], resources: ['servicemonitors'], verbs: ['get', 'create', 'patch', 'delete'] };
    const withExtra = await render(OPERATOR_CHART, { rbac: { create: true, extraRules: [extra] } });
    expect(one<Obj & { rules: Rule[] }>(withExtra, 'ClusterRole', RELEASE).rules).toEqual([...CORE_RULES, extra]);
    const none = await render(OPERATOR_CHART, { rbac: { create: false } });
    expect(none.filter((o) => o.apiVersion.startsWith('rbac.authorization.k8s.io'))).toEqual([]);
  });

  it('uses an existing ServiceAccount when told to, and requires its name', async () => {
    const objs = await render(OPERATOR_CHART, { serviceAccount: { create: false, name: 'platform-sa' } });
    expect(objs.filter((o) => o.kind === 'ServiceAccount')).toEqual([]);
    expect(one<Deployment>(objs, 'Deployment').spec.template.spec.serviceAccountName).toBe('platform-sa');
    expect(one<Obj & { subjects: Array<{ name: string }> }>(objs, 'ClusterRoleBinding', RELEASE).subjects[0]!.name).toBe('platform-sa');
    const missing = await templateRun(OPERATOR_CHART, { serviceAccount: { create: false } });
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('serviceAccount.name is required');
  });

  it('passes credentials, extra env, log level, scheduling and pod metadata through', async () => {
    const objs = await render(OPERATOR_CHART, {
      envSecret: 'cloud-credentials',
      extraEnv: [{ name: 'HYBRIDCLOUD_SECURITY_PASSWORD_LENGTH', value: '32' }],
      logLevel: 'debug',
      replicas: 3,
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'ops', effect: 'NoSchedule' }],
      affinity: { nodeAffinity: {} },
      podLabels: { team: 'platform' },
      podAnnotations: { 'example.com/note': 'hi' },
      image: { repository: 'registry.example.com/pg-operator', digest: `sha256:${'a'.repeat(64)}` },
      resources: { requests: { cpu: '100m', memory: '200Mi' }, limits: { memory: '400Mi' } },
    });
    const d = one<Deployment>(objs, 'Deployment');
    const c = d.spec.template.spec.containers[0]!;
    expect(c.envFrom).toEqual([{ secretRef: { name: 'cloud-credentials' } }]);
    expect(envOf(c, 'HYBRIDCLOUD_SECURITY_PASSWORD_LENGTH')?.value).toBe('32');
    expect(envOf(c, 'HYBRIDCLOUD_LOG_LEVEL')?.value).toBe('debug');
    expect(c.image).toBe(`registry.example.com/pg-operator@sha256:${'a'.repeat(64)}`);
    expect(c).toMatchObject({ resources: { requests: { cpu: '100m', memory: '200Mi' }, limits: { memory: '400Mi' } } });
    expect(d.spec.replicas).toBe(3);
    expect(d.spec.template.spec.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux' });
    expect(d.spec.template.spec.tolerations).toHaveLength(1);
    expect(d.spec.template.spec.affinity).toEqual({ nodeAffinity: {} });
    expect(d.spec.template.metadata.labels).toMatchObject({ team: 'platform', 'app.kubernetes.io/name': 'hybrid-cloud-postgresql-operator' });
    expect(d.spec.template.metadata.annotations).toMatchObject({ 'example.com/note': 'hi' });
  });

  it('renders a ServiceMonitor and a NetworkPolicy when enabled', async () => {
    const objs = await render(OPERATOR_CHART, {
      serviceMonitor: { enabled: true, interval: '15s', labels: { release: 'prometheus' } },
      networkPolicy: { enabled: true, metricsFrom: [{ namespaceSelector: { matchLabels: { name: 'monitoring' } } }] },
    });
    const sm = one<Obj & { spec: { selector: unknown; endpoints: unknown[] } }>(objs, 'ServiceMonitor');
    expect(sm.metadata.labels).toMatchObject({ release: 'prometheus' });
    expect(sm.spec.endpoints).toEqual([{ port: 'http', path: '/metrics', interval: '15s', scrapeTimeout: '10s' }]);
    const svc = one<Obj & { metadata: { labels: Record<string, string> } }>(objs, 'Service');
    expect(svc.metadata.labels).toMatchObject((sm.spec.selector as { matchLabels: Record<string, string> }).matchLabels);
    const np = one<Obj & { spec: Record<string, unknown> }>(objs, 'NetworkPolicy');
    expect(np.spec).toMatchObject({
      policyTypes: ['Ingress'],
      ingress: [{ ports: [{ port: 'http', protocol: 'TCP' }], from: [{ namespaceSelector: { matchLabels: { name: 'monitoring' } } }] }],
    });
  });
});

describe('values.schema.json', () => {
  const bad: Array<[string, Record<string, unknown>, RegExp]> = [
    ['a misspelt or removed key', { replicasCount: 2 }, /replicasCount/],
    ['a wrong type', { replicas: 'two' }, /replicas/],
    ['a nested typo', { serviceAccount: { create: true, anotations: {} } }, /anotations/],
    ['an unknown log level', { logLevel: 'verbose' }, /logLevel/],
    ['an invalid namespace name', { watchNamespaces: ['Team_A'] }, /watchNamespaces/],
    ['a wildcard in extra RBAC rules', { rbac: { create: true, extraRules: [{ apiGroups: [''], resources: ['*'], verbs: ['get'] }] } }, /extraRules/],
    ['a wildcard verb', { rbac: { create: true, extraRules: [{ apiGroups: [''], resources: ['pods'], verbs: ['*'] }] } }, /extraRules/],
    ['an unknown helmBackend mode', { rbac: { create: true, helmBackend: 'yes' } }, /helmBackend/],
    ['a bad pull policy', { image: { repository: 'x', pullPolicy: 'Sometimes' } }, /pullPolicy/],
    ['a bad scrape interval', { serviceMonitor: { enabled: true, interval: '30 seconds' } }, /interval/],
    ['an out-of-range port', { httpPort: 70000 }, /httpPort/],
  ];
  it.each(bad)('rejects %s at install', async (_what, values, pattern) => {
    const run = await templateRun(OPERATOR_CHART, values);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/values don't meet the specifications of the schema/);
    expect(run.stderr).toMatch(pattern);
  });

  it('rejects an operatorConfig that is not YAML', async () => {
    const run = await templateRun(OPERATOR_CHART, { operatorConfig: 'backend: [statefulset\n' });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('operatorConfig is not valid YAML');
  });

  it('rejects a config the chart could not honour', async () => {
    const slow = await templateRun(OPERATOR_CHART, { operatorConfig: 'backend: statefulset\nshutdown_timeout_seconds: 60\n' });
    expect(slow.code).not.toBe(0);
    expect(slow.stderr).toContain('shutdown_timeout_seconds (60) must be below terminationGracePeriodSeconds (30)');
    const fits = await templateRun(OPERATOR_CHART, { operatorConfig: 'backend: statefulset\nshutdown_timeout_seconds: 60\n', terminationGracePeriodSeconds: 90 });
    expect(fits.code).toBe(0);
    const elsewhere = await templateRun(OPERATOR_CHART, { operatorConfig: 'backend: statefulset\nleader_election:\n  namespace: kube-system\n' });
    expect(elsewhere.code).not.toBe(0);
    expect(elsewhere.stderr).toContain(`leader_election.namespace (kube-system) must be empty or the release namespace (${NAMESPACE})`);
  });

  it('rejects unknown keys in the CRD chart too', async () => {
    const run = await templateRun(CRD_CHART, { keepCrds: false });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/keepCrds/);
  });
});

describe("the Python operator chart's values file (test/fixtures/python-operator-chart/values.yaml)", () => {
  const PYTHON_VALUES = join(ROOT, 'test/fixtures/python-operator-chart/values.yaml');
  type Service = Obj & { spec: { ports: Array<{ port: number; targetPort: string | number }>; selector: Record<string, string> } };
  type Strategy = { type: string; rollingUpdate?: unknown };

  /** The chart's NOTES lines about the Python chart's keys (helm template leaves NOTES.txt out: a ConfigMap renders them). */
  async function pythonNotes(...values: Array<string | Record<string, unknown>>): Promise<string> {
    const chart = join(scratch, `chart-${Math.random().toString(36).slice(2)}`);
    await cp(OPERATOR_CHART, chart, { recursive: true });
    await writeFile(join(chart, 'templates/zz-notes.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes\ndata:\n  notes: {{ include "operator.pythonValuesNotes" . | toJson }}\n');
    const objs = await render(chart, ...values);
    return one<Obj & { data: { notes: string } }>(objs, 'ConfigMap', 'notes').data.notes;
  }

  it('installs unchanged, with its keys mapped: replicaCount, pod ports, resources and probes, Recreate', async () => {
    const objs = await render(OPERATOR_CHART, PYTHON_VALUES);
    const deployment = one<Deployment & { spec: { strategy: Strategy } }>(objs, 'Deployment');
    expect(deployment.spec.replicas).toBe(1);
    // Recreate alone: the default rollingUpdate would make the API refuse the Deployment.
    expect(deployment.spec.strategy).toEqual({ type: 'Recreate' });
    const c = container(objs);
    expect(c.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect((c as Container & { resources: unknown }).resources).toEqual({ limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '100m', memory: '128Mi' } });
    expect(one<Service>(objs, 'Service').spec.ports[0]).toMatchObject({ port: 80, targetPort: 'http' });
    // RBAC stays least-privilege: clusterAdmin binds nothing (the operator's roles and the namespace reads only).
    expect(objs.filter((o) => o.kind === 'ClusterRoleBinding').map((o) => (o as Obj & { roleRef: { name: string } }).roleRef.name)).toEqual([RELEASE, `${RELEASE}-namespaces`]);
    // Its operatorConfig (helmbitnami) gets the Bitnami chart permissions and loads in the operator.
    expect(one<Obj & { rules: Rule[] }>(objs, 'ClusterRole', RELEASE).rules.some((r) => r.resources?.includes('poddisruptionbudgets'))).toBe(true);
    const configFile = join(scratch, 'python-config.yaml');
    await writeFile(configFile, one<Obj & { data: Record<string, string> }>(objs, 'ConfigMap').data['config.yaml']!);
    expect(loadConfig({ file: configFile, env: {} }).backend).toBe('helmbitnami');
  });

  it('maps changed old keys too: replicaCount over replicas, the http port, probe timings, selector labels, targetPort', async () => {
    const objs = await render(OPERATOR_CHART, PYTHON_VALUES, {
      replicaCount: 3,
      extraLabelsSelector: { team: 'platform' },
      pod: { ports: [{ name: 'http', containerPort: 9090, protocol: 'TCP' }], livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 30 } },
      service: { targetPort: 9090 },
    });
    const deployment = one<Deployment & { spec: { selector: { matchLabels: Record<string, string> } } }>(objs, 'Deployment');
    expect(deployment.spec.replicas).toBe(3);
    expect(deployment.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'hybrid-cloud-postgresql-operator', 'app.kubernetes.io/instance': RELEASE, team: 'platform' });
    expect(deployment.spec.template.metadata.labels).toMatchObject({ team: 'platform' });
    const c = container(objs);
    expect(c.ports[0]?.containerPort).toBe(9090);
    expect(envOf(c, 'HYBRIDCLOUD_HTTP_PORT')?.value).toBe('9090');
    expect(c.livenessProbe).toMatchObject({ httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 30, timeoutSeconds: 3 });
    expect(one<Service>(objs, 'Service').spec.ports[0]?.targetPort).toBe(9090);
  });

  it('reports the keys it accepts but does not apply in NOTES, and warns about an image tag', async () => {
    const notes = await pythonNotes(PYTHON_VALUES, { tokenExpirationWorkaround: true });
    expect(notes).toContain('serviceAccount.clusterAdmin: no cluster-admin binding');
    expect(notes).toContain('tokenExpirationWorkaround: not needed');
    expect(notes).toContain('pod.livenessProbe/readinessProbe: only their timing fields are used');
    expect(notes).toContain('image.tag is "dev": it must name a release of this operator');
    expect(await pythonNotes()).toBe('');
  });
});

describe('example values files', () => {
  it('statefulset: two replicas, all namespaces, no cloud credentials', async () => {
    const objs = await render(OPERATOR_CHART, EXAMPLES[0]!);
    expect(one<Deployment>(objs, 'Deployment').spec.replicas).toBe(2);
    expect(one<Obj & { rules: Rule[] }>(objs, 'ClusterRole', RELEASE).rules).toEqual(CORE_RULES);
    expect(container(objs).envFrom).toBeUndefined();
    expect(parse(one<Obj & { data: Record<string, string> }>(objs, 'ConfigMap').data['config.yaml']!)).toMatchObject({ backend: 'statefulset' });
  });

  it('helm: the Bitnami chart permissions and an egress policy that still allows DNS', async () => {
    const objs = await render(OPERATOR_CHART, EXAMPLES[1]!);
    expect(one<Obj & { rules: Rule[] }>(objs, 'ClusterRole', RELEASE).rules).toEqual([...CORE_RULES, ...HELM_BACKEND_RULES]);
    const np = one<Obj & { spec: { policyTypes: string[]; egress: Array<{ ports: Array<{ port: number }> }> } }>(objs, 'NetworkPolicy');
    expect(np.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(np.spec.egress[0]!.ports.map((p) => p.port)).toEqual([53, 53]);
    expect(np.spec.egress.flatMap((r) => r.ports.map((p) => p.port))).toEqual(expect.arrayContaining([443, 5432]));
  });

  it('azure: workload identity on the ServiceAccount and the pods', async () => {
    const objs = await render(OPERATOR_CHART, EXAMPLES[2]!);
    expect(one(objs, 'ServiceAccount').metadata.annotations).toHaveProperty(['azure.workload.identity/client-id']);
    expect(one<Deployment>(objs, 'Deployment').spec.template.metadata.labels).toMatchObject({ 'azure.workload.identity/use': 'true' });
    expect(parse(one<Obj & { data: Record<string, string> }>(objs, 'ConfigMap').data['config.yaml']!)).toMatchObject({ backend: 'azurepostgresflexible' });
  });

  it('aws: IRSA on the ServiceAccount and Roles only in the watched namespaces', async () => {
    const objs = await render(OPERATOR_CHART, EXAMPLES[3]!);
    expect(one(objs, 'ServiceAccount').metadata.annotations).toHaveProperty(['eks.amazonaws.com/role-arn']);
    // Only the namespace reads stay cluster-wide (namespaces are cluster-scoped objects).
    expect(objs.filter((o) => o.kind === 'ClusterRole').map((o) => (o as Obj & { rules: Rule[] }).rules)).toEqual([NAMESPACE_RULES]);
    // The external backend's config-declared admin Secrets, in the operator's namespace: read only.
    expect(one<Obj & { rules: Rule[] }>(objs, 'Role', `${RELEASE}-admin-secrets`, NAMESPACE).rules).toEqual([{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }]);
    // The Lease, the admin Secret reads and the TLS CA in the operator's namespace; the operator's rules in the watched ones.
    expect(objs.filter((o) => o.kind === 'Role').map((o) => o.metadata.namespace).sort()).toEqual([NAMESPACE, NAMESPACE, NAMESPACE, 'team-a', 'team-b']);
    expect(JSON.parse(envOf(container(objs), 'HYBRIDCLOUD_WATCH_NAMESPACES')!.value!)).toEqual(['team-a', 'team-b']);
  });
});

describe('the operator accepts what the chart gives it', () => {
  // The rendered config file and HYBRIDCLOUD_ variables go through the operator's real config
  // loader: an example with a wrong key, or an env variable naming no option, fails the start.
  it.each([['default values', undefined], ...EXAMPLE_NAMES.map((n) => [`examples/values-${n}.yaml`, exampleFile(n)])])(
    '%s',
    async (_name, file) => {
      const objs = await render(OPERATOR_CHART, ...(file ? [file] : []));
      const configFile = join(scratch, `config-${Math.random().toString(36).slice(2)}.yaml`);
      await writeFile(configFile, one<Obj & { data: Record<string, string> }>(objs, 'ConfigMap').data['config.yaml']!);
      const env: Record<string, string> = {};
      for (const e of container(objs).env) {
        if (e.name.startsWith('HYBRIDCLOUD_') && e.value !== undefined) env[e.name] = e.value;
      }
      const config = loadConfig({ file: configFile, env });
      expect(config.http_port).toBe(8080);
      expect(config.leader_election.lease_name).toBe(RELEASE);
      const watched = envOf(container(objs), 'HYBRIDCLOUD_WATCH_NAMESPACES')?.value;
      expect(config.watch_namespaces).toEqual(watched ? JSON.parse(watched) : []);
    },
  );
});

describe('Dockerfile', () => {
  it("runs the chart's command as the chart's non-root user, with the image's NODE_OPTIONS", async () => {
    const dockerfile = await readFile(join(ROOT, 'Dockerfile'), 'utf8');
    const objs = await render(OPERATOR_CHART);
    const pod = one<Deployment>(objs, 'Deployment').spec.template.spec;
    const c = pod.containers[0]!;
    const last = (instruction: string) => {
      const lines = dockerfile.split('\n').filter((l) => l.startsWith(`${instruction} `));
      return lines[lines.length - 1]!.slice(instruction.length + 1).trim();
    };
    expect(JSON.parse(last('ENTRYPOINT'))).toEqual(c.command);
    expect(JSON.parse(last('CMD'))).toEqual(c.args);
    expect(last('USER')).toBe(`${pod.securityContext.runAsUser}:${pod.securityContext.runAsGroup}`);
    expect(last('EXPOSE')).toBe(String(c.ports[0]!.containerPort));
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(envOf(c, 'NODE_OPTIONS')?.value).toBe(productionRuntimeEnv(ROOT).NODE_OPTIONS);
    expect(productionRuntimeEnv(ROOT)).toEqual(expect.objectContaining({ MALLOC_ARENA_MAX: '2' }));
    expect(dockerfile).toMatch(/org\.opencontainers\.image\.source=/);
  });

  it('copies every script the build runs into its build stage', async () => {
    const dockerfile = await readFile(join(ROOT, 'Dockerfile'), 'utf8');
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const scripts = [...pkg.scripts.build!.matchAll(/node (scripts\/\S+)/g)].map((m) => m[1]!);
    expect(scripts).toContain('scripts/copy-assets.mjs');
    const copied = dockerfile.split('\n').filter((l) => l.startsWith('COPY scripts/')).join(' ');
    for (const script of scripts) expect(copied).toContain(script);
  });
});
