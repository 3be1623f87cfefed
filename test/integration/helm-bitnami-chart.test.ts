/**
 * The values the helmbitnami backend gives helm, checked against the real Bitnami chart 17.1.0:
 * every key must exist in its values.yaml with the same type, and the whole must satisfy its
 * values.schema.json; then the real helm binary renders the release from a local chart fixture
 * (same values files, reduced templates) and the objects carry what the backend relies on.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Ajv } from 'ajv';
import { pino } from 'pino';
import { parse, parseAllDocuments } from 'yaml';
import { backendSection } from '../../src/config/backend-section.js';
import type { HelmBitnamiSection } from '../../src/config/sections/helmbitnami.js';
import type { ServerContext } from '../../src/backends/types.js';
import { HelmBitnamiBackend } from '../../src/backends/helm-bitnami/index.js';
import { HelmCli } from '../../src/backends/helm-bitnami/helm-cli.js';
import { backupScript } from '../../src/backends/common/backup-script.js';
import { certificatesWith } from '../../src/backends/common/tls/certificate-source.js';
import { OperatorCa } from '../../src/backends/common/tls/operator-ca.js';
import { createKubeClients, kubeConfigForUrl } from '../../src/k8s/clients.js';
import { configFrom } from '../support/operator-harness.js';
import { BITNAMI_CHART_11_FIXTURE, BITNAMI_CHART_FIXTURE, helmHome, realHelmBinary } from '../support/helm-stub/real-helm.js';
import { startPostgres, type TestPostgres } from '../support/postgres-server.js';
import { runRenderedPod } from '../support/rendered-pod.js';
import { makeTestCa, type TestCa } from '../support/test-ca.js';

type Tree = Record<string, unknown>;

const chartValues = parse(readFileSync(join(BITNAMI_CHART_FIXTURE, 'values.yaml'), 'utf8')) as Tree;
const chartSchema = JSON.parse(readFileSync(join(BITNAMI_CHART_FIXTURE, 'values.schema.json'), 'utf8')) as Tree;
/** The chart the Python operator installed: adopted releases keep it (ADR 0012) and get the same values. */
const chart11Values = parse(readFileSync(join(BITNAMI_CHART_11_FIXTURE, 'values.yaml'), 'utf8')) as Tree;
const chart11Schema = JSON.parse(readFileSync(join(BITNAMI_CHART_11_FIXTURE, 'values.schema.json'), 'utf8')) as Tree;
/** The Registry override Bitnami users need since 2025 (docs and example config). */
const REGISTRY_OVERRIDE = { image: { registry: 'docker.io', repository: 'bitnamilegacy/postgresql' }, global: { security: { allowInsecureImages: true } } };

function backend(section: Tree = {}): HelmBitnamiBackend {
  const config = configFrom({ backend: 'helmbitnami', backends: { helmbitnami: { classes: { small: { cpu: '1000m', memory: '256Mi' } }, default_class: 'small', ...section } } });
  const settings = backendSection<HelmBitnamiSection>(config, 'helmbitnami');
  // Clients for an address nobody listens on: building values never calls the API.
  const kube = createKubeClients(kubeConfigForUrl('http://127.0.0.1:9'));
  return new HelmBitnamiBackend({ settings, kube, log: pino({ level: 'silent' }), tls: { settings: config.tls, certs: certificatesWith(kube, new OperatorCa(kube, 'ops', 'ca'), config.tls) } });
}

/** `backup.s3` with a bucket (ADR 0023): the chart's backup is then off. */
const BUCKET = { bucket: 'team-backups', credentials_secret: 'backup-s3', uploader_image: 'registry.example/operator:1' };

/** A server whose recorded TLS choice is on (as observe records it for a new server). */
const TLS_STATE = { tls: { enabled: true, require: true, generation: 1, serial: '0a1b2c' } };

