import { execFileSync } from 'node:child_process';
import { productionNodeArgs, productionRuntimeEnv } from '../../test/support/production-runtime.js';

/**
 * RSS of a Node process that only imports `modules` (none: an empty Node): the floor under the
 * operator's own memory, measured the same way, on the same Node, with the image's node options,
 * NODE_OPTIONS and malloc settings (or `nodeOptions` when the run overrides them).
 */
export function importRssMB(modules: string[], nodeOptions?: string): number {
  const imports = modules.map((m) => `await import(${JSON.stringify(m)});`).join(' ');
  const script = `${imports} setTimeout(() => console.log(process.memoryUsage().rss), 1000);`;
  const runtime = productionRuntimeEnv();
  const env = { ...process.env, ...runtime, NODE_OPTIONS: nodeOptions ?? runtime.NODE_OPTIONS ?? '' };
  const out = execFileSync(process.execPath, [...productionNodeArgs(), '--input-type=module', '-e', script], { encoding: 'utf8', env });
  return Math.round((Number(out.trim()) / 1024 / 1024) * 10) / 10;
}
