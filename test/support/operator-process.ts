import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { productionNodeArgs, productionRuntimeEnv } from './production-runtime.js';

/**
 * The operator as production runs it: `node [the image's options] dist/src/main.js run --config
 * FILE` in its own process (built by `npm run build`, which `npm test` runs first), so a test can
 * SIGKILL it at any moment.
 */
export class OperatorProcess {
  private child?: ChildProcess;
  private readonly dir = mkdtempSync(join(tmpdir(), 'hcpo-proc-'));
  readonly output: string[] = [];

  constructor(
    private readonly kc: KubeConfig,
    private readonly config: Record<string, unknown>,
    private readonly env: Record<string, string> = {},
    /** Options for `node` before the script, in place of the image's ENTRYPOINT ones (benchmarks comparing V8 flags). */
    private readonly nodeArgs: string[] = productionNodeArgs(),
  ) {}

  start(): void {
    const kubeconfig = join(this.dir, 'kubeconfig');
    const configFile = join(this.dir, 'config.yaml');
    writeFileSync(kubeconfig, this.kc.exportConfig());
    writeFileSync(configFile, stringify(this.config));
    // The image's node options, NODE_OPTIONS and malloc settings, so measurements match production.
    this.child = spawn(process.execPath, [...this.nodeArgs, 'dist/src/main.js', 'run', '--config', configFile], {
      env: { PATH: process.env.PATH ?? '', ...productionRuntimeEnv(), KUBECONFIG: kubeconfig, LOG_LEVEL: 'debug', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const collect = (chunk: Buffer) => this.output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    this.child.stdout?.on('data', collect);
    this.child.stderr?.on('data', collect);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Ends the process with a signal and waits for it to be gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill(signal);
    return exited;
  }

  async exited(): Promise<number | null> {
    const child = this.child;
    if (!child) return null;
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
