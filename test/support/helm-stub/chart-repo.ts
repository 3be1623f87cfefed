/**
 * A classic Helm chart repository on loopback: local charts packaged with the real helm
 * (`helm package`, `helm repo index`) and served over HTTP, so `--repo <url> --version <v>` picks
 * one of several chart versions exactly as against a real repository (or a mirror of Bitnami's).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

export interface ChartRepo {
  /** The repository URL for `--repo` (the config's `chart`). */
  url: string;
  close(): Promise<void>;
}

/** Packages each chart folder (its Chart.yaml names the version) and serves them with an index. */
export async function startChartRepo(helm: string, charts: string[], env: Record<string, string> = {}): Promise<ChartRepo> {
  const dir = mkdtempSync(join(tmpdir(), 'chart-repo-'));
  const server = createServer((req, res) => {
    // Only the files of the repository folder itself: the index and the packaged charts.
    const file = basename(decodeURIComponent(new URL(req.url ?? '/', 'http://repo').pathname));
    try {
      const body = readFileSync(join(dir, file));
      res.writeHead(200, { 'content-type': file.endsWith('.yaml') ? 'text/yaml' : 'application/gzip' }).end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const run = (args: string[]) => execFileSync(helm, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const chart of charts) run(['package', chart, '--destination', dir]);
  run(['repo', 'index', dir, '--url', url]);
  return {
    url,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
