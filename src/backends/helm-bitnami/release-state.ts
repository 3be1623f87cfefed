import type * as k8s from '@kubernetes/client-node';

/** Helm statuses of a release whose helm call is still running (or was interrupted). */
export const PENDING_STATUSES: ReadonlySet<string> = new Set(['pending-install', 'pending-upgrade', 'pending-rollback', 'uninstalling']);

/**
 * Ready: a pod is ready and the StatefulSet's current spec is rolled out (right after an upgrade
 * the old pod is still ready, but the change is not live yet).
 */
export function statefulSetState(sts: k8s.V1StatefulSet | undefined): { ready: boolean; summary: string } {
  if (!sts) return { ready: false, summary: 'not created yet' };
  const status: k8s.V1StatefulSetStatus = sts.status ?? { replicas: 0 };
  const readyReplicas = status.readyReplicas ?? 0;
  const rolledOut = (status.observedGeneration ?? 0) >= (sts.metadata?.generation ?? 0) && (!status.updateRevision || status.updateRevision === status.currentRevision);
  const summary = `${readyReplicas}/${sts.spec?.replicas ?? 1} ready${readyReplicas >= 1 && !rolledOut ? ', rolling out a change' : ''}`;
  return { ready: readyReplicas >= 1 && rolledOut, summary };
}

/** `postgresql-17.1.0` → `17.1.0`. */
export function chartVersionOf(chart: string): string {
  return /-(v?\d+\.\d+\.\d+.*)$/.exec(chart)?.[1] ?? '';
}

