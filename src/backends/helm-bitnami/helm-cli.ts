import { execa } from 'execa';
import { TemporaryError } from '../errors.js';
import { redact } from './redact.js';

/**
 * The `helm` command line, v3 (see `SUPPORTED_HELM_MAJOR`): run without a shell (arguments are
 * an array, values go through stdin as JSON, which is valid YAML), bounded by a timeout, with
 * secrets removed from every message it produces.
 */
export const SUPPORTED_HELM_MAJOR = 3;

export interface HelmCliOptions {
  /** The helm executable: a name looked up on PATH, or a path. */
  binary: string;
  /** Upper bound of one helm call; the process is terminated after it. */
  timeoutSeconds: number;
  /** Environment for helm on top of the operator's own (HELM_CACHE_HOME, KUBECONFIG, PATH…). */
  env?: Record<string, string | undefined>;
  /** A kubeconfig file; without it helm uses KUBECONFIG, ~/.kube/config or the in-cluster account. */
  kubeconfig?: string;
}

export type HelmFailure = 'missing-binary' | 'timeout' | 'not-found' | 'failed';

/** A helm call that failed: retried with backoff (a `TemporaryError`); the message is redacted. */
export class HelmError extends TemporaryError {
  readonly failure: HelmFailure;
  readonly exitCode?: number;
  constructor(message: string, failure: HelmFailure, exitCode?: number) {
    super(message);
    this.name = 'HelmError';
    this.failure = failure;
    this.exitCode = exitCode;
  }
}

export interface RunOptions {
  /** Written to helm's stdin (the values, for `--values -`). */
  input?: string;
  /** Strings to remove from error messages (passwords the operator knows about). */
  secrets?: readonly string[];
}

/** One line of `helm history -o json`. */
export interface HelmRevision {
  revision: number;
  /** When this revision was written (RFC 3339). */
  updated: string;
  /** deployed, failed, pending-install, pending-upgrade, pending-rollback, uninstalling, superseded… */
  status: string;
  /** `<chart name>-<chart version>`, e.g. `postgresql-17.1.0`. */
  chart: string;
  app_version?: string;
  /** Helm's own summary, e.g. "Install complete" or the error of a failed upgrade. */
  description?: string;
}

export interface UpgradeRequest {
  release: string;
  namespace: string;
  /** The chart argument and the flags locating it (see `chartSource`). */
  chartArgs: string[];
  values: Record<string, unknown>;
}

const RELEASE_NOT_FOUND = /release: not found|release not found/i;

export class HelmCli {
  constructor(private readonly opts: HelmCliOptions) {}

  /**
   * `helm upgrade --install`, without `--wait`: helm returns once the objects are written, and the
   * reconcile watches the StatefulSet instead. `--reset-values`: the given values are the complete
   * desired configuration, whatever an earlier revision had.
   */
  async upgradeInstall(req: UpgradeRequest, secrets: readonly string[] = []): Promise<void> {
    await this.run(
      [
        'upgrade', req.release, ...req.chartArgs,
        '--install',
        '--namespace', req.namespace,
        '--values', '-',
        '--reset-values',
        '--timeout', `${this.opts.timeoutSeconds}s`,
      ],
      { input: JSON.stringify(req.values), secrets },
    );
  }

  /** The newest revision of a release, or undefined when there is no such release. */
  async latestRevision(release: string, namespace: string): Promise<HelmRevision | undefined> {
    try {
      const out = await this.run(['history', release, '--namespace', namespace, '--max', '1', '--output', 'json']);
      const list = parseJson(out, 'helm history') as HelmRevision[];
      return Array.isArray(list) ? list[list.length - 1] : undefined;
    } catch (err) {
      if (err instanceof HelmError && err.failure === 'not-found') return undefined;
      throw err;
    }
  }

  /** Every revision of a release, oldest first (helm keeps the last `--history-max`, 10 by default). */
  async history(release: string, namespace: string): Promise<HelmRevision[]> {
    const out = await this.run(['history', release, '--namespace', namespace, '--output', 'json']);
    const list = parseJson(out, 'helm history');
    return Array.isArray(list) ? (list as HelmRevision[]) : [];
  }

  /** `helm rollback` to `revision`, without `--wait` (readiness comes from the StatefulSet). */
  async rollback(release: string, namespace: string, revision: number): Promise<void> {
    await this.run(['rollback', release, String(revision), '--namespace', namespace, '--timeout', `${this.opts.timeoutSeconds}s`]);
  }

  /** The values the release was given (`helm get values`), `{}` when none. */
  async getValues(release: string, namespace: string): Promise<Record<string, unknown>> {
    const out = await this.run(['get', 'values', release, '--namespace', namespace, '--output', 'json']);
    const values = parseJson(out, 'helm get values');
    return typeof values === 'object' && values !== null && !Array.isArray(values) ? (values as Record<string, unknown>) : {};
  }

  /** Uninstalls a release; `false` when it did not exist (already gone). */
  async uninstall(release: string, namespace: string): Promise<boolean> {
    try {
      await this.run(['uninstall', release, '--namespace', namespace, '--timeout', `${this.opts.timeoutSeconds}s`]);
      return true;
    } catch (err) {
      if (err instanceof HelmError && err.failure === 'not-found') return false;
      throw err;
    }
  }

  /** Runs helm with `args` and returns its stdout; any failure is a `HelmError`. */
  async run(args: string[], opts: RunOptions = {}): Promise<string> {
    const fullArgs = this.opts.kubeconfig ? [...args, '--kubeconfig', this.opts.kubeconfig] : args;
    const what = `helm ${args.slice(0, args[0] === 'get' ? 2 : 1).join(' ')}`;
    const result = await execa(this.opts.binary, fullArgs, {
      input: opts.input ?? '',
      env: this.opts.env,
      extendEnv: true,
      timeout: this.opts.timeoutSeconds * 1000,
      forceKillAfterDelay: 5000,
      reject: false,
      shell: false,
      stripFinalNewline: true,
      maxBuffer: 64 * 1024 * 1024,
    });
    if (!result.failed) return String(result.stdout);
    throw this.failure(what, result, opts.secrets ?? []);
  }

  /** Turns a failed run into a HelmError that says what went wrong, without secrets. */
  private failure(what: string, result: FailedRun, secrets: readonly string[]): HelmError {
    const binary = this.opts.binary;
    if (result.code === 'ENOENT') return new HelmError(`${what}: the helm binary "${binary}" was not found (set backends.helmbitnami.helm_binary)`, 'missing-binary');
    if (result.code === 'EACCES') return new HelmError(`${what}: the helm binary "${binary}" is not executable`, 'missing-binary');
    if (result.timedOut) return new HelmError(`${what} did not finish within ${this.opts.timeoutSeconds} s and was stopped`, 'timeout');
    const output = String(result.stderr ?? '').trim() || String(result.stdout ?? '').trim();
    const detail = redact(output || result.shortMessage || `exit code ${result.exitCode}`, secrets);
    return new HelmError(`${what} failed: ${detail}`, RELEASE_NOT_FOUND.test(detail) ? 'not-found' : 'failed', result.exitCode);
  }
}

/** The parts of execa's result a failure is described from. */
interface FailedRun {
  code?: string;
  timedOut: boolean;
  exitCode?: number;
  stderr?: unknown;
  stdout?: unknown;
  shortMessage?: string;
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text.trim() || 'null');
  } catch {
    throw new HelmError(`${what} printed something that is not JSON: ${redact(text.slice(0, 200))}`, 'failed');
  }
}
