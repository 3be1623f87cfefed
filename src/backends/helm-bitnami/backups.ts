import { LABEL_COMPONENT, LABEL_INSTANCE } from '../../api/constants.js';
import type { BackupStatus } from '../../api/types.js';
import type { KubeClients } from '../../k8s/clients.js';
import { backupStatus, type BackupPlan } from '../common/backup-plan.js';
import { chartBackupName } from './backup-values.js';

/**
 * `status.backup` of a release (ADR 0020), read-only: the Jobs the chart's CronJob made (its
 * Jobs carry no labels of their own: they are found by their owner, the CronJob) and their pods
 * (labelled by the chart with the release and `component: pg_dumpall`).
 */
export async function observeReleaseBackups(kube: KubeClients, release: string, namespace: string, plan: BackupPlan): Promise<BackupStatus> {
  const cronJob = chartBackupName(release);
  const [jobs, pods] = await Promise.all([
    kube.batch.listNamespacedJob({ namespace }),
    kube.core.listNamespacedPod({ namespace, labelSelector: `${LABEL_INSTANCE}=${release},${LABEL_COMPONENT}=pg_dumpall` }),
  ]);
  const own = jobs.items.filter((j) => j.metadata?.ownerReferences?.some((o) => o.kind === 'CronJob' && o.name === cronJob));
  return backupStatus(plan, own, pods.items);
}