function context(over: Partial<ServerContext> = {}): ServerContext {
  return {
    namespace: 'team-a',
    name: 'demoteam',
    uid: 'u1',
    generation: 1,
    spec: { size: { storageGB: 12 }, credentialsSecret: 'demoteam-postgres-credentials' },
    resolved: { version: '17', sizeClass: 'small' },
    adminPassword: 'not-used-here',
    adminSecret: { name: 'hybridcloud-pgserver-demoteam', passwordKey: 'password' },
    owner: { apiVersion: 'hybridcloud.maibornwolff.de/v1alpha1', kind: 'PostgreSQLServer', name: 'demoteam', uid: 'u1' },
    labels: { 'app.kubernetes.io/instance': 'demoteam-postgresql', 'hybridcloud.maibornwolff.de/server': 'demoteam' },
    state: {},
    ...over,
  };
}

const kindOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** Every key set must exist in the chart's values.yaml with the same type; `{}` defaults are free-form maps. */
function layoutProblems(values: Tree, layout: Tree, path = ''): string[] {
  return Object.entries(values).flatMap(([key, value]) => {
    const here = path ? `${path}.${key}` : key;
    if (!Object.hasOwn(layout, key)) return [`${here} is not a key of the chart's values.yaml`];
    const def = layout[key];
    if (kindOf(def) !== kindOf(value)) return [`${here}: the chart has a ${kindOf(def)}, the backend sets a ${kindOf(value)}`];
    if (kindOf(def) !== 'object') return [];
    const defTree = def as Tree;
    if (Object.keys(defTree).length === 0) return [];
    return layoutProblems(value as Tree, defTree, here);
  });
}

const CASES: Array<[string, Tree, Partial<ServerContext>]> = [
  ['defaults', {}, {}],
  ['a storage class and an older major', { storage_class: 'fast-ssd' }, { resolved: { version: '15', sizeClass: 'small' } }],
  ['cpu/memory from the spec', { default_class: null }, { spec: { size: { storageGB: 1, cpu: 2, memoryMB: 2048 }, credentialsSecret: 'c' }, resolved: { version: '16' } }],
  ['another admin user', { admin_username: 'dbadmin' }, {}],
  ['backups in the maintenance window, own claim size and class', { backup: { storage_gb: 50, storage_class: 'cheap' } }, { spec: { size: { storageGB: 12 }, credentialsSecret: 'c', backup: { retentionDays: 14 }, maintenance: { window: { weekday: 'Sun', starttime: '04:15' } } } }],
  ['backups off', {}, { spec: { size: { storageGB: 12 }, credentialsSecret: 'c', backup: { retentionDays: 0 } } }],
  ['TLS from the operator CA, plain TCP refused', {}, { state: TLS_STATE }],
  ['TLS without require_tls', {}, { state: { tls: { ...TLS_STATE.tls, require: false } } }],
  ['TLS and backups', {}, { state: TLS_STATE, spec: { size: { storageGB: 12 }, credentialsSecret: 'c', backup: { retentionDays: 3 } } }],
  ['backups to a bucket (the operator\'s own CronJob)', { backup: { s3: BUCKET } }, { spec: { size: { storageGB: 12 }, credentialsSecret: 'c', backup: { retentionDays: 3 } } }],
];

