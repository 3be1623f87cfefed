/**
 * The operator's benchmarks: throughput, latency, idle cost, memory and restart, each against the
 * fake API server and a real local PostgreSQL, with the operator as its own process. Prints a
 * summary and writes everything as JSON to bench/results/. See bench/README.md.
 *
 *   npm run bench                      # default sizes (about 10 minutes on 2 cores)
 *   npm run bench -- --quick           # smoke run (about 2 minutes)
 *   npm run bench -- --only latency    # one figure
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findPostgresBinDir, stopAllPostgres } from '../test/support/postgres-server.js';
import { runIdle } from './figures/idle.js';
import { runLatency } from './figures/latency.js';
import { runMemoryRestart } from './figures/memory-restart.js';
import { closeWorld, readyWorld, runThroughput, type Survivor } from './figures/throughput.js';
import { parseArgs, USAGE, type BenchOptions } from './lib/args.js';
import type { OperatorSettings } from './lib/operator.js';
import { setPostgresSettings } from './lib/environment.js';
import { describeMachine } from './lib/machine.js';
import { chooseScratchDir, neededScratchMB } from './lib/scratch-dir.js';
import { summaryTable, type BenchResults } from './lib/report.js';

const log = (line: string): void => console.log(line);

async function main(): Promise<void> {
  // dist/bench/run.js → the repository root, where dist/src/main.js and crds/ are found.
  process.chdir(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..'));
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    log(USAGE);
    return;
  }
  let opts: BenchOptions;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
  if (opts.pgMaxConnections) setPostgresSettings({ max_connections: String(opts.pgMaxConnections) });
  const scratch = chooseScratchDir(neededScratchMB(Math.max(...opts.sizes, opts.latencyRuns)), opts.pgOnDisk);
  // startPostgres (and the operator processes' temp files) go wherever TMPDIR points.
  if (scratch.dir) process.env.TMPDIR = scratch.dir;
  // Servers left by an earlier bench that was killed: their data would sit in RAM for good.
  await stopAllPostgres();
  process.once('SIGINT', () => process.exit(130));
  process.once('SIGTERM', () => process.exit(143));
  const started = performance.now();
  const results: BenchResults = {
    machine: { ...describeMachine(), postgres: postgresVersion(), postgresData: scratch.reason, loadAverageAtEnd: 0 },
    mode: opts.mode,
    options: opts,
    startedAt: new Date().toISOString(),
    wallSeconds: 0,
    errors: [],
  };
  log(`bench (${opts.mode}): ${opts.figures.join(', ')} — ${results.machine.cores} cores, Node ${results.machine.node}, load ${results.machine.loadAverageAtStart}; PostgreSQL data ${scratch.reason}`);
  await runFigures(opts, results);
  results.wallSeconds = Math.round((performance.now() - started) / 1000);
  results.machine.loadAverageAtEnd = Math.round((loadavg()[0] ?? 0) * 100) / 100;
  await stopAllPostgres();
  const table = summaryTable(results);
  log(`\n${table}`);
  write(opts.outDir, results, table);
  if (results.errors.length) process.exitCode = 1;
}

async function runFigures(opts: BenchOptions, results: BenchResults): Promise<void> {
  const wants = (f: string) => opts.figures.includes(f as never);
  const attempt = async (figure: string, fn: () => Promise<void>) => {
    log(`${figure}…`);
    try {
      await fn();
    } catch (err) {
      console.error(`${figure} failed:`, err);
      results.errors.push({ figure, message: err instanceof Error ? err.message : String(err) });
    }
  };
  let world: Survivor | undefined;
  const runtime = { nodeOptions: opts.operatorNodeOptions || undefined, nodeArgs: opts.operatorNodeArgs, logDir: opts.operatorLogDir };
  const common = { concurrency: opts.concurrency, resyncSeconds: opts.resyncSeconds, runtime, log };
  try {
    if (wants('throughput')) {
      await attempt('throughput', async () => {
        const out = await runThroughput({ ...common, sizes: opts.sizes, serialBaselineMax: opts.serialBaselineMax, pairs: opts.pairs, pairDatabases: opts.pairDatabases }, wants('idle'));
        results.throughput = out.rows;
        world = out.survivor;
      });
    }
    if (wants('idle')) {
      await attempt('idle', async () => {
        world = await idleWorld(opts, world, common);
        results.idle = await runIdle(world, { ...common, seconds: opts.idleSeconds, soakMinutes: opts.soakMinutes });
      });
    }
  } finally {
    if (world) await closeWorld(world);
  }
  if (wants('latency')) await attempt('latency', async () => void (results.latency = await runLatency({ ...common, runs: opts.latencyRuns })));
  if (wants('memory')) {
    await attempt('memory and restart', async () => {
      results.memory = await runMemoryRestart({ ...common, sizes: opts.memorySizes, resyncSeconds: opts.restartResyncSeconds, windowSeconds: opts.restartWindowSeconds });
    });
  }
}

/**
 * The world the idle figure measures: the throughput figure's largest, if the operator got all of
 * it Ready; else a new one. When the throughput world never settled, the new one gets a PostgreSQL
 * with room for a connection per database (what the operator once needed, see README), so there
 * is an idle state to measure at all.
 */
async function idleWorld(opts: BenchOptions, world: Survivor | undefined, settings: OperatorSettings): Promise<Survivor> {
  if (world?.complete) return world;
  const n = Math.max(...opts.sizes);
  let pgSettings: Record<string, string> = {};
  if (world) {
    log(`  the throughput world never got all ${n} databases Ready; building one on a PostgreSQL with more connections`);
    await closeWorld(world);
    pgSettings = { max_connections: String(2 * n + 100) };
  }
  const fresh = await readyWorld(n, settings, { pgSettings });
  if (!fresh.complete) {
    await closeWorld(fresh);
    throw new Error(`the operator did not make all ${n} databases Ready, so there is no idle state to measure`);
  }
  return fresh;
}

function postgresVersion(): string {
  try {
    return execFileSync(join(findPostgresBinDir(), 'postgres'), ['--version'], { encoding: 'utf8' }).trim().replace(/^postgres \(PostgreSQL\) /, '');
  } catch {
    return 'unknown';
  }
}

function write(outDir: string, results: BenchResults, table: string): void {
  mkdirSync(outDir, { recursive: true });
  const stamp = results.startedAt.replace(/[:.]/g, '-');
  const json = JSON.stringify(results, (_k, v: unknown) => (v instanceof Map ? Object.fromEntries(v) : v), 2);
  writeFileSync(join(outDir, `bench-${results.mode}-${stamp}.json`), json);
  writeFileSync(join(outDir, 'latest.json'), json);
  writeFileSync(join(outDir, 'latest.md'), table);
  log(`results: ${join(outDir, `bench-${results.mode}-${stamp}.json`)}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
}).then(() => {
  // Pools, watches and timers of the figures are closed; exit even if a library keeps a handle.
  process.exit(process.exitCode ?? 0);
});
