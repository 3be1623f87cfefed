/**
 * Runs the container of a pod spec rendered by `helm template` on this machine, as the kubelet
 * would run it, with the PostgreSQL client tools on PATH: each volume is played by a local
 * directory (a Secret's keys, or its `items` only, as files; a claim or emptyDir empty), and a
 * path under a mount point — in the env values and in the `sh -c` script — is rewritten to that
 * directory. `PGHOST` keeps the rendered Service name (what `verify-full` checks the certificate
 * against) while `PGHOSTADDR` and `PGPORT` route to the test server, as the Service would.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as k8s from '@kubernetes/client-node';
import { findPostgresBinDir, type TestPostgres } from './postgres-server.js';

export interface RenderedRun {
  code: number;
  output: string;
  /** The local directory that played the volume of this name. */
  volumeDir(name: string): string;
  cleanup(): void;
}

/** `secrets`: the data of the Secrets the pod mounts, by Secret name. */
export async function runRenderedPod(pod: k8s.V1PodSpec, server: TestPostgres, secrets: Record<string, Record<string, string>>): Promise<RenderedRun> {
  const root = mkdtempSync(join(tmpdir(), 'hcpo-rendered-pod-'));
  const dirs = new Map<string, string>();
  for (const volume of pod.volumes ?? []) {
    const dir = join(root, volume.name);
    mkdirSync(dir);
    dirs.set(volume.name, dir);
    if (!volume.secret) continue;
    const data = secrets[volume.secret.secretName ?? ''];
    if (!data) throw new Error(`no data given for Secret ${volume.secret.secretName}`);
    const items = volume.secret.items ?? Object.keys(data).map((key) => ({ key, path: key }));
    for (const item of items) {
      if (!(item.key in data)) throw new Error(`Secret ${volume.secret.secretName} has no key ${item.key}: the pod would not start`);
      writeFileSync(join(dir, item.path), data[item.key]!);
    }
  }
  const container = pod.containers[0]!;
  // Longest mount point first: /tmp/certs before /tmp.
  const mounts = [...(container.volumeMounts ?? [])].sort((a, b) => b.mountPath.length - a.mountPath.length);
  const byPath = new Map(mounts.map((m) => [m.mountPath.replace(/\/$/, ''), dirs.get(m.name)!]));
  // One pass: a local directory (itself under /tmp) is never rewritten again.
  const pattern = new RegExp([...byPath.keys()].map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
  const local = (text: string) => (byPath.size ? text.replace(pattern, (p) => byPath.get(p)!) : text);
  const env: Record<string, string> = { PATH: `${findPostgresBinDir()}:${process.env.PATH ?? ''}` };
  for (const e of container.env ?? []) {
    if (e.valueFrom) throw new Error(`env ${e.name} from a reference: not played here`);
    env[e.name] = local(e.value ?? '');
  }
  Object.assign(env, { PGHOSTADDR: server.host, PGPORT: String(server.port), TERMINATION_LOG: join(root, 'termination-log') });
  const [shell, flag, script] = container.command!;
  const result = await new Promise<{ code: number; output: string }>((resolve) => {
    execFile(shell === '/bin/bash' ? 'bash' : 'sh', [flag!, local(script!)], { env }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` });
    });
  });
  return { ...result, volumeDir: (name) => dirs.get(name)!, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}
