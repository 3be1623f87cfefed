import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Variables of the image's runtime environment that change how the operator process behaves. */
const RUNTIME_VARIABLES = /^(NODE_OPTIONS|MALLOC_[A-Z_]+)$/;

/**
 * NODE_OPTIONS and the glibc malloc settings the image gives the operator (the `ENV` of the
 * Dockerfile's last stage). Tests and benchmarks start the operator with exactly these, so what
 * they measure is what production runs; the Dockerfile stays the one place they are set.
 */
export function productionRuntimeEnv(root = process.cwd()): Record<string, string> {
  const lastStage = lastStageOf(root);
  const env: Record<string, string> = {};
  for (const line of lastStage.split('\n').filter((l) => l.startsWith('ENV '))) {
    for (const [, key, quoted, bare] of line.slice(4).matchAll(/([A-Za-z_][A-Za-z0-9_]*)=(?:"([^"]*)"|(\S*))/g)) {
      if (key && RUNTIME_VARIABLES.test(key)) env[key] = quoted ?? bare ?? '';
    }
  }
  return env;
}

/**
 * The options the image's ENTRYPOINT gives `node` before the script (`--expose-gc`, kept out of the
 * NODE_OPTIONS users may replace), for tests and benchmarks to start it the same way.
 */
export function productionNodeArgs(root = process.cwd()): string[] {
  const entrypoint = lastStageOf(root)
    .split('\n')
    .filter((l) => l.startsWith('ENTRYPOINT '))
    .pop();
  const command = JSON.parse(entrypoint?.slice('ENTRYPOINT '.length) ?? '[]') as string[];
  const script = command.findIndex((arg) => arg.endsWith('.js'));
  if (command[0] !== 'node' || script < 0) throw new Error(`the Dockerfile's ENTRYPOINT is not "node [options] script.js": ${entrypoint}`);
  return command.slice(1, script);
}

function lastStageOf(root: string): string {
  const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  return dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
}
