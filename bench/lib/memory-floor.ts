import { execFileSync } from 'node:child_process';
import { productionNodeArgs, productionRuntimeEnv } from '../../test/support/production-runtime.js';
import type { OperatorRuntime } from './operator.js';

/**
 * RSS of a Node process that only imports `modules` (none: an empty Node): the floor under the
 * operator's own memory, measured the same way, on the same Node, with the image's node options,
 * NODE_OPTIONS and malloc settings (or the run's own node options and NODE_OPTIONS when it sets them).
 */
export function importRssMB(modules: string[], runtime: OperatorRuntime = {}): number {
  const imports = modules.map((m) => `await import(${JSON.stringify(m)});`).join(' ');
  const script = `${imports} setTimeout(() => console.log(process.memoryUsage().rss), 1000);`;
  const image = productionRuntimeEnv();
  const env = { ...process.env, ...image, NODE_OPTIONS: runtime.nodeOptions ?? image.NODE_OPTIONS ?? '' };
  const nodeArgs = runtime.nodeArgs ?? productionNodeArgs();
  const out = execFileSync(process.execPath, [...nodeArgs, '--input-type=module', '-e', script], { encoding: 'utf8', env });
  return Math.round((Number(out.trim()) / 1024 / 1024) * 10) / 10;
}
