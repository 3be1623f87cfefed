import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { OperatorProcess } from '../../test/support/operator-process.js';
import { testConfig } from '../../test/support/operator-harness.js';
import type { BenchEnv } from './environment.js';
import { parsePrometheus, sumOf, type Sample } from './prometheus.js';
import { cpuSeconds, rssBytes, threadCpuSeconds, type ThreadCpu } from './proc-stats.js';
import { sleep, until } from './stats.js';

const PREFIX = 'hybridcloud_postgresql_operator_';

/** Operator processes still running, killed if the bench itself dies (Ctrl-C, crash). */
const live = new Set<BenchOperator>();
let exitHook = false;

function installExitHook(): void {
  if (exitHook) return;
  exitHook = true;
  process.once('exit', () => {
    for (const op of live) {
      if (op.proc.pid !== undefined) {
        try {
          process.kill(op.proc.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  });
}

export interface OperatorSettings {
  concurrency: number;
  resyncSeconds: number;
  handlerOnResume?: boolean;
  runtime: OperatorRuntime;
}

/** How the bench starts operator processes when a run looks into something (all unset: as the image runs it). */
export interface OperatorRuntime {
  /** NODE_OPTIONS in place of the image's (e.g. V8 heap flags to compare memory). */
  nodeOptions?: string;
  /** Options for `node` in place of the image's ENTRYPOINT ones (e.g. without `--expose-gc`, or with `--trace-gc`). */
  nodeArgs?: string[];
  /** Each operator process's output is written here when it stops (`operator-<pid>.log`). */
  logDir?: string;
}

/** Counters read from the operator's /metrics. */
export interface OperatorCounters {
  reconciles: number;
  databaseReconciles: number;
  serverReconciles: number;
  reconcileErrors: number;
  backendCalls: number;
  databaseObjects: number;
  /** Seconds spent inside database reconciles (sum of the duration histogram). */
  databaseReconcileSeconds: number;
  /** Drift checks run (one catalogue query per server each). */
  driftChecks: number;
}

/**
 * The operator as production runs it (`node [the image's options] dist/src/main.js run --config
 * FILE`, its own process, log level info, leader election off as for a single replica), plus what
 * the bench reads from outside: /readyz, /metrics and /proc.
 */
export class BenchOperator {
  private constructor(
    readonly proc: OperatorProcess,
    readonly port: number,
    readonly spawnedAt: number,
    private readonly logDir?: string,
  ) {}

  static async start(env: BenchEnv, s: OperatorSettings): Promise<BenchOperator> {
    const port = await freePort();
    const config = testConfig(env.pg.port, {
      http_port: port,
      log_level: 'info',
      handler_on_resume: s.handlerOnResume ?? false,
      // Production defaults for retries; only resync and concurrency are the bench's choice.
      reconcile: { resync_seconds: s.resyncSeconds, concurrency: s.concurrency, backoff_base_seconds: 2, backoff_max_seconds: 300 },
    });
    const { nodeOptions, nodeArgs } = s.runtime;
    const proc = new OperatorProcess(env.kc, config, { LOG_LEVEL: 'info', ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}) }, nodeArgs);
    const spawnedAt = performance.now();
    proc.start();
    const operator = new BenchOperator(proc, port, spawnedAt, s.runtime.logDir);
    live.add(operator);
    installExitHook();
    return operator;
  }

  get pid(): number {
    const pid = this.proc.pid;
    if (pid === undefined) throw new Error('operator process not started');
    return pid;
  }

  /**
   * Waits until the operator logged "caches synced" (every informer has listed) and /readyz
   * answers 200; returns milliseconds since the process was spawned for each. They differ when
   * readiness does not wait for the lists.
   */
  async waitSynced(timeoutMs = 120_000): Promise<{ syncedMs: number; readyzMs: number }> {
    let syncedMs: number | undefined;
    let readyzMs: number | undefined;
    await until(
      async () => {
        this.assertAlive();
        if (syncedMs === undefined && this.proc.output.some((l) => l.includes('"caches synced"'))) syncedMs = performance.now() - this.spawnedAt;
        if (readyzMs === undefined) {
          const res = await fetch(`http://127.0.0.1:${this.port}/readyz`).catch(() => undefined);
          if (res?.status === 200) readyzMs = performance.now() - this.spawnedAt;
        }
        return syncedMs !== undefined && readyzMs !== undefined;
      },
      timeoutMs,
      () => `operator "caches synced" and /readyz; last output:\n${this.proc.output.slice(-10).join('\n')}`,
      10,
    );
    return { syncedMs: syncedMs as number, readyzMs: readyzMs as number };
  }

  async samples(): Promise<Sample[]> {
    const res = await fetch(`http://127.0.0.1:${this.port}/metrics`);
    return parsePrometheus(await res.text());
  }

  async counters(): Promise<OperatorCounters> {
    const s = await this.samples();
    const reconciles = `${PREFIX}reconciles_total`;
    return {
      reconciles: sumOf(s, reconciles),
      databaseReconciles: sumOf(s, reconciles, { kind: 'PostgreSQLDatabase' }),
      serverReconciles: sumOf(s, reconciles, { kind: 'PostgreSQLServer' }),
      reconcileErrors: sumOf(s, reconciles, { result: 'error' }),
      backendCalls: sumOf(s, `${PREFIX}backend_calls_total`),
      databaseObjects: sumOf(s, `${PREFIX}objects`, { kind: 'PostgreSQLDatabase' }),
      databaseReconcileSeconds: sumOf(s, `${PREFIX}reconcile_duration_seconds_sum`, { kind: 'PostgreSQLDatabase' }),
      driftChecks: sumOf(s, `${PREFIX}drift_checks_total`),
    };
  }

  /** Waits until the reconciles counter stops moving for `quietMs` (the queue has drained). */
  async waitQuiet(quietMs = 2000, timeoutMs = 300_000): Promise<void> {
    let last = -1;
    let since = Date.now();
    await until(
      async () => {
        const now = (await this.counters()).reconciles;
        if (now !== last) {
          last = now;
          since = Date.now();
        }
        return Date.now() - since >= quietMs;
      },
      timeoutMs,
      () => 'the operator to go quiet',
      250,
    );
  }

  cpuSeconds(): number {
    return cpuSeconds(this.pid);
  }

  threadCpuSeconds(): ThreadCpu {
    return threadCpuSeconds(this.pid);
  }

  rssBytes(): number {
    return rssBytes(this.pid);
  }

  /** Highest RSS over a few samples (RSS moves with GC; a single reading can be low by chance). */
  async peakRss(samples = 6, intervalMs = 500): Promise<number> {
    let peak = 0;
    for (let i = 0; i < samples; i++) {
      peak = Math.max(peak, this.rssBytes());
      await sleep(intervalMs);
    }
    return peak;
  }

  warnCount(): number {
    return this.proc.output.filter((l) => /"level":(40|"warn")/.test(l)).length;
  }

  /** Warnings and errors grouped by message (first 120 characters), most frequent first. */
  problems(): Record<string, number> {
    const counts = new Map<string, number>();
    for (const line of this.proc.output) {
      if (!/"level":(40|50|60|"warn"|"error"|"fatal")/.test(line)) continue;
      let key = line.slice(0, 120);
      try {
        const entry = JSON.parse(line) as { msg?: string; err?: unknown };
        const err = typeof entry.err === 'string' ? entry.err : (entry.err as { message?: string } | undefined)?.message;
        key = `${entry.msg ?? ''}${err ? `: ${err}` : ''}`.replace(/\b[a-z]+[-_]\d{3,}\b/g, '<name>').slice(0, 120);
      } catch {
        // not JSON: keep the raw line
      }
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return Object.fromEntries([...counts].sort(([, a], [, b]) => b - a));
  }

  errorLines(): string[] {
    return this.proc.output.filter((l) => /"level":(50|60)|"level":"(error|fatal)"/.test(l));
  }

  /** SIGTERM (graceful), then the process directory is removed; with a log directory, the output is written there. */
  async stop(): Promise<void> {
    const pid = this.proc.pid;
    await this.proc.kill('SIGTERM');
    live.delete(this);
    this.proc.cleanup();
    // Last, so that a log directory that cannot be written leaves nothing else undone.
    if (this.logDir) {
      mkdirSync(this.logDir, { recursive: true });
      writeFileSync(join(this.logDir, `operator-${pid ?? 'unstarted'}.log`), `${this.proc.output.join('\n')}\n`);
    }
  }

  private assertAlive(): void {
    if (this.proc.pid === undefined) throw new Error('operator not started');
    try {
      process.kill(this.proc.pid, 0);
    } catch {
      throw new Error(`operator exited; last output:\n${this.proc.output.slice(-20).join('\n')}`);
    }
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}
