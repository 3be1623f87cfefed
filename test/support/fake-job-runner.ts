/**
 * Plays the CronJob controller, the Job controller and the kubelet for the operator's backup and
 * restore Jobs (no cluster here): a Job is created from a CronJob's template as the CronJob
 * controller would; running a Job runs its container's command with `sh` on this machine (the
 * PostgreSQL client tools on PATH), its `PGHOST` mapped to a test PostgreSQL, its Secret
 * references resolved through the API, and its claims as local directories. Then, as the Job
 * controller and kubelet would, a pod with the `job-name` label and the container's termination
 * message (the file, or the log's end on failure: FallbackToLogsOnError), and the Job's
 * Complete or Failed condition through the status subresource.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as k8s from '@kubernetes/client-node';
import { mergePatchOptions } from '../../src/k8s/patch.js';
import type { KubeClients } from '../../src/k8s/clients.js';
import { findPostgresBinDir, type TestPostgres } from './postgres-server.js';

export class FakeJobRunner {
  private readonly scratch = mkdtempSync(join(tmpdir(), 'hcpo-jobs-'));
  private counter = 0;

  /** `hosts`: the PGHOST values (Service names) and the test servers that play them. */
  constructor(
    private readonly kube: KubeClients,
    private readonly hosts: Record<string, TestPostgres>,
  ) {}

  /** The local directory that plays a volume claim. */
  claimDir(claim: string): string {
    const dir = join(this.scratch, 'claims', claim);
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  /** A Job from the CronJob's template, owned by it, as the CronJob controller makes one. */
  async jobFromCronJob(namespace: string, cronJobName: string): Promise<k8s.V1Job> {
    const cron = await this.kube.batch.readNamespacedCronJob({ name: cronJobName, namespace });
    const name = `${cronJobName}-${29_000_000 + this.counter++}`;
    const template = cron.spec!.jobTemplate;
    const body: k8s.V1Job = {
      metadata: {
        name,
        namespace,
        labels: template.metadata?.labels,
        ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: cronJobName, uid: cron.metadata!.uid!, controller: true, blockOwnerDeletion: true }],
      },
      spec: template.spec,
    };
    return this.kube.batch.createNamespacedJob({ namespace, body });
  }

  /** Runs the Job's pod once and records the outcome; returns the container's exit code. */
  async run(job: k8s.V1Job, overrideEnv: Record<string, string> = {}): Promise<number> {
    const namespace = job.metadata!.namespace!;
    const spec = job.spec!.template.spec!;
    const container = spec.containers[0]!;
    const env = await this.environment(namespace, spec, container);
    const terminationLog = join(this.scratch, `termination-${this.counter++}`);
    const result = await new Promise<{ code: number; output: string }>((resolve) => {
      const [shell, flag, script] = container.command!;
      execFile(shell!, [flag!, script!], { env: { ...env, TERMINATION_LOG: terminationLog, ...overrideEnv } }, (err, stdout, stderr) => {
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` });
      });
    });
    let message = readIfThere(terminationLog);
    if (!message && container.terminationMessagePolicy === 'FallbackToLogsOnError' && result.code !== 0) message = result.output.split('\n').slice(-80).join('\n');
    await this.recordPod(job, container.name, result.code, message);
    await this.finish(job, result.code === 0);
    return result.code;
  }

  cleanup(): void {
    rmSync(this.scratch, { recursive: true, force: true });
  }

  private async environment(namespace: string, spec: k8s.V1PodSpec, container: k8s.V1Container): Promise<Record<string, string>> {
    const env: Record<string, string> = { PATH: `${findPostgresBinDir()}:${process.env.PATH ?? ''}` };
    for (const e of container.env ?? []) {
      const ref = e.valueFrom?.secretKeyRef;
      if (ref) {
        const secret = await this.kube.core.readNamespacedSecret({ name: ref.name!, namespace });
        env[e.name] = Buffer.from(secret.data?.[ref.key] ?? '', 'base64').toString('utf8');
      } else env[e.name] = e.value ?? '';
    }
    const server = this.hosts[env.PGHOST ?? ''];
    if (!server) throw new Error(`no test PostgreSQL plays ${env.PGHOST}`);
    env.PGHOST = server.host;
    env.PGPORT = String(server.port);
    const claim = this.claimAt(spec, container, env.BACKUP_DIR);
    if (claim) env.BACKUP_DIR = this.claimDir(claim);
    return env;
  }

  /** The claim of the volume mounted at `path`. */
  private claimAt(spec: k8s.V1PodSpec, container: k8s.V1Container, path: string | undefined): string | undefined {
    const mount = container.volumeMounts?.find((m) => m.mountPath === path);
    return spec.volumes?.find((v) => v.name === mount?.name)?.persistentVolumeClaim?.claimName;
  }

  private async recordPod(job: k8s.V1Job, container: string, exitCode: number, message: string): Promise<void> {
    const namespace = job.metadata!.namespace!;
    const name = `${job.metadata!.name}-${Math.random().toString(36).slice(2, 7)}`;
    const template = job.spec!.template;
    await this.kube.core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name, namespace, labels: template.metadata?.labels, ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: job.metadata!.name!, uid: job.metadata!.uid!, controller: true, blockOwnerDeletion: true }] },
        spec: template.spec!,
      },
    });
    const now = new Date();
    await this.kube.core.patchNamespacedPodStatus(
      {
        name,
        namespace,
        body: { status: { phase: exitCode === 0 ? 'Succeeded' : 'Failed', containerStatuses: [{ name: container, image: '', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode, message, finishedAt: now } } }] } },
      },
      mergePatchOptions(),
    );
  }

  private async finish(job: k8s.V1Job, succeeded: boolean): Promise<void> {
    const now = new Date();
    const condition = succeeded
      ? { type: 'Complete', status: 'True', lastTransitionTime: now, lastProbeTime: now }
      : { type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit', lastTransitionTime: now, lastProbeTime: now };
    const status: k8s.V1JobStatus = { startTime: now, conditions: [condition], ...(succeeded ? { succeeded: 1, completionTime: now } : { failed: 1 }) };
    await this.kube.batch.patchNamespacedJobStatus({ name: job.metadata!.name!, namespace: job.metadata!.namespace!, body: { status } }, mergePatchOptions());
  }
}

function readIfThere(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
