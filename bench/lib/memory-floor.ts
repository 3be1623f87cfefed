import { execFileSync } from 'node:child_process';

/**
 * RSS of a Node process that only imports `modules` (none: an empty Node): the floor under the
 * operator's own memory, measured the same way, on the same Node.
 */
export function importRssMB(modules: string[], nodeOptions = ''): number {
  const imports = modules.map((m) => `await import(${JSON.stringify(m)});`).join(' ');
  const script = `${imports} setTimeout(() => console.log(process.memoryUsage().rss), 1000);`;
  const out = execFileSync(process.execPath, [...nodeOptions.split(' ').filter(Boolean), '--input-type=module', '-e', script], { encoding: 'utf8' });
  return Math.round((Number(out.trim()) / 1024 / 1024) * 10) / 10;
}
