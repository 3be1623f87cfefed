import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The repository root (tests run from it). */
const ROOT = resolve('.');

/** The local stand-in for the Bitnami chart 17.1.0 (real values.yaml and values.schema.json). */
export const BITNAMI_CHART_FIXTURE = join(ROOT, 'test/fixtures/bitnami-chart');
/** The stand-in for the chart 11.9.13 the Python operator installed (its real values files). */
export const BITNAMI_CHART_11_FIXTURE = join(ROOT, 'test/fixtures/bitnami-chart-11.9.13');

/** The real helm v3 binary: `HELM_BIN`, else `.tools/helm` (scripts/fetch-helm.sh puts it there). */
export function realHelmBinary(): string {
  const bin = process.env.HELM_BIN ?? join(ROOT, '.tools/helm');
  if (!existsSync(bin)) throw new Error(`helm binary not found at ${bin}: run scripts/fetch-helm.sh or set HELM_BIN`);
  return bin;
}

/** Private helm cache/config/data folders, so tests never read or write the user's. */
export function helmHome(): { env: Record<string, string>; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'helm-home-'));
  return {
    env: { HELM_CACHE_HOME: join(dir, 'cache'), HELM_CONFIG_HOME: join(dir, 'config'), HELM_DATA_HOME: join(dir, 'data'), KUBECONFIG: join(dir, 'no-kubeconfig') },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
