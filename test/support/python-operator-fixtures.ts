/**
 * Objects exactly as the Python (kopf) operator left them (MaibornWolff/hybrid-cloud-postgresql-operator):
 * - credentials Secrets: hybridcloud/util/k8s.py `create_secret` — metadata {name, namespace,
 *   labels: {}} and `stringData`, no ownerReferences; keys as the backends return them
 *   (hybridcloud/backends/helm_postgres.py `create_or_update_server`: username, password, dbname,
 *   host, port, sslmode — `host`, not `hostname`);
 * - tmp Secrets: hybridcloud/util/reconcile_helpers.py `determine_resource_password`, in the
 *   operator's namespace (hybridcloud/util/env.py), `{password}` only;
 * - CRs: kopf's finalizer and last-handled-configuration annotation, and the status its handlers
 *   patch (hybridcloud/handlers/postgresql_server.py `_status_server`: {backend, deployment}).
 */
import pg from 'pg';
import { GROUP, VERSION } from '../../src/api/constants.js';
import type { PostgreSQLServer } from '../../src/api/types.js';
import { certificatesWith } from '../../src/backends/common/tls/certificate-source.js';
import { OperatorCa } from '../../src/backends/common/tls/operator-ca.js';
import { StatefulSetBackend } from '../../src/backends/statefulset/index.js';
import { workloadName } from '../../src/backends/statefulset/manifests.js';
import type { StatefulSetSection } from '../../src/config/sections/statefulset.js';
import { serverContext } from '../../src/handlers/server-access.js';
import { mergePatchOptions } from '../../src/k8s/patch.js';
import type { Harness } from './operator-harness.js';
import { pluralOf } from './operator-harness.js';

export const ADMIN = 'pyadmin';
export const ADMIN_PASSWORD = 'py-admin-password-1';
export const KOPF_FINALIZER = 'kopf.zalando.org/KopfFinalizerMarker';
export const KOPF_LAST_HANDLED = 'kopf.zalando.org/last-handled-configuration';

export function pythonCredentialsSecret(name: string, values: { username: string; password: string; dbname: string; host: string }, namespace = 'default'): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace, labels: {} },
    stringData: { ...values, port: '5432', sslmode: 'disable' },
  };
}

export function pythonTmpSecret(operatorNamespace: string, name: string, password: string): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: operatorNamespace, labels: {} }, stringData: { password } };
}

/** A CR the Python operator handled to the end ("finished"). */
export function kopfCr(kind: 'PostgreSQLServer' | 'PostgreSQLDatabase', name: string, spec: Record<string, unknown>, backend = 'statefulset'): Record<string, unknown> {
  return {
    apiVersion: `${GROUP}/${VERSION}`,
    kind,
    metadata: {
      name,
      namespace: 'default',
      finalizers: [KOPF_FINALIZER],
      annotations: { [KOPF_LAST_HANDLED]: JSON.stringify({ spec }) },
    },
    spec,
    status: {
      backend,
      deployment: { status: 'finished', reason: kind === 'PostgreSQLServer' ? 'Database server created' : 'Database created', 'latest-update': '2024-03-01T10:00:00.000000+00:00' },
    },
  };
}

/**
 * Creates a CR as it is stored after the Python operator: its CRD had no status subresource, so
 * the status was part of the object; with this operator's CRD the status is written through the
 * subresource (a create drops it, as the real API server does).
 */
export async function createStored(h: Harness, obj: Record<string, unknown>): Promise<void> {
  const { status, ...rest } = obj;
  await h.create(rest);
  const name = (obj.metadata as { name: string }).name;
  await h.kube.custom.patchNamespacedCustomObjectStatus(
    { group: GROUP, version: VERSION, namespace: 'default', plural: pluralOf(obj.kind as string), name, body: { status } },
    mergePatchOptions(),
  );
}

/**
 * What the Python operator did in a server for each database (hybridcloud/backends/pgclient.py),
 * connected as the admin: the database (owned by the admin), PUBLIC's access revoked, the login
 * role with its password, ALL on the database granted to it.
 */
export async function pythonDatabases(h: Harness, databases: Array<[name: string, password: string]>): Promise<void> {
  await h.kubelet.query(`CREATE ROLE ${ADMIN} SUPERUSER LOGIN PASSWORD '${ADMIN_PASSWORD}'`).catch((err: { code?: string }) => {
    if (err.code !== '42710') throw err; // exists already
  });
  const admin = new pg.Client({ host: '127.0.0.1', port: h.pg.port, user: ADMIN, password: ADMIN_PASSWORD, database: 'postgres' });
  await admin.connect();
  try {
    for (const [name, password] of databases) {
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.query(`REVOKE ALL PRIVILEGES ON DATABASE ${name} FROM PUBLIC`);
      await admin.query(`CREATE ROLE ${name} WITH LOGIN ENCRYPTED PASSWORD '${password}'`);
      await admin.query(`GRANT ALL PRIVILEGES ON DATABASE ${name} TO ${name}`);
    }
  } finally {
    await admin.end();
  }
}

/**
 * A server that runs, for the in-cluster backend: its StatefulSet as the backend builds it,
 * reported ready (its "initdb" happened long ago, so the fake kubelet leaves it alone), its admin
 * role with ADMIN_PASSWORD (see pythonDatabases).
 */
export async function runningServer(h: Harness, name: string): Promise<void> {
  const cr = (await h.get<PostgreSQLServer>('PostgreSQLServer', name))!;
  const ca = new OperatorCa(h.kube, 'default', h.config.tls.ca_secret);
  const backend = new StatefulSetBackend(h.kube, h.config.backends.statefulset as unknown as StatefulSetSection, h.config.tls, certificatesWith(h.kube, ca, h.config.tls));
  const checked = backend.validate(cr.spec);
  if (!checked.ok) throw new Error(JSON.stringify(checked.problems));
  const sts = workloadName(name);
  h.kubelet.ignore.add(`default/${sts}`);
  await backend.create(serverContext({ ...cr, kind: 'PostgreSQLServer' }, checked.resolved, ADMIN_PASSWORD));
  const current = await h.kube.apps.readNamespacedStatefulSet({ name: sts, namespace: 'default' });
  const generation = current.metadata?.generation;
  const revision = `${sts}-${generation}`;
  await h.kube.apps.patchNamespacedStatefulSetStatus(
    { name: sts, namespace: 'default', body: { status: { replicas: 1, readyReplicas: 1, availableReplicas: 1, currentReplicas: 1, updatedReplicas: 1, observedGeneration: generation, currentRevision: revision, updateRevision: revision } } },
    mergePatchOptions(),
  );
}
