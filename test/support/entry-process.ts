import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

export interface EntryResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface EntryOptions {
  /** Operator config (written to a file and passed with --config); omitted: `args` alone. */
  config?: Record<string, unknown>;
  /** Arguments after `dist/src/main.js`; default `run --config <the config file>`. */
  args?: string[];
  /** Environment besides PATH and the scratch HOME (KUBECONFIG, HYBRIDCLOUD_…). */
  env?: Record<string, string>;
  /** Options for `node` before the script. */
  nodeArgs?: string[];
}

/**
 * The built entry point (`node dist/src/main.js`) as a new user starts it: its own process, a
 * scratch HOME (no ~/.kube/config), and only the environment a test gives it.
 */
export class EntryProcess {
  readonly home = mkdtempSync(join(tmpdir(), 'hcpo-home-'));
  readonly child: ChildProcess;
  readonly result: Promise<EntryResult>;
  private out = '';
  private err = '';

  constructor(opts: EntryOptions = {}) {
    const configFile = join(this.home, 'config.yaml');
    if (opts.config) writeFileSync(configFile, stringify(opts.config));
    const args = opts.args ?? ['run', '--config', configFile];
    this.child = spawn(process.execPath, [...(opts.nodeArgs ?? []), 'dist/src/main.js', ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: this.home, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (chunk: Buffer) => (this.out += chunk.toString('utf8')));
    this.child.stderr?.on('data', (chunk: Buffer) => (this.err += chunk.toString('utf8')));
    this.result = new Promise((resolve) => this.child.once('close', (code) => resolve({ code, stdout: this.out, stderr: this.err })));
  }

  /** Output so far, both streams. */
  get output(): string {
    return this.out + this.err;
  }

  async stop(): Promise<EntryResult> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    const result = await this.result;
    rmSync(this.home, { recursive: true, force: true });
    return result;
  }
}

/** Runs the entry point to its end (the start-up failures exit at once). */
export async function runEntry(opts: EntryOptions = {}): Promise<EntryResult & { home: string }> {
  const proc = new EntryProcess(opts);
  const result = await proc.result;
  await proc.stop();
  return { ...result, home: proc.home };
}
