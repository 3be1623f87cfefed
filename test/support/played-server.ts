/**
 * A second test PostgreSQL plays the pod of one StatefulSet the fake kubelet leaves alone (it
 * serves only the first): what the image's entrypoint does at initdb (the admin password from the
 * operator's Secret), then the StatefulSet reported ready, as its controller would.
 */
import pg from 'pg';
import { mergePatchOptions } from '../../src/k8s/patch.js';
import type { Harness } from './operator-harness.js';
import { waitFor } from './operator-harness.js';
import type { TestPostgres } from './postgres-server.js';

export interface PlayedServer {
  /** The StatefulSet (the release's, for helmbitnami). */
  statefulSet: string;
  namespace: string;
  /** The operator's admin Secret of the server. */
  adminSecret: string;
}

/** Plays the server's pod in `postgres`; returns the admin password it now accepts. */
export async function playServerIn(h: Harness, postgres: TestPostgres, server: PlayedServer): Promise<string> {
  const { statefulSet: name, namespace } = server;
  await waitFor(async () => (await h.kube.apps.readNamespacedStatefulSet({ name, namespace }).catch(() => undefined)) !== undefined, 60_000, () => `StatefulSet ${name}`);
  const password = (await h.secret(server.adminSecret))!.password!;
  const boot = new pg.Client({ host: postgres.host, port: postgres.port, user: 'postgres', password: postgres.password, database: 'postgres' });
  await boot.connect();
  try {
    await boot.query(`ALTER ROLE postgres PASSWORD ${boot.escapeLiteral(password)}`);
  } finally {
    await boot.end();
  }
  const generation = (await h.kube.apps.readNamespacedStatefulSet({ name, namespace })).metadata!.generation;
  await h.kube.apps.patchNamespacedStatefulSetStatus(
    { name, namespace, body: { status: { replicas: 1, readyReplicas: 1, availableReplicas: 1, currentReplicas: 1, updatedReplicas: 1, observedGeneration: generation, currentRevision: 'r1', updateRevision: 'r1' } } },
    mergePatchOptions(),
  );
  return password;
}
