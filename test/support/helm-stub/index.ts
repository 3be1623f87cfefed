import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The recording `helm` stand-in: put `env` into the helm call's environment (PATH first). */
export interface HelmStub {
  /** Its state: releases, the call log, injected faults. */
  dir: string;
  /** The folder holding the `helm` executable. */
  binDir: string;
  /** PATH with `binDir` first, and HELM_STUB_DIR. */
  env: Record<string, string>;
  calls(): Promise<HelmCall[]>;
  release(namespace: string, name: string): Promise<StubRelease | undefined>;
  writeRelease(release: StubRelease): Promise<void>;
  fault(fault: StubFault): Promise<void>;
  /** From now on `upgrade`/`uninstall` write/delete the rendered objects there (needs `realHelm`). */
  connectApiServer(url: string): Promise<void>;
  cleanup(): Promise<void>;
}

export interface HelmCall {
  args: string[];
  stdin: string;
  env: Record<string, string>;
}

export interface StubRevision {
  revision: number;
  updated: string;
  status: string;
  chart: string;
  app_version: string;
  description: string;
  values: Record<string, unknown> | null;
}

export interface StubRelease {
  name: string;
  namespace: string;
  revisions: StubRevision[];
}

/** Makes the next call(s) of `command` (`upgrade`, `history`, `get`, `uninstall`…) fail or hang. */
export interface StubFault {
  command: string;
  /** Printed instead of the real answer (exit code 0 unless `exitCode`). */
  stdout?: string;
  stderr?: string;
  exitCode?: number;
  hangMs?: number;
  /** How many calls it hits (all when unset). */
  times?: number;
}

const script = join(dirname(fileURLToPath(import.meta.url)), 'helm-stub.ts');

export interface HelmStubOptions {
  /** A real helm binary, used for `helm template` when an API server is connected. */
  realHelm?: string;
  /** Environment baked into the executable (e.g. private HELM_CACHE_HOME for the real helm's repository downloads). */
  env?: Record<string, string>;
}

/**
 * A temporary folder with a `helm` executable that runs the stand-in. Its state folder (and the
 * real helm, if given) are baked into the executable, so it can also be configured as
 * `helm_binary` of an operator running in the test process.
 */
export async function createHelmStub(opts: HelmStubOptions = {}): Promise<HelmStub> {
  const dir = await mkdtemp(join(tmpdir(), 'helm-stub-'));
  const binDir = join(dir, 'bin');
  await mkdir(join(dir, 'releases'), { recursive: true });
  await mkdir(binDir);
  const helm = join(binDir, 'helm');
  // The node running the tests runs the stub (no PATH lookup); type stripping runs the .ts as is.
  const lines = [
    '#!/bin/sh',
    `export HELM_STUB_DIR="\${HELM_STUB_DIR:-${dir}}"`,
    ...(opts.realHelm ? [`export HELM_STUB_REAL_HELM="${opts.realHelm}"`] : []),
    ...Object.entries(opts.env ?? {}).map(([key, value]) => `export ${key}="${value}"`),
    `exec "${process.execPath}" --no-warnings "${script}" "$@"`,
  ];
  await writeFile(helm, `${lines.join('\n')}\n`);
  await chmod(helm, 0o755);
  const releaseFile = (namespace: string, name: string) => join(dir, 'releases', `${namespace}__${name}.json`);
  const faultsFile = join(dir, 'faults.json');
  return {
    dir,
    binDir,
    env: { PATH: `${binDir}${delimiter}${process.env.PATH ?? ''}`, HELM_STUB_DIR: dir },
    async calls() {
      const file = join(dir, 'calls.jsonl');
      if (!existsSync(file)) return [];
      const text = await readFile(file, 'utf8');
      return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as HelmCall);
    },
    async release(namespace, name) {
      const file = releaseFile(namespace, name);
      return existsSync(file) ? (JSON.parse(await readFile(file, 'utf8')) as StubRelease) : undefined;
    },
    async writeRelease(release) {
      await writeFile(releaseFile(release.namespace, release.name), JSON.stringify(release, null, 2));
    },
    async fault(fault) {
      const faults = existsSync(faultsFile) ? (JSON.parse(await readFile(faultsFile, 'utf8')) as StubFault[]) : [];
      faults.push(fault);
      await writeFile(faultsFile, JSON.stringify(faults));
    },
    async connectApiServer(url) {
      await writeFile(join(dir, 'apiserver-url'), url);
    },
    async cleanup() {
      await rm(dir, { recursive: true, force: true });
    },
  };
}
