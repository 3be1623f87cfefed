import type * as k8s from '@kubernetes/client-node';
import { LABEL_COMPONENT, LABEL_SERVER } from '../../api/constants.js';
import { Reason } from '../../api/conditions.js';
import type { BackupStatus } from '../../api/types.js';
import { isNotFound, type KubeClients } from '../../k8s/clients.js';
import { mergePatchOptions } from '../../k8s/patch.js';
import { PermanentError } from '../errors.js';
import type { ServerContext } from '../types.js';
import { backupStatus, type BackupPlan } from './backup-plan.js';
import { SPEC_HASH_ANNOTATION } from './backup-cronjob.js';
import { ACCESS_KEY_ID, SECRET_ACCESS_KEY, type S3Target } from './s3-backup-containers.js';

/** What `observe` adds to its differences while the backup CronJob is missing, outdated or no longer wanted. */
export const BACKUP_DIFFERENCE = 'backup schedule';

export interface BackupObservation {
  /** The CronJob (or its removal) differs from the plan: `converge` makes it so. */
  differs: boolean;
  status?: BackupStatus;
  /** Something that will make the backups fail, said before they do (a missing credentials Secret). */
  warning?: string;
}

/** The CronJob a server should have (built by backup-cronjob.ts) and the plan it was built from. */
export interface DesiredBackups {
  cron: k8s.V1CronJob;
  plan: BackupPlan;
  /** Backups go to this bucket: its credentials Secret is checked (ADR 0023). */
  s3?: S3Target;
}

type Server = Pick<ServerContext, 'namespace' | 'uid' | 'labels'>;

/**
 * The backup CronJob the operator owns (owner reference to the server), converged like the rest
 * of a server: `observe` reads (the CronJob, its Jobs and their pods for `status.backup`), and
 * `converge` creates, patches or deletes it; every step idempotent. Shared by the statefulset
 * backend and the helmbitnami backend's backups to a bucket. Never takes over a CronJob of the same
 * name that is not the server's.
 */
export class BackupCronJobs {
  constructor(private readonly kube: KubeClients) {}

  /** `desired` undefined: the server should have no CronJob of this name (backups off, or the chart makes them). */
  async observe(ctx: Server, name: string, desired: DesiredBackups | undefined): Promise<BackupObservation> {
    const cron = await read(() => this.kube.batch.readNamespacedCronJob({ name, namespace: ctx.namespace }));
    if (!desired) return { differs: ownedBy(cron, ctx.uid) };
    const differs = cron?.metadata?.annotations?.[SPEC_HASH_ANNOTATION] !== desired.cron.metadata?.annotations?.[SPEC_HASH_ANNOTATION];
    const own = await this.ownRuns(ctx, cron);
    const warning = desired.s3 ? await this.credentialsProblem(ctx.namespace, desired.s3.credentialsSecret) : undefined;
    return { differs, status: backupStatus(desired.plan, own.jobs, own.pods), ...(warning ? { warning } : {}) };
  }

  /** Creates or replaces the CronJob; removes it (only ours) when `desired` is undefined. */
  async converge(ctx: Server, name: string, desired: k8s.V1CronJob | undefined): Promise<void> {
    const namespace = ctx.namespace;
    if (!desired) {
      const current = await read(() => this.kube.batch.readNamespacedCronJob({ name, namespace }));
      if (ownedBy(current, ctx.uid)) await ignore404(() => this.kube.batch.deleteNamespacedCronJob({ name, namespace }));
      return;
    }
    const created = await createUnlessExists(() => this.kube.batch.createNamespacedCronJob({ namespace, body: desired }));
    if (created) return;
    // Ours (owner reference to this server) or refused: never take over someone else's CronJob.
    const current = await this.kube.batch.readNamespacedCronJob({ name, namespace });
    if (!ownedBy(current, ctx.uid)) throw new PermanentError(`CronJob ${name} exists and does not belong to this server`, Reason.InvalidName);
    await this.kube.batch.patchNamespacedCronJob({ name, namespace, body: { metadata: { annotations: desired.metadata?.annotations, labels: desired.metadata?.labels }, spec: desired.spec } }, mergePatchOptions());
  }

  /**
   * S3 backups log in with the team's own Secret in the server's namespace (ADR 0023): a missing
   * Secret or key would leave the job's pod waiting forever (CreateContainerConfigError), not
   * failing, so the server's status says it at once. Only the key names are looked at.
   */
  private async credentialsProblem(namespace: string, name: string): Promise<string | undefined> {
    const secret = await read(() => this.kube.core.readNamespacedSecret({ name, namespace }));
    const need = `Secret ${name} in namespace ${namespace} with ${ACCESS_KEY_ID} and ${SECRET_ACCESS_KEY}`;
    if (!secret) return `backups to S3 cannot run: they need the ${need} (backup.s3.credentials_secret)`;
    const missing = [ACCESS_KEY_ID, SECRET_ACCESS_KEY].filter((k) => !secret.data?.[k]);
    return missing.length ? `backups to S3 cannot run: Secret ${name} has no ${missing.join(' or ')}` : undefined;
  }

  /**
   * Only this server's CronJob, its Jobs and their pods: a deleted namesake's may still await GC.
   * Found by the server label and `component: backup`, which the builders put on Jobs and pods.
   */
  private async ownRuns(ctx: Server, cron: k8s.V1CronJob | undefined): Promise<{ jobs: k8s.V1Job[]; pods: k8s.V1Pod[] }> {
    const cronUid = ownedBy(cron, ctx.uid) ? cron?.metadata?.uid : undefined;
    if (!cronUid) return { jobs: [], pods: [] };
    const selector = `${LABEL_SERVER}=${ctx.labels[LABEL_SERVER]},${LABEL_COMPONENT}=backup`;
    const [jobs, pods] = await Promise.all([
      this.kube.batch.listNamespacedJob({ namespace: ctx.namespace, labelSelector: selector }),
      this.kube.core.listNamespacedPod({ namespace: ctx.namespace, labelSelector: selector }),
    ]);
    const own = jobs.items.filter((j) => j.metadata?.ownerReferences?.some((o) => o.uid === cronUid));
    const jobUids = new Set(own.map((j) => j.metadata?.uid));
    return { jobs: own, pods: pods.items.filter((p) => p.metadata?.ownerReferences?.some((o) => jobUids.has(o.uid))) };
  }
}

function ownedBy(object: { metadata?: k8s.V1ObjectMeta } | undefined, uid: string): boolean {
  return object?.metadata?.ownerReferences?.some((o) => o.uid === uid) ?? false;
}

async function read<T>(call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

async function ignore404(call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/** Creates; false when the object exists already (a retry after a kill, or someone else's). */
export async function createUnlessExists(call: () => Promise<unknown>): Promise<boolean> {
  try {
    await call();
    return true;
  } catch (err) {
    if ((err as { code?: number }).code !== 409) throw err;
    return false;
  }
}