describe('helmbitnami values against the real Bitnami chart 17.1.0 data files', () => {
  const validate = new Ajv({ strict: false, allErrors: true }).compile({ ...chartSchema, $schema: undefined });

  it.each(CASES)('%s: every key exists in values.yaml with the same type', (_name, section, ctx) => {
    const values = backend(section).desiredValues(context(ctx));
    expect(layoutProblems(values, chartValues)).toEqual([]);
  });

  it.each(CASES)('%s: the values satisfy values.schema.json', (_name, section, ctx) => {
    const values = backend(section).desiredValues(context(ctx));
    expect(validate(values) ? [] : validate.errors).toEqual([]);
  });

  it('the documented registry override is in the layout too', () => {
    expect(layoutProblems(backend({ extra_values: REGISTRY_OVERRIDE }).desiredValues(context()), chartValues)).toEqual([]);
  });

  it('the config refuses extra values that would override what the operator sets', () => {
    expect(() => backend({ extra_values: { fullnameOverride: 'x', primary: { persistence: { size: '1Gi' } } } })).toThrow(/must not set fullnameOverride, primary\.persistence\.size/);
    expect(() => backend({ extra_values: { global: { postgresql: { auth: { existingSecret: 'other' } } } } })).toThrow(/must not set global\.postgresql\.auth/);
  });

  it('the check itself catches a wrong key and a wrong type', () => {
    expect(layoutProblems({ primary: { persistance: { size: '1Gi' } } }, chartValues)).toEqual(["primary.persistance is not a key of the chart's values.yaml"]);
    expect(layoutProblems({ primary: { persistence: { size: 8 } } }, chartValues)).toEqual(['primary.persistence.size: the chart has a string, the backend sets a number']);
    expect(validate({ persistence: { size: 8 } })).toBe(false);
  });
});

describe('helmbitnami values against the real Bitnami chart 11.9.13 data files (adopted releases keep that chart)', () => {
  const validate = new Ajv({ strict: false, allErrors: true }).compile({ ...chart11Schema, $schema: undefined });

  it.each(CASES)('%s: every key the operator sets exists in values.yaml with the same type', (_name, section, ctx) => {
    // A release pinned to 11.9.13 gets no backup values: that chart has no backup.cronjob.
    const values = backend(section).desiredValues(context(ctx), undefined, '11.9.13');
    expect(values.backup).toBeUndefined();
    expect(layoutProblems(values, chart11Values)).toEqual([]);
    expect(validate(values) ? [] : validate.errors).toEqual([]);
  });

  it('the 2025 registry override is unknown to it (and not needed: 11.9.13 has no image check)', () => {
    expect(layoutProblems(backend({ extra_values: REGISTRY_OVERRIDE }).desiredValues(context(), undefined, '11.9.13'), chart11Values)).toEqual(["global.security is not a key of the chart's values.yaml"]);
  });
});

