import { SOAK_TARGET_MB, type IdleResult } from '../figures/idle.js';
import type { LatencyResult } from '../figures/latency.js';
import { memoryTargetMB, type MemoryRestartResult } from '../figures/memory-restart.js';
import type { ThroughputRow } from '../figures/throughput.js';
import type { BenchOptions } from './args.js';
import type { Machine } from './machine.js';

export interface BenchResults {
  machine: Machine & { postgres: string; postgresData: string; loadAverageAtEnd: number };
  mode: string;
  options: BenchOptions;
  startedAt: string;
  wallSeconds: number;
  throughput?: ThroughputRow[];
  latency?: LatencyResult;
  idle?: IdleResult;
  memory?: MemoryRestartResult;
  errors: Array<{ figure: string; message: string }>;
}

type Row = [figure: string, measured: string, target: string, ok: boolean | undefined];

const verdict = (ok: boolean | undefined): string => (ok === undefined ? 'n/a' : ok ? 'met' : '**MISSED**');
const s = (x: number | undefined): string => (x === undefined || Number.isNaN(x) ? '–' : `${Math.round(x * 100) / 100} s`);

function throughputRows(rows: ThroughputRow[]): Row[] {
  return rows.map((r) => [
    `Throughput N=${r.n}`,
    `operator ${r.operator.timedOut ? `> ${s(r.operator.seconds)} (gave up, ${r.operator.readyCount}/${r.n} Ready)` : s(r.operator.seconds)} (rounds ${r.operatorRoundsSeconds.map(s).join(' / ')}); baseline serial ${s(r.baselineSerial?.seconds)}, ${r.baselineRounds[0]?.workers ?? '–'} workers ${r.baselineRounds.map((b) => s(b.seconds)).join(' / ')}; ratio **${r.operator.timedOut ? '> ' : ''}${r.ratio}** (pairs ${r.pairRatios.join(' / ')}, median ${r.medianPairRatio}; work ratio ${r.medianWorkRatio}, pairs ${r.workRatios.join(' / ')}); ` +
      r.stalls.map((x) => `operator round ${x.round} gave up with ${x.readyCount}/${r.n} Ready; `).join('') +
      `${r.operator.reconcilesPerDatabase} reconciles, ${r.operator.sqlStatementsPerDatabase} SQL, ${r.operator.apiWritesPerDatabase} API writes per DB; ` +
      `credentials ${r.operator.credentialsChecked - r.operator.credentialsFailedCount}/${r.operator.credentialsChecked} log in`,
    'ratio ≤ 1.2',
    r.pass,
  ]);
}

function latencyRows(l: LatencyResult): Row[] {
  return [
    [
      `Latency (${l.runs} runs)`,
      `create→Ready p50 ${s(l.total.p50)}, p95 ${s(l.total.p95)}, p99 ${s(l.total.p99)}; CREATE DATABASE p50 ${s(l.createDatabase.p50)}, p99 ${s(l.createDatabase.p99)}; ` +
        `beyond PostgreSQL p50 ${s(l.overhead.p50)}, p99 **${s(l.overhead.p99)}**`,
      'p99 beyond PostgreSQL < 0.5 s',
      l.pass,
    ],
  ];
}

function idleRows(i: IdleResult): Row[] {
  const q = i.quiet;
  const p = i.resyncPass;
  return [
    [
      `Idle, ${i.objects} Ready, ${q.seconds} s`,
      `${q.apiWrites} API writes, ${q.apiReads} API reads, ${q.backendCalls} backend calls, ${q.reconciles} reconciles, ${q.sqlStatements} SQL statements, ` +
        `drift check ${q.driftChecks} queries (${q.driftChecksPerMinute}/min), ${q.cpuSeconds} CPU s`,
      `0 writes/calls; SQL only the drift check (resync ${i.resyncSeconds} s)`,
      q.pass,
    ],
    [
      `One resync of all ${i.objects}`,
      `${p.wallSeconds} s; ${p.apiWrites} API writes, ${p.backendCalls} backend calls, ${p.sqlStatementsPerDatabase} SQL per DB, ${p.cpuMsPerReconcile} CPU ms per reconcile`,
      '0 writes, 1 backend call per server',
      p.pass,
    ],
    ...(i.soak ? [soakRow(i.objects, i.resyncSeconds, i.soak)] : []),
  ];
}

