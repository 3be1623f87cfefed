import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiextensionsV1Api, KubernetesObjectApi, loadAllYaml, PatchStrategy, type KubeConfig, type V1CustomResourceDefinition } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { isNotFound, type KubeClients } from '../../../src/k8s/clients.js';
import { eventually, randomSuffix } from './wait.js';

/** Field manager of everything the suite applies, so `kubectl get --show-managed-fields` tells it apart. */
export const FIELD_MANAGER = 'hcpo-e2e';
const CRD_DIR = 'crds';

/** Every document of a multi-document YAML text, as plain objects. */
export function yamlDocuments(text: string): Array<Record<string, unknown>> {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as unknown)
    .filter((d): d is Record<string, unknown> => typeof d === 'object' && d !== null);
}

/**
 * Applies the project's CRDs (server-side apply, so re-running the suite or a CRD already installed
 * by the Helm chart is fine) and waits until the API server serves them. CRDs are never deleted
 * by the suite: that would delete every PostgreSQLServer in the cluster.
 */
export async function applyCrds(kc: KubeConfig, timeoutMs: number): Promise<void> {
  const objects = KubernetesObjectApi.makeApiClient(kc);
  const names: string[] = [];
  for (const file of readdirSync(CRD_DIR).filter((f) => /\.ya?ml$/.test(f)).sort()) {
    // Typed objects, not plain YAML: the client serialises known kinds through its models, which
    // would silently drop wire-named fields such as `x-kubernetes-validations` from a plain object.
    for (const crd of loadAllYaml(readFileSync(join(CRD_DIR, file), 'utf8')) as V1CustomResourceDefinition[]) {
      if (crd?.kind !== 'CustomResourceDefinition') continue;
      await objects.patch(crd, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
      names.push(crd.metadata!.name!);
    }
  }
  if (names.length === 0) throw new Error(`no CustomResourceDefinition found in ${CRD_DIR}/`);
  const crds = kc.makeApiClient(ApiextensionsV1Api);
  for (const name of names) {
    await eventually(
      async () => (await crds.readCustomResourceDefinition({ name })).status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True'),
      { timeoutMs, what: () => `CRD ${name} to be established` },
    );
  }
}

/** A fresh namespace per scenario file: nothing is shared between scenarios or with earlier runs. */
export const testNamespaceName = (): string => `hcpo-e2e-${randomSuffix()}`;

export async function createTestNamespace(kube: KubeClients, name: string): Promise<void> {
  await kube.core.createNamespace({ body: { metadata: { name, labels: { 'app.kubernetes.io/created-by': FIELD_MANAGER } } } });
}

/** Deletes the namespace and waits (bounded) until it is gone; returns whether it went. */
export async function deleteTestNamespace(kube: KubeClients, name: string, timeoutMs: number): Promise<boolean> {
  try {
    await kube.core.deleteNamespace({ name });
  } catch (err) {
    if (isNotFound(err)) return true;
    throw err;
  }
  try {
    await eventually(
      async () => {
        try {
          await kube.core.readNamespace({ name });
          return false;
        } catch (err) {
          if (isNotFound(err)) return true;
          throw err;
        }
      },
      { timeoutMs, what: () => `namespace ${name} to be deleted`, intervalMs: 2000 },
    );
    return true;
  } catch {
    return false;
  }
}
