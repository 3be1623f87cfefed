import * as k8s from '@kubernetes/client-node';
import { GROUP } from '../../../src/api/constants.js';

/**
 * The CRD of this branch may not have `status.adoption` yet (the takeover handler's change adds
 * it): keep it in the served schema so the API server does not prune it.
 */
export async function serveAdoptionStatus(kc: k8s.KubeConfig): Promise<void> {
  const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);
  const name = `postgresqlservers.${GROUP}`;
  const crd = await ext.readCustomResourceDefinition({ name });
  const status = crd.spec.versions[0]!.schema!.openAPIV3Schema!.properties!.status!;
  if (status.properties?.adoption) return;
  status.properties = { ...status.properties, adoption: { type: 'object', x_kubernetes_preserve_unknown_fields: true } as k8s.V1JSONSchemaProps };
  await ext.replaceCustomResourceDefinition({ name, body: crd });
}