function soakRow(objects: number, resyncSeconds: number, k: NonNullable<IdleResult['soak']>): Row {
  const first = k.rssMB[0]?.[1];
  const last = k.rssMB[k.rssMB.length - 1]?.[1];
  return [
    `Memory over ${k.minutes} min, ${objects} Ready`,
    `RSS ${first} → ${last} MB, highest **${k.maxRssMB} MB** (read every 30 s, resync ${resyncSeconds} s); ${k.reconciles} reconciles, ${k.majorCollections} full collections, ${k.cpuSeconds} CPU s`,
    `< ${SOAK_TARGET_MB} MB`,
    k.pass,
  ];
}

function memoryRows(m: MemoryRestartResult): Row[] {
  const rows: Row[] = m.samples.map((x) => [
    x.databases === 0 ? 'Memory after start' : `Memory, ${x.databases} databases`,
    `RSS ${x.rssMB} MB, V8 heap ${x.heapUsedMB} MB used of ${x.heapTotalMB} MB (${x.watchedObjects} objects watched)${x.databases === 0 ? `; floor: empty Node ${m.floorMB.node} MB, Node importing all of @kubernetes/client-node ${m.floorMB.kubernetesClient} MB, only the operator's bundle of it ${m.floorMB.bundledKubernetesClient} MB` : ''}`,
    `< ${memoryTargetMB(x.databases)} MB`,
    x.rssMB < memoryTargetMB(x.databases),
  ]);
  const last = m.samples[m.samples.length - 1];
  if (last) {
    rows.push([
      `Restart, ${last.databases} databases`,
      `caches synced in **${s(last.syncedSeconds)}** (/readyz 200 after ${s(last.readyzSeconds)}); in the ${m.windowSeconds} s after: ${last.backendCalls} backend calls, ${last.reconciles} reconciles (resync spread predicts ${last.expectedResyncReconciles} at resync ${m.resyncSeconds} s), ${last.apiWrites} API writes, ${last.sqlStatements} SQL; ${last.cpuSeconds} CPU s`,
      '< 10 s, 0 calls',
      m.restartPass,
    ]);
  }
  return rows;
}

/** The summary as a Markdown table (printed, written next to the JSON, pasted into bench/README.md). */
export function summaryTable(r: BenchResults): string {
  const rows: Row[] = [
    ...(r.throughput ? throughputRows(r.throughput) : []),
    ...(r.latency ? latencyRows(r.latency) : []),
    ...(r.idle ? idleRows(r.idle) : []),
    ...(r.memory ? memoryRows(r.memory) : []),
    ...r.errors.map((e): Row => [e.figure, `failed: ${e.message.split('\n')[0]}`, '', false]),
  ];
  const m = r.machine;
  const head = `${m.cores} cores (${m.cpuModel}), ${m.memoryGB} GB, Node ${m.node}, PostgreSQL ${m.postgres} (data ${m.postgresData}), ${m.platform}; ` +
    `load average ${m.loadAverageAtStart} at start, ${m.loadAverageAtEnd} at end; mode ${r.mode}; ${Math.round(r.wallSeconds)} s; ${r.startedAt}`;
  const lines = ['| Figure | Measured | Target | |', '|---|---|---|---|', ...rows.map(([f, meas, t, ok]) => `| ${f} | ${meas} | ${t} | ${verdict(ok)} |`)];
  return `${head}\n\n${lines.join('\n')}\n`;
}
