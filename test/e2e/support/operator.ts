import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { loadConfig } from '../../../src/config/load.js';
import { OperatorProcess } from '../../support/operator-process.js';
import { POSTGRES_MAJOR, type InClusterBackend } from './settings.js';

const ENTRY = 'dist/src/main.js';
const GRACEFUL_STOP_MS = 30_000;

export interface E2eConfigInput {
  namespace: string;
  /** More namespaces the operator watches (team namespaces of the shared-server scenario). */
  extraNamespaces?: string[];
  /** `backends.statefulset.operator_endpoint`; '' = the Service's cluster DNS name. */
  operatorEndpoint: string;
  storageClass: string;
  postgresRepository: string;
  httpPort: number;
  /** The backend of servers that name none (default statefulset). */
  backend?: InClusterBackend;
  /** For the helmbitnami backend: the helm executable and the Bitnami image. */
  helm?: { binary: string; image: { registry: string; repository: string } };
  /** Top-level config sections a scenario sets on top (e.g. `tls` with a cert-manager issuer). */
  extra?: Record<string, unknown>;
}

/**
 * The operator's configuration in the scenarios: the statefulset backend (or helmbitnami), watching only the test
 * namespace (an operator already installed in the cluster should be told to leave `hcpo-e2e-*`
 * alone), no leader election (one process at a time; a SIGKILLed leader would otherwise hold the
 * Lease until it expires), small pods, a storage limit for the bad-input scenario.
 */
export function e2eOperatorConfig(input: E2eConfigInput): Record<string, unknown> {
  const classes = { small: { cpu: '100m', memory: '256Mi' }, large: { cpu: '250m', memory: '512Mi' } };
  const backend = input.backend ?? 'statefulset';
  return {
    backend,
    allowed_backends: [],
    handler_on_resume: false,
    watch_namespaces: [input.namespace, ...(input.extraNamespaces ?? [])],
    http_port: input.httpPort,
    leader_election: { enabled: false },
    security: { password_length: 24 },
    reconcile: { resync_seconds: 30, concurrency: 4, backoff_base_seconds: 1, backoff_max_seconds: 15 },
    backends: {
      statefulset: {
        classes,
        default_class: 'small',
        storage_limit_gb: 100,
        storage_class: input.storageClass,
        image: { repository: input.postgresRepository, tags: { [POSTGRES_MAJOR]: POSTGRES_MAJOR } },
        operator_endpoint: input.operatorEndpoint,
      },
      // Only when it is the backend: a tester without helm still runs the statefulset scenarios.
      ...(backend === 'helmbitnami' ? { helmbitnami: helmSection(input, classes) } : {}),
    },
    ...input.extra,
  };
}

/** The Bitnami chart from its default OCI reference at the version the operator pins, the image override Bitnami users need since 2025. */
function helmSection(input: E2eConfigInput, classes: Record<string, { cpu: string; memory: string }>): Record<string, unknown> {
  if (!input.helm) throw new Error('the helmbitnami backend needs the helm settings');
  return {
    classes,
    default_class: 'small',
    storage_class: input.storageClass,
    operator_endpoint: input.operatorEndpoint,
    helm_binary: input.helm.binary,
    extra_values: { image: input.helm.image, global: { security: { allowInsecureImages: true } } },
  };
}

/** Checks a config with the operator's own loader, so a schema mismatch fails at once and clearly. */
export function validateConfig(config: Record<string, unknown>): void {
  const dir = mkdtempSync(join(tmpdir(), 'hcpo-e2e-config-'));
  try {
    const file = join(dir, 'config.yaml');
    writeFileSync(file, stringify(config));
    loadConfig({ file, env: {} });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The tester's environment for the operator process: exec credential plugins (aws, gcloud,
 * kubelogin) need their variables and PATH; the operator's own settings come only from the file.
 */
function operatorEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || k.startsWith('HYBRIDCLOUD_') || k.startsWith('E2E_') || ['OPERATOR_CONFIG', 'POD_NAME', 'POD_NAMESPACE'].includes(k)) continue;
    env[k] = v;
  }
  env.LOG_LEVEL = 'debug';
  return env;
}

/**
 * The built operator, run as production runs it (`node dist/src/main.js run --config FILE`)
 * against the tester's KUBECONFIG. Restartable; every run's output is kept for the log file.
 */
export class E2eOperator {
  private current?: OperatorProcess;
  private running = false;
  private unexpectedExit?: string;
  private readonly runs: OperatorProcess[] = [];

  constructor(
    private readonly kc: KubeConfig,
    private readonly config: Record<string, unknown>,
  ) {}

  /** Changes the config the next `start` runs with (e.g. the platform team removes a class). */
  reconfigure(change: (config: Record<string, unknown>) => void): void {
    if (this.running) throw new Error('stop the operator before changing its config');
    change(this.config);
  }

  /** Stops the operator (when it runs), changes its config and starts it again, as a config rollout does. */
  async restartWith(change: (config: Record<string, unknown>) => void): Promise<void> {
    await this.stop();
    this.reconfigure(change);
    this.start();
  }

  start(): void {
    if (this.running) throw new Error('operator already running');
    if (!existsSync(ENTRY)) throw new Error(`${ENTRY} is missing: run \`npm run build\` (or unset E2E_SKIP_BUILD)`);
    const proc = new OperatorProcess(this.kc, this.config, operatorEnv());
    proc.start();
    this.current = proc;
    this.runs.push(proc);
    this.running = true;
    this.unexpectedExit = undefined;
    void proc.exited().then((code) => {
      if (this.current === proc && this.running) {
        this.running = false;
        this.unexpectedExit = `the operator exited with code ${code}; its last lines:\n${this.tail(proc)}`;
      }
    });
  }

  /** Set when the process ended without being asked to: waiting for it to reconcile is pointless. */
  get crashed(): string | undefined {
    return this.unexpectedExit;
  }

  get alive(): boolean {
    return this.running;
  }

  /** SIGKILL: no shutdown code runs, as when a node dies or the OOM killer strikes. */
  async kill(): Promise<void> {
    const proc = this.current;
    this.running = false;
    await proc?.kill('SIGKILL');
  }

  /** SIGTERM and the graceful shutdown; SIGKILL if it takes too long. */
  async stop(): Promise<void> {
    const proc = this.current;
    if (!proc || !this.running) return;
    this.running = false;
    const stopped = await Promise.race([proc.kill('SIGTERM').then(() => true), new Promise<false>((r) => setTimeout(() => r(false), GRACEFUL_STOP_MS).unref())]);
    if (!stopped) await proc.kill('SIGKILL');
  }

  tail(proc = this.current, lines = 30): string {
    return (proc?.output ?? []).slice(-lines).join('\n');
  }

  /** Every run's output, one after another (for the log file a failed run leaves behind). */
  fullLog(): string {
    return this.runs.map((p, i) => `----- operator run ${i + 1} (pid ${p.pid ?? '?'}) -----\n${p.output.join('\n')}`).join('\n');
  }

  cleanup(): void {
    for (const p of this.runs) p.cleanup();
  }
}
