import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** The real helm v3 binary: `HELM_BIN`, else `.tools/helm` (from scripts/fetch-helm.sh). */
export function helmBinary(): string {
  const bin = process.env.HELM_BIN ?? resolve('.tools/helm');
  if (!existsSync(bin)) throw new Error(`helm binary not found at ${bin}: run scripts/fetch-helm.sh or set HELM_BIN`);
  return bin;
}

export interface RenderedObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  [key: string]: unknown;
}

/** `helm template` of a local chart with values files, parsed; helm's homes in a temp folder. */
export async function helmTemplate(chart: string, release: string, namespace: string, valuesFiles: string[] = []): Promise<RenderedObject[]> {
  const home = mkdtempSync(join(tmpdir(), 'hcpo-helm-'));
  const env = { ...process.env, HELM_CACHE_HOME: join(home, 'cache'), HELM_CONFIG_HOME: join(home, 'config'), HELM_DATA_HOME: join(home, 'data') };
  const args = ['template', release, chart, '--namespace', namespace, ...valuesFiles.flatMap((f) => ['-f', f])];
  try {
    const stdout = await new Promise<string>((done, fail) =>
      execFile(helmBinary(), args, { env, maxBuffer: 32 * 1024 * 1024 }, (err, out, errText) => (err ? fail(new Error(`helm template failed: ${errText}`)) : done(out))),
    );
    return parseAllDocuments(stdout)
      .map((d) => d.toJS() as RenderedObject | null)
      .filter((o): o is RenderedObject => o !== null);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
