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

/** The checkout whose build (`npm run build`) plays the operator image (jest runs from its root). */
const REPO_ROOT = process.cwd();

interface ContainerResult {
  name: string;
  code: number;
  message: string;
  output: string;
}

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

  /**
   * Runs the Job's pod once, as the kubelet does: its init containers in order (a failing one ends
   * the pod), then its container; records the outcome and returns the last exit code. A container
   * whose command is `node dist/src/main.js …` (the operator image's, for S3 backups) runs this
   * checkout's build; others run with `sh`. emptyDir volumes are directories of the pod.
   */
  async run(job: k8s.V1Job, overrideEnv: Record<string, string> = {}): Promise<number> {
    const namespace = job.metadata!.namespace!;
    const spec = job.spec!.template.spec!;
    const podDir = join(this.scratch, `pod-${this.counter++}`);
    const init: ContainerResult[] = [];
    for (const container of spec.initContainers ?? []) {
      const result = await this.runContainer(namespace, spec, container, podDir, overrideEnv);
      init.push(result);
      if (result.code !== 0) break;
    }
    const initFailed = init.some((r) => r.code !== 0);
    const main = initFailed ? undefined : await this.runContainer(namespace, spec, spec.containers[0]!, podDir, overrideEnv);
    const code = main?.code ?? init.at(-1)!.code;
    await this.recordPod(job, init, main);
    await this.finish(job, code === 0);
    return code;
  }

  private async runContainer(namespace: string, spec: k8s.V1PodSpec, container: k8s.V1Container, podDir: string, overrideEnv: Record<string, string>): Promise<ContainerResult> {
    const env = await this.environment(namespace, spec, container, podDir);
    const terminationLog = join(this.scratch, `termination-${this.counter++}`);
    const [command, ...args] = container.command!;
    const operatorCommand = command === 'node' && args[0] === 'dist/src/main.js';
    const file = operatorCommand ? process.execPath : command!;
    const result = await new Promise<{ code: number; output: string }>((resolve) => {
      execFile(file, args, { env: { ...env, TERMINATION_LOG: terminationLog, ...overrideEnv }, ...(operatorCommand ? { cwd: REPO_ROOT } : {}) }, (err, stdout, stderr) => {
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` });
      });
    });
    let message = readIfThere(terminationLog);
    if (!message && container.terminationMessagePolicy === 'FallbackToLogsOnError' && result.code !== 0) message = result.output.split('\n').slice(-80).join('\n');
    return { name: container.name, code: result.code, message, output: result.output };
  }

  cleanup(): void {
    rmSync(this.scratch, { recursive: true, force: true });
  }

  private async environment(namespace: string, spec: k8s.V1PodSpec, container: k8s.V1Container, podDir: string): Promise<Record<string, string>> {
    const env: Record<string, string> = { PATH: `${findPostgresBinDir()}:${process.env.PATH ?? ''}` };
    for (const e of container.env ?? []) {
      const ref = e.valueFrom?.secretKeyRef;
      if (ref) {
        const secret = await this.kube.core.readNamespacedSecret({ name: ref.name!, namespace });
        env[e.name] = Buffer.from(secret.data?.[ref.key] ?? '', 'base64').toString('utf8');
      } else env[e.name] = e.value ?? '';
    }
    if (env.PGHOST !== undefined) {
      const server = this.hosts[env.PGHOST];
      if (!server) throw new Error(`no test PostgreSQL plays ${env.PGHOST}`);
      env.PGHOST = server.host;
      env.PGPORT = String(server.port);
    }
    const dir = this.volumeAt(spec, container, env.BACKUP_DIR, podDir);
    if (dir) env.BACKUP_DIR = dir;
    return env;
  }

  /** The local directory of the volume mounted at `path`: a claim's, or the pod's own for an emptyDir. */
  private volumeAt(spec: k8s.V1PodSpec, container: k8s.V1Container, path: string | undefined, podDir: string): string | undefined {
    const mount = container.volumeMounts?.find((m) => m.mountPath === path);
    const volume = spec.volumes?.find((v) => v.name === mount?.name);
    if (volume?.persistentVolumeClaim) return this.claimDir(volume.persistentVolumeClaim.claimName);
    if (!volume?.emptyDir) return undefined;
    const dir = join(podDir, volume.name);
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  private async recordPod(job: k8s.V1Job, init: ContainerResult[], main: ContainerResult | undefined): Promise<void> {
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
    const terminated = (r: ContainerResult): k8s.V1ContainerStatus => ({ name: r.name, image: '', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: r.code, message: r.message, finishedAt: now } } });
    // A pod whose init container failed never started its container: it waits, PodInitializing.
    const mainStatus: k8s.V1ContainerStatus = main ? terminated(main) : { name: template.spec!.containers[0]!.name, image: '', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } };
    const failed = (main?.code ?? 1) !== 0;
    await this.kube.core.patchNamespacedPodStatus(
      {
        name,
        namespace,
        body: { status: { phase: failed ? 'Failed' : 'Succeeded', ...(init.length ? { initContainerStatuses: init.map(terminated) } : {}), containerStatuses: [mainStatus] } },
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