describe('helm template of the release with the real helm binary and the local chart fixture', () => {
  let helm: HelmCli;
  let home: ReturnType<typeof helmHome>;

  beforeAll(() => {
    home = helmHome();
    helm = new HelmCli({ binary: realHelmBinary(), timeoutSeconds: 120, env: home.env });
  });

  afterAll(() => home?.cleanup());

  async function render(values: Tree, release = 'demoteam-postgresql'): Promise<Tree[]> {
    const out = await helm.run(['template', release, BITNAMI_CHART_FIXTURE, '--namespace', 'team-a', '--values', '-'], { input: JSON.stringify(values) });
    return parseAllDocuments(out).map((d) => d.toJS() as Tree).filter(Boolean);
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- rendered manifests, read field by field
  const find = (docs: Tree[], kind: string, name: string) => docs.find((d) => d.kind === kind && (d.metadata as Tree).name === name) as Record<string, any> | undefined;

  it('names the StatefulSet and Service after the release, reads the password from the operator\'s Secret', async () => {
    const b = backend({ storage_class: 'fast-ssd' });
    const ctx = context({ resolved: { version: '16', sizeClass: 'small' } });
    const docs = await render(b.desiredValues(ctx));
    expect(docs.map((d) => `${d.kind}/${(d.metadata as Tree).name}`).sort()).toEqual([
      'CronJob/demoteam-postgresql-pgdumpall',
      'PersistentVolumeClaim/demoteam-postgresql-pgdumpall',
      'Service/demoteam-postgresql',
      'Service/demoteam-postgresql-hl',
      'StatefulSet/demoteam-postgresql',
    ]);
    const sts = find(docs, 'StatefulSet', 'demoteam-postgresql')!;
    const pod = sts.spec.template.spec;
    const container = pod.containers[0];
    expect(container.image).toBe('docker.io/bitnami/postgresql:16');
    expect(container.resources).toEqual({ requests: { cpu: '1000m', memory: '256Mi' }, limits: { cpu: '1000m', memory: '256Mi' } });
    expect(container.env).toContainEqual({ name: 'POSTGRES_PASSWORD_FILE', value: '/opt/bitnami/postgresql/secrets/password' });
    expect(pod.volumes).toContainEqual({ name: 'postgresql-password', secret: { secretName: 'hybridcloud-pgserver-demoteam' } });
    const claim = sts.spec.volumeClaimTemplates[0];
    expect(claim.spec.resources.requests.storage).toBe('12Gi');
    expect(claim.spec.storageClassName).toBe('fast-ssd');
    // The backend deletes claims by exactly this label (pvc_cleanup).
    expect(claim.metadata.labels['app.kubernetes.io/instance']).toBe('demoteam-postgresql');
    expect(sts.metadata.labels['hybridcloud.maibornwolff.de/server']).toBe('demoteam');
    // The Quickstart's `kubectl get pods -l app.kubernetes.io/instance=demoteam-postgresql`.
    expect(sts.spec.template.metadata.labels['app.kubernetes.io/instance']).toBe('demoteam-postgresql');
  });

  it('serves where the backend says the endpoint is', async () => {
    const b = backend();
    const ctx = context();
    const docs = await render(b.desiredValues(ctx));
    const svc = find(docs, 'Service', 'demoteam-postgresql')!;
    expect(svc.spec.ports[0].port).toBe(5432);
    const endpoint = { host: 'demoteam-postgresql.team-a.svc', port: 5432, sslmode: 'disable' as const };
    expect(await b.adminConnection(ctx, endpoint)).toMatchObject({ host: `${svc.metadata.name}.team-a.svc`, port: svc.spec.ports[0].port, user: 'postgres', database: 'postgres' });
  });

  it('keeps a long server name within the limits of every object name', async () => {
    const name = 'a-very-long-server-name-that-would-not-fit-into-helm-release-names';
    const b = backend();
    const ctx = context({ name });
    const release = (b.desiredValues(ctx).fullnameOverride as string);
    const docs = await render(b.desiredValues(ctx), release);
    for (const d of docs) expect(((d.metadata as Tree).name as string).length).toBeLessThanOrEqual(63);
    expect(find(docs, 'StatefulSet', release)).toBeDefined();
  });

  it('needs allowInsecureImages for another registry, as the real chart since 2025; the override then renders', async () => {
    const onlyRegistry = backend({ extra_values: { image: REGISTRY_OVERRIDE.image } });
    await expect(render(onlyRegistry.desiredValues(context()))).rejects.toThrow(/allowInsecureImages/);
    const docs = await render(backend({ extra_values: REGISTRY_OVERRIDE }).desiredValues(context()));
    expect(find(docs, 'StatefulSet', 'demoteam-postgresql')!.spec.template.spec.containers[0].image).toBe('docker.io/bitnamilegacy/postgresql:17');
  });

  it("renders the backup CronJob with the operator's script, schedule and retention, the password from the operator's Secret, and its claim", async () => {
    const b = backend({ backup: { storage_class: 'cheap' } });
    const ctx = context({ spec: { size: { storageGB: 12 }, credentialsSecret: 'c', backup: { retentionDays: 3 }, maintenance: { window: { weekday: 'Sun', starttime: '04:15' } } } });
    const docs = await render(b.desiredValues(ctx));
    const cron = find(docs, 'CronJob', 'demoteam-postgresql-pgdumpall')!;
    expect(cron.spec).toMatchObject({ schedule: '15 4 * * *', timeZone: 'Etc/UTC', concurrencyPolicy: 'Forbid' });
    const pod = cron.spec.jobTemplate.spec.template.spec;
    const container = pod.containers[0];
    expect(container.image).toBe('docker.io/bitnami/postgresql:17');
    expect(container.command).toEqual(['/bin/sh', '-c', backupScript(3)]);
    const env = Object.fromEntries((container.env as Array<{ name: string; value?: string }>).map((e) => [e.name, e.value]));
    // What the shared script reads: the chart's PGDUMP_DIR and PGPASSWORD_FILE (a file from the operator's Secret).
    expect(env).toMatchObject({ PGUSER: 'postgres', PGHOST: 'demoteam-postgresql', PGPORT: '5432', PGDUMP_DIR: '/backup/pgdump', PGPASSWORD_FILE: '/opt/bitnami/postgresql/secrets/password' });
    expect(pod.volumes).toContainEqual({ name: 'postgresql-password', secret: { secretName: 'hybridcloud-pgserver-demoteam' } });
    expect(pod.volumes).toContainEqual({ name: 'datadir', persistentVolumeClaim: { claimName: 'demoteam-postgresql-pgdumpall' } });
    expect(JSON.stringify(cron)).not.toContain('not-used-here');
    const claim = find(docs, 'PersistentVolumeClaim', 'demoteam-postgresql-pgdumpall')!;
    expect(claim.spec).toMatchObject({ storageClassName: 'cheap', resources: { requests: { storage: '24Gi' } } });
    expect(claim.metadata.annotations).toEqual({ 'helm.sh/resource-policy': 'keep' });
    // pvc_cleanup finds it by the release's instance label, as the data claims.
    expect(claim.metadata.labels['app.kubernetes.io/instance']).toBe('demoteam-postgresql');
  });

  it("renders neither the chart's CronJob nor its claim with backups to a bucket (the operator makes its own CronJob)", async () => {
    const values = backend({ backup: { s3: BUCKET } }).desiredValues(context({ spec: { size: { storageGB: 12 }, credentialsSecret: 'c', backup: { retentionDays: 3 } } }));
    expect(values.backup).toEqual({ enabled: false });
    const docs = await render(values);
    expect(docs.filter((d) => d.kind === 'CronJob' || d.kind === 'PersistentVolumeClaim')).toEqual([]);
  });

  it('renders no CronJob when the server asks for 0 retention days', async () => {
    const docs = await render(backend().desiredValues(context({ spec: { size: { storageGB: 12 }, credentialsSecret: 'c', backup: { retentionDays: 0 } } })));
    expect(docs.filter((d) => d.kind === 'CronJob')).toEqual([]);
  });

  it('serves TLS from the server\'s certificate Secret, with pg_hba refusing plain TCP and the serial as a pod annotation', async () => {
    const b = backend();
    const ctx = context({ state: TLS_STATE });
    const values = b.desiredValues(ctx);
    expect(values.tls).toEqual({ enabled: true, autoGenerated: false, certificatesSecret: 'demoteam-postgresql-tls', certFilename: 'tls.crt', certKeyFilename: 'tls.key' });
    expect((values.primary as Tree).pgHbaConfiguration).toMatch(/^local all all md5\nhostssl all all 0\.0\.0\.0\/0 md5\n.*host all all 0\.0\.0\.0\/0 reject/s);
    const docs = await render(values);
    const pod = find(docs, 'StatefulSet', 'demoteam-postgresql')!.spec.template;
    expect(pod.metadata.annotations).toEqual({ 'hybridcloud.maibornwolff.de/certificate-serial': '0a1b2c' });
    expect(pod.spec.volumes).toContainEqual({ name: 'raw-certificates', secret: { secretName: 'demoteam-postgresql-tls' } });
    expect(pod.spec.containers[0].env).toEqual(expect.arrayContaining([
      { name: 'POSTGRESQL_ENABLE_TLS', value: 'yes' },
      { name: 'POSTGRESQL_TLS_CERT_FILE', value: '/opt/bitnami/postgresql/certs/tls.crt' },
      { name: 'POSTGRESQL_TLS_KEY_FILE', value: '/opt/bitnami/postgresql/certs/tls.key' },
    ]));
    // No CA file: the chart would then ask clients for certificates.
    expect(pod.spec.containers[0].env.map((e: { name: string }) => e.name)).not.toContain('POSTGRESQL_TLS_CA_FILE');
    const endpoint = { host: 'demoteam-postgresql.team-a.svc', port: 5432, sslmode: 'verify-full' as const };
    // verify-full needs the CA, read from the API (nobody listens here): no fall-back to plain TCP.
    await expect(b.adminConnection(ctx, endpoint)).rejects.toThrow();
  });

  describe('with TLS, the backup pod verifies the server (its rendered command run against a real TLS PostgreSQL)', () => {
    const tlsBackups = context({ state: TLS_STATE, spec: { size: { storageGB: 12 }, credentialsSecret: 'c', backup: { retentionDays: 3 } } });
    let ca: TestCa;
    let server: TestPostgres;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a rendered pod spec, read field by field
    let pod: Record<string, any>;

    beforeAll(async () => {
      // The certificate names the Service the chart's PGHOST names, as the operator's does (serviceDnsNames).
      ca = await makeTestCa(['DNS:demoteam-postgresql']);
      server = await startPostgres({ tls: ca.certs['DNS:demoteam-postgresql']! });
      pod = find(await render(backend().desiredValues(tlsBackups)), 'CronJob', 'demoteam-postgresql-pgdumpall')!.spec.jobTemplate.spec.template.spec;
    });

    afterAll(async () => {
      await server?.stop();
    });

    it('mounts only ca.crt of the certificate Secret and sets verify-full in the command, over the chart\'s own PGSSLROOTCERT', () => {
      const container = pod.containers[0];
      expect(pod.volumes).toContainEqual({ name: 'server-ca', secret: { secretName: 'demoteam-postgresql-tls', items: [{ key: 'ca.crt', path: 'ca.crt' }] } });
      expect(container.volumeMounts).toContainEqual({ name: 'server-ca', mountPath: '/tls', readOnly: true });
      expect(container.command).toEqual(['/bin/sh', '-c', `export PGSSLMODE='verify-full'\nexport PGSSLROOTCERT='/tls/ca.crt'\n${backupScript(3)}`]);
      // What the chart sets by itself with tls.enabled: the directory (no tls.certCAFilename, on purpose), which libpq cannot load.
      expect(container.env).toContainEqual({ name: 'PGSSLROOTCERT', value: '/tmp/certs/' });
      expect(pod.volumes).toContainEqual({ name: 'raw-certificates', secret: { secretName: 'demoteam-postgresql-tls' } });
    });

    const secrets = (caPem: string) => ({
      'hybridcloud-pgserver-demoteam': { password: server.password },
      'demoteam-postgresql-tls': { 'tls.crt': ca.certs['DNS:demoteam-postgresql']!.certPem, 'tls.key': 'not needed by the backup', 'ca.crt': caPem },
    });

    it('backs up over verify-full with the CA from the Secret', async () => {
      const run = await runRenderedPod(pod as never, server, secrets(ca.caPem));
      try {
        expect(run).toMatchObject({ code: 0 });
        expect(run.output).toMatch(/"backup":"\d{8}T\d{6}Z"/);
      } finally {
        run.cleanup();
      }
    });

    it('refuses a server its CA did not sign: the password never goes to an unverified peer', async () => {
      const run = await runRenderedPod(pod as never, server, secrets(ca.otherCaPem));
      try {
        expect(run.code).not.toBe(0);
        expect(run.output).toMatch(/certificate verify failed/);
      } finally {
        run.cleanup();
      }
    });
  });

  it('fails the render on a value of the wrong type (the chart\'s schema applies)', async () => {
    await expect(render({ ...backend().desiredValues(context()), persistence: { size: 8 } })).rejects.toThrow(/schema/);
  });
});
