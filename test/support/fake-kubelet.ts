import { execFile } from 'node:child_process';
import { chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type * as k8s from '@kubernetes/client-node';
import { mergePatchOptions } from '../../src/k8s/patch.js';
import pg from 'pg';
import { createKubeClients, type KubeClients } from '../../src/k8s/clients.js';
import type { TestPostgres } from './postgres-server.js';

const HARNESS_ROLE = 'fake_kubelet';

/** Settings a pod's `-c` arguments may carry that the shared test server takes by reload. */
const RELOADABLE_ARGS = new Set(['ssl', 'ssl_cert_file', 'ssl_key_file']);

/**
 * Plays kubelet and the postgres image for StatefulSets the operator creates (no cluster here):
 * at "first start" of a StatefulSet it does what the image's entrypoint does at initdb — create the
 * POSTGRES_USER with the password from the referenced Secret — in a real test PostgreSQL, then
 * reports the StatefulSet ready through the status subresource, as the controller manager would.
 *
 * Secret and ConfigMap volumes are "mounted" as files in a temp directory (rewritten when the
 * object changes, as the kubelet does, without telling PostgreSQL). At each (re)start of the pod
 * (a new generation) the server takes the pod's TLS arguments, with mount paths mapped to those
 * files, and the mounted `hba_file` becomes its pg_hba.conf — keeping one line for this harness's
 * own role, so it can still look inside.
 */
export class FakeKubelet {
  private readonly kube: KubeClients;
  private readonly initialised = new Set<string>();
  private timer?: NodeJS.Timeout;
  private admin?: pg.Client;
  private busy = false;
  private mountRoot?: string;
  private harnessPassword = '';
  /** How many times a pod start restarted PostgreSQL (settings that wait for a restart). */
  postgresRestarts = 0;
  /** namespace/sts → generation whose "pod" was started (its settings applied). */
  private readonly started = new Map<string, number>();
  /** Mounted file path → resourceVersion of the object written there. */
  private readonly mounted = new Map<string, string>();
  /** While false, StatefulSets stay unready (a pod that does not come up). */
  healthy = true;
  /**
   * StatefulSets (namespace/name) left alone: all servers share one test PostgreSQL, so a second
   * server's "initdb" would re-key the first one's admin role.
   */
  readonly ignore = new Set<string>();

  constructor(
    kc: k8s.KubeConfig,
    private readonly pgServer: TestPostgres,
  ) {
    this.kube = createKubeClients(kc);
  }

  async start(intervalMs = 100): Promise<void> {
    const bootstrap = new pg.Client({ host: this.pgServer.host, port: this.pgServer.port, user: 'postgres', password: this.pgServer.password, database: 'postgres' });
    await bootstrap.connect();
    const harnessPassword = `kubelet-${Math.random().toString(36).slice(2)}`;
    this.harnessPassword = harnessPassword;
    await bootstrap.query(`CREATE ROLE ${HARNESS_ROLE} SUPERUSER LOGIN PASSWORD '${harnessPassword}'`);
    await bootstrap.end();
    this.admin = new pg.Client({ host: this.pgServer.host, port: this.pgServer.port, user: HARNESS_ROLE, password: harnessPassword, database: 'postgres' });
    await this.admin.connect();
    this.mountRoot = await mkdtemp(join(tmpdir(), 'hcpo-kubelet-'));
    if (process.getuid?.() === 0) await chownToPostgres(this.mountRoot);
    this.timer = setInterval(() => void this.tick(), intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    while (this.busy) await new Promise((r) => setTimeout(r, 20));
    await this.admin?.end();
    if (this.mountRoot) await rm(this.mountRoot, { recursive: true, force: true });
  }

  /** SQL as a superuser of the test server (for checks and for breaking things by hand). */
  query(text: string, values?: unknown[]): Promise<pg.QueryResult> {
    return (this.admin as pg.Client).query(text, values);
  }

  private async tick(): Promise<void> {
    if (this.busy || !this.admin) return;
    this.busy = true;
    try {
      const list = await this.kube.apps.listStatefulSetForAllNamespaces();
      for (const sts of list.items) await this.run(sts);
    } catch {
      // The next tick tries again (the API server may be restarting in a test).
    } finally {
      this.busy = false;
    }
  }

  private async run(sts: k8s.V1StatefulSet): Promise<void> {
    const { name, namespace, generation } = sts.metadata as { name: string; namespace: string; generation?: number };
    const key = `${namespace}/${name}`;
    if (this.ignore.has(key)) return;
    if (!this.initialised.has(key)) {
      await this.createClaims(sts, namespace);
      await this.initdb(sts, namespace);
      this.initialised.add(key);
    }
    const mounts = await this.mountVolumes(sts, namespace);
    if (this.started.get(key) !== generation) {
      await this.startPod(sts, mounts);
      this.started.set(key, generation ?? 0);
    }
    const want = this.healthy ? 1 : 0;
    const s = sts.status;
    if (s?.readyReplicas === want && s.observedGeneration === generation) return;
    const revision = `${name}-${generation}`;
    await this.kube.apps.patchNamespacedStatefulSetStatus(
      {
        name,
        namespace,
        body: { status: { replicas: 1, readyReplicas: want, availableReplicas: want, currentReplicas: 1, updatedReplicas: 1, observedGeneration: generation, currentRevision: revision, updateRevision: revision } },
      },
      mergePatchOptions(),
    );
  }

  /** What the StatefulSet controller does for pod 0: a claim per template, `<template>-<sts>-0`. */
  private async createClaims(sts: k8s.V1StatefulSet, namespace: string): Promise<void> {
    for (const template of sts.spec?.volumeClaimTemplates ?? []) {
      const name = `${template.metadata?.name}-${sts.metadata?.name}-0`;
      const body = { metadata: { name, namespace, labels: template.metadata?.labels }, spec: template.spec };
      await this.kube.core.createNamespacedPersistentVolumeClaim({ namespace, body }).catch((err: { code?: number }) => {
        if (err.code !== 409) throw err;
      });
    }
  }

  /** Writes each Secret/ConfigMap volume's keys under the mount root; mountPath → local directory. */
  private async mountVolumes(sts: k8s.V1StatefulSet, namespace: string): Promise<Map<string, string>> {
    const spec = sts.spec?.template.spec;
    const out = new Map<string, string>();
    for (const mount of spec?.containers[0]?.volumeMounts ?? []) {
      const volume = spec?.volumes?.find((v) => v.name === mount.name);
      const source = volume?.secret ? { kind: 'secret', name: volume.secret.secretName } : volume?.configMap ? { kind: 'configmap', name: volume.configMap.name } : undefined;
      if (!source?.name) continue;
      const dir = join(this.mountRoot as string, namespace, sts.metadata?.name ?? '', mount.name);
      out.set(mount.mountPath, dir);
      const obj = source.kind === 'secret'
        ? await this.kube.core.readNamespacedSecret({ name: source.name, namespace }).catch(() => undefined)
        : await this.kube.core.readNamespacedConfigMap({ name: source.name, namespace }).catch(() => undefined);
      const version = obj?.metadata?.resourceVersion ?? '';
      if (!obj || this.mounted.get(dir) === version) continue;
      const data: Record<string, string> = source.kind === 'secret'
        ? Object.fromEntries(Object.entries((obj as k8s.V1Secret).data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]))
        : { ...((obj as k8s.V1ConfigMap).data ?? {}) };
      await mkdir(dir, { recursive: true });
      for (const [file, content] of Object.entries(data)) {
        // PostgreSQL accepts a key only when no one else can read it (the pod gets this by fsGroup and mode).
        await writeFile(join(dir, file), content, { mode: 0o600 });
        if (process.getuid?.() === 0) await chownToPostgres(join(dir, file));
      }
      if (process.getuid?.() === 0) await chownToPostgres(dir);
      this.mounted.set(dir, version);
    }
    return out;
  }

  /** A pod (re)start: the TLS arguments, then pg_hba from the mounted hba_file, taken by a reload. */
  private async startPod(sts: k8s.V1StatefulSet, mounts: Map<string, string>): Promise<void> {
    const args = sts.spec?.template.spec?.containers[0]?.args ?? [];
    const settings = new Map<string, string>();
    for (let i = 0; i < args.length - 1; i++) {
      if (args[i] !== '-c') continue;
      const [name, ...rest] = (args[i + 1] as string).split('=');
      settings.set(name as string, mapPath(rest.join('='), mounts));
    }
    const admin = this.admin as pg.Client;
    for (const name of RELOADABLE_ARGS) {
      const value = settings.get(name);
      await admin.query(value === undefined ? `ALTER SYSTEM RESET ${name}` : `ALTER SYSTEM SET ${name} = ${admin.escapeLiteral(value)}`);
    }
    const hbaFile = settings.get('hba_file');
    if (hbaFile) {
      const own = (await admin.query<{ f: string }>("SELECT current_setting('hba_file') AS f")).rows[0]!.f;
      const pod = await readFile(hbaFile, 'utf8');
      await writeFile(own, `host all ${HARNESS_ROLE} 127.0.0.1/32 scram-sha-256\n${pod}`);
    }
    await admin.query('SELECT pg_reload_conf()');
    // A pod start is a PostgreSQL start: settings that wait for one take effect now.
    const pending = await admin.query('SELECT 1 FROM pg_settings WHERE pending_restart');
    if (pending.rowCount) await this.restartPostgres();
  }

  private async restartPostgres(): Promise<void> {
    await this.admin?.end().catch(() => undefined);
    await this.pgServer.restart();
    this.postgresRestarts++;
    this.admin = new pg.Client({ host: this.pgServer.host, port: this.pgServer.port, user: HARNESS_ROLE, password: this.harnessPassword, database: 'postgres' });
    this.admin.on('error', () => undefined);
    await this.admin.connect();
  }

  /** What docker-entrypoint.sh does on an empty data directory. */
  private async initdb(sts: k8s.V1StatefulSet, namespace: string): Promise<void> {
    const env = sts.spec?.template.spec?.containers[0]?.env ?? [];
    const user = env.find((e) => e.name === 'POSTGRES_USER')?.value ?? 'postgres';
    const ref = env.find((e) => e.name === 'POSTGRES_PASSWORD')?.valueFrom?.secretKeyRef;
    if (!ref?.name || !ref.key) throw new Error('POSTGRES_PASSWORD must come from a Secret');
    const secret = await this.kube.core.readNamespacedSecret({ name: ref.name, namespace });
    const password = Buffer.from(secret.data?.[ref.key] ?? '', 'base64').toString('utf8');
    const admin = this.admin as pg.Client;
    const exists = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [user]);
    const verb = exists.rowCount ? 'ALTER' : 'CREATE';
    await admin.query(`${verb} ROLE ${admin.escapeIdentifier(user)} SUPERUSER LOGIN PASSWORD ${admin.escapeLiteral(password)}`);
  }
}

/** A path inside a mount → the same file in its local directory. */
function mapPath(value: string, mounts: Map<string, string>): string {
  for (const [mountPath, dir] of mounts) if (value.startsWith(`${mountPath}/`)) return join(dir, value.slice(mountPath.length + 1));
  return value;
}

const execFileAsync = promisify(execFile);
let postgresIds: Promise<{ uid: number; gid: number }> | undefined;

async function chownToPostgres(path: string): Promise<void> {
  postgresIds ??= (async () => ({
    uid: Number((await execFileAsync('id', ['-u', 'postgres'])).stdout.trim()),
    gid: Number((await execFileAsync('id', ['-g', 'postgres'])).stdout.trim()),
  }))();
  const { uid, gid } = await postgresIds;
  await chown(path, uid, gid);
}
