import type * as k8s from '@kubernetes/client-node';
import type { BackupStatus, ServerSpec } from '../../api/types.js';
import type { BackupSection } from '../../config/sections/backup.js';
import { parseBackupReport } from './backup-script.js';

/** Where backups run when neither the config nor a maintenance window says: 02:00 UTC. */
export const DEFAULT_SCHEDULE = '0 2 * * *';

/** What the backups of one server should be (ADR 0020); `undefined` = no backups. */
export interface BackupPlan {
  schedule: string;
  retentionDays: number;
}

/**
 * The server's backup plan: on unless the config turns backups off or the spec asks for 0 days;
 * `spec.backup.retentionDays` else the config's days; the config's schedule, else daily at the
 * start of the server's maintenance window, else 02:00 UTC.
 */
export function backupPlan(spec: ServerSpec, section: BackupSection): BackupPlan | undefined {
  const days = spec.backup?.retentionDays ?? section.retention_days;
  if (!section.enabled || days === 0) return undefined;
  return { schedule: section.schedule || windowSchedule(spec) || DEFAULT_SCHEDULE, retentionDays: days };
}

function windowSchedule(spec: ServerSpec): string | undefined {
  const start = spec.maintenance?.window?.starttime;
  const m = start ? /^(\d{1,2}):(\d{2})$/.exec(start) : null;
  return m ? `${Number(m[2])} ${Number(m[1])} * * *` : undefined;
}

/**
 * The backup status from the backup Jobs the CronJob left (its history limits keep the last few)
 * and the pods of the newest successful and newest failed one (their termination messages: the
 * report of a successful run, the log tail of a failed one). Pure; the caller lists both.
 */
export function backupStatus(plan: BackupPlan, jobs: k8s.V1Job[], pods: k8s.V1Pod[]): BackupStatus {
  const status: BackupStatus = { schedule: plan.schedule, retentionDays: plan.retentionDays };
  const { succeeded, failed } = newestFinished(jobs);
  const report = succeeded && parseBackupReport(terminationMessage(pods, jobName(succeeded)));
  if (succeeded && report) {
    status.lastSuccessful = { name: report.backup, time: finishedAt(succeeded) ?? '', sizeBytes: report.sizeBytes };
    status.backups = report.backups;
  }
  if (failed && (!succeeded || (finishedAt(failed) ?? '') > (finishedAt(succeeded) ?? ''))) status.lastFailure = failure(failed, pods);
  return status;
}

/** Why a Job failed: the end of its log (the termination message), else Kubernetes' reason. */
function failure(job: k8s.V1Job, pods: k8s.V1Pod[]): NonNullable<BackupStatus['lastFailure']> {
  const reason = job.status?.conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
  const log = lastLines(terminationMessage(pods, jobName(job)));
  return { job: jobName(job), time: finishedAt(job) ?? '', message: log || reason?.message || reason?.reason || 'the backup job failed' };
}

/** The last three lines of a log, on one line. */
export function lastLines(text: string | undefined): string {
  return (text ?? '').trim().split('\n').slice(-3).join(' | ');
}

/** The newest Job that completed and the newest that failed (by when they finished). */
export function newestFinished(jobs: k8s.V1Job[]): { succeeded?: k8s.V1Job; failed?: k8s.V1Job } {
  const byTime = [...jobs].sort((a, b) => (finishedAt(b) ?? '').localeCompare(finishedAt(a) ?? ''));
  return { succeeded: byTime.find((j) => jobCondition(j, 'Complete')), failed: byTime.find((j) => jobCondition(j, 'Failed')) };
}

export function jobCondition(job: k8s.V1Job, type: 'Complete' | 'Failed'): boolean {
  return job.status?.conditions?.some((c) => c.type === type && c.status === 'True') ?? false;
}

const jobName = (job: k8s.V1Job): string => job.metadata?.name ?? '';

/** RFC 3339 time the Job finished (completionTime, else its condition's transition). */
function finishedAt(job: k8s.V1Job): string | undefined {
  const done = job.status?.conditions?.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
  return toIso(job.status?.completionTime) ?? toIso(done?.lastTransitionTime) ?? toIso(job.status?.startTime);
}

function toIso(t: Date | string | undefined): string | undefined {
  if (!t) return undefined;
  return typeof t === 'string' ? t : t.toISOString();
}

/**
 * The last terminated container's message among the Job's pods (`job-name` label), newest pod
 * first; else that of a failed init container (an S3 backup's dump, ADR 0023, runs as one: when it
 * fails, the uploader never starts).
 */
export function terminationMessage(pods: k8s.V1Pod[], job: string): string | undefined {
  const own = pods.filter((p) => p.metadata?.labels?.['job-name'] === job);
  own.sort((a, b) => (toIso(b.metadata?.creationTimestamp) ?? '').localeCompare(toIso(a.metadata?.creationTimestamp) ?? ''));
  for (const pod of own) {
    const message = pod.status?.containerStatuses?.map((c) => c.state?.terminated?.message).find(Boolean);
    if (message) return message;
    const init = pod.status?.initContainerStatuses?.find((c) => c.state?.terminated && c.state.terminated.exitCode !== 0)?.state?.terminated?.message;
    if (init) return init;
  }
  return undefined;
}
