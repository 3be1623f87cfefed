import type * as k8s from '@kubernetes/client-node';
import { mergePatchOptions } from '../../k8s/patch.js';
import { LABEL_COMPONENT, LABEL_INSTANCE } from '../../api/constants.js';
import { Reason } from '../../api/conditions.js';
import { isNotFound, statusCodeOf, type KubeClients } from '../../k8s/clients.js';
import { PermanentError } from '../errors.js';

/**
 * The Kubernetes objects of a release the backend touches itself: its StatefulSet (read for
 * readiness) and its volume claims, selected exactly by the chart's `app.kubernetes.io/instance`
 * label (the release name; the chart puts it on its claim templates), never by a name prefix.
 */
export const claimSelector = (release: string): string => `${LABEL_INSTANCE}=${release}`;

export async function readStatefulSet(kube: KubeClients, name: string, namespace: string): Promise<k8s.V1StatefulSet | undefined> {
  try {
    return await kube.apps.readNamespacedStatefulSet({ name, namespace });
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Deletes the StatefulSet but not its pods (they keep serving; the next upgrade adopts them). */
export async function orphanStatefulSet(kube: KubeClients, name: string, namespace: string): Promise<void> {
  try {
    await kube.apps.deleteNamespacedStatefulSet({ name, namespace, propagationPolicy: 'Orphan' });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/** Grows the release's claims; a storage class without volume expansion is the admin's to fix. */
export async function resizeClaims(kube: KubeClients, release: string, namespace: string, gib: number): Promise<void> {
  const claims = await kube.core.listNamespacedPersistentVolumeClaim({ namespace, labelSelector: claimSelector(release) });
  // The backup claim (component pg_dumpall) is sized by its own values, not the data volume's.
  for (const claim of claims.items.filter((c) => c.metadata?.labels?.[LABEL_COMPONENT] !== 'pg_dumpall')) {
    const name = claim.metadata?.name ?? '';
    try {
      await kube.core.patchNamespacedPersistentVolumeClaim({ name, namespace, body: { spec: { resources: { requests: { storage: `${gib}Gi` } } } } }, mergePatchOptions());
    } catch (err) {
      const code = statusCodeOf(err);
      if (code === 422 || code === 403) {
        throw new PermanentError(`volume claim ${name} cannot grow to ${gib} GB (does its storage class allow volume expansion?): ${apiMessage(err)}`, Reason.InvalidSpec);
      }
      throw err;
    }
  }
}

/** Deletes the release's claims; returns how many are still there (e.g. held by a terminating pod). */
export async function deleteClaims(kube: KubeClients, release: string, namespace: string): Promise<number> {
  const claims = await kube.core.listNamespacedPersistentVolumeClaim({ namespace, labelSelector: claimSelector(release) });
  for (const claim of claims.items) {
    if (claim.metadata?.deletionTimestamp) continue;
    try {
      await kube.core.deleteNamespacedPersistentVolumeClaim({ name: claim.metadata?.name ?? '', namespace });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  const left = await kube.core.listNamespacedPersistentVolumeClaim({ namespace, labelSelector: claimSelector(release) });
  return left.items.length;
}

function apiMessage(err: unknown): string {
  const body = (err as { body?: unknown }).body;
  if (typeof body === 'string') {
    try {
      return String((JSON.parse(body) as { message?: unknown }).message ?? body);
    } catch {
      return body;
    }
  }
  return err instanceof Error ? err.message : String(err);
}
