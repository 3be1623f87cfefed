import type * as k8s from '@kubernetes/client-node';
import { mergePatchOptions } from '../../src/k8s/patch.js';
import pg from 'pg';
import { createKubeClients, type KubeClients } from '../../src/k8s/clients.js';
import type { TestPostgres } from './postgres-server.js';

const HARNESS_ROLE = 'fake_kubelet';

/**
 * Plays kubelet and the postgres image for StatefulSets the operator creates (no cluster here):
 * at "first start" of a StatefulSet it does what the image's entrypoint does at initdb — create the
 * POSTGRES_USER with the password from the referenced Secret — in a real test PostgreSQL, then
 * reports the StatefulSet ready through the status subresource, as the controller manager would.
 */
export class FakeKubelet {
  private readonly kube: KubeClients;
  private readonly initialised = new Set<string>();
  private timer?: NodeJS.Timeout;
  private admin?: pg.Client;
  private busy = false;
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
    await bootstrap.query(`CREATE ROLE ${HARNESS_ROLE} SUPERUSER LOGIN PASSWORD '${harnessPassword}'`);
    await bootstrap.end();
    this.admin = new pg.Client({ host: this.pgServer.host, port: this.pgServer.port, user: HARNESS_ROLE, password: harnessPassword, database: 'postgres' });
    await this.admin.connect();
    this.timer = setInterval(() => void this.tick(), intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    while (this.busy) await new Promise((r) => setTimeout(r, 20));
    await this.admin?.end();
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
