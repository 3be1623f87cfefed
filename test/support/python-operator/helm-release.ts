/**
 * A Bitnami PostgreSQL release exactly as the Python operator's helmbitnami backend installed it
 * (MaibornWolff/hybrid-cloud-postgresql-operator, hybridcloud/backends/helm_postgres.py):
 * `helm upgrade --install -n <ns> <name>-postgresql <bundled chart postgresql 11.9.13> -f - --wait`
 * with these values (cpu/memory from the class, else size.cpu or "1" and size.memoryMB or 256 Mi;
 * storage size.storageGB or 10 Gi), written into the helm stand-in's release store, and the
 * chart's StatefulSet `<name>-postgresql`, ready, in the fake API server.
 */
import type { KubeClients } from '../../../src/k8s/clients.js';
import { mergePatchOptions } from '../../../src/k8s/patch.js';
import type { HelmStub } from '../helm-stub/index.js';

/** The Bitnami chart version the Python operator's image bundled. */
export const PYTHON_CHART = 'postgresql-11.9.13';

export function pythonValues(release: string, password: string, size: { cpu: string; memory: string; storageGB: number }, storageClass = ''): Record<string, unknown> {
  return {
    fullnameOverride: release,
    global: { storageClass, postgresql: { auth: { postgresPassword: password } } },
    primary: {
      resources: { limits: { memory: size.memory, cpu: size.cpu }, requests: { memory: size.memory, cpu: size.cpu } },
      persistence: { size: `${size.storageGB}Gi` },
    },
  };
}

export async function installPythonRelease(
  stub: HelmStub,
  kube: KubeClients,
  target: { namespace: string; name: string; password: string; size: { cpu: string; memory: string; storageGB: number } },
): Promise<string> {
  const release = `${target.name}-postgresql`;
  await stub.writeRelease({
    name: release,
    namespace: target.namespace,
    revisions: [{
      revision: 1,
      updated: new Date(Date.now() - 86_400_000).toISOString(),
      status: 'deployed',
      chart: PYTHON_CHART,
      app_version: '14.5.0',
      description: 'Install complete',
      values: pythonValues(release, target.password, target.size),
    }],
  });
  const labels = { 'app.kubernetes.io/instance': release, 'app.kubernetes.io/name': 'postgresql', 'app.kubernetes.io/component': 'primary' };
  await kube.apps.createNamespacedStatefulSet({
    namespace: target.namespace,
    body: {
      metadata: { name: release, labels },
      spec: {
        replicas: 1,
        serviceName: `${release}-hl`,
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: { containers: [{ name: 'postgresql', image: 'docker.io/bitnami/postgresql:14.5.0-debian-11-r14' }] } },
      },
    },
  });
  const sts = await kube.apps.readNamespacedStatefulSet({ name: release, namespace: target.namespace });
  const generation = sts.metadata?.generation ?? 1;
  await kube.apps.patchNamespacedStatefulSetStatus(
    { name: release, namespace: target.namespace, body: { status: { replicas: 1, readyReplicas: 1, currentReplicas: 1, updatedReplicas: 1, observedGeneration: generation, currentRevision: 'r1', updateRevision: 'r1' } } },
    mergePatchOptions(),
  );
  return release;
}
