/**
 * A recording stand-in for the `helm` v3 command line, run by Node (type stripping). It keeps
 * releases in files under `$HELM_STUB_DIR`, answers the commands the Helm backend uses with
 * helm's output formats and error messages, records every call (arguments, stdin, environment)
 * and fails on request (`faults.json`). Unknown flags fail like real helm, so a wrong flag in the
 * backend fails its tests.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface Revision {
  revision: number;
  updated: string;
  status: string;
  chart: string;
  app_version: string;
  description: string;
  values: Record<string, unknown> | null;
}
interface Release {
  name: string;
  namespace: string;
  revisions: Revision[];
}
interface Fault {
  command: string;
  stderr?: string;
  exitCode?: number;
  hangMs?: number;
  times?: number;
}

const VALUE_FLAGS = new Set(['-n', '--namespace', '--version', '-f', '--values', '--repo', '--timeout', '--kubeconfig', '--max', '-o', '--output', '--history-max', '--description', '--kube-context']);
const BOOL_FLAGS = new Set(['--install', '--reset-values', '--reuse-values', '--wait', '--atomic', '--create-namespace', '--debug', '--all', '--short']);

const dir = process.env.HELM_STUB_DIR;
if (!dir) fail('HELM_STUB_DIR is not set (helm stub)', 2);
const stateDir = dir as string;
mkdirSync(join(stateDir, 'releases'), { recursive: true });

const argv = process.argv.slice(2);
const stdin = readStdin();
appendFileSync(
  join(stateDir, 'calls.jsonl'),
  `${JSON.stringify({ args: argv, stdin, env: pickEnv(['KUBECONFIG', 'HELM_CACHE_HOME', 'HELM_CONFIG_HOME', 'HELM_DATA_HOME', 'HELM_STUB_DIR']) })}\n`,
);

const { positional, flags } = parseArgs(argv);
const command = positional[0] ?? '';
await applyFault(command);
const namespace = flags.get('--namespace') ?? flags.get('-n') ?? 'default';

switch (command) {
  case 'version':
    out('v3.18.0+stub');
    break;
  case 'upgrade':
    upgrade(positional[1], positional[2]);
    break;
  case 'history':
    history(positional[1]);
    break;
  case 'get':
    if (positional[1] !== 'values') fail(`Error: unknown command "get ${positional[1] ?? ''}" (helm stub)`);
    getValues(positional[2]);
    break;
  case 'status':
    status(positional[1]);
    break;
  case 'uninstall':
    uninstall(positional[1]);
    break;
  default:
    fail(`Error: unknown command "${command}" for "helm"`);
}

function upgrade(name: string | undefined, chart: string | undefined): void {
  if (!name || !chart) fail('Error: "helm upgrade" requires 2 arguments');
  const values = readValues();
  const { chartName, version, appVersion } = resolveChart(chart as string);
  const release = load(name as string);
  const now = new Date().toISOString();
  const rev = (status: string, description: string, revision: number): Revision => ({
    revision, updated: now, status, chart: `${chartName}-${version}`, app_version: appVersion, description, values,
  });
  if (!release) {
    if (!flags.has('--install')) fail(`Error: UPGRADE FAILED: "${name}" has no deployed releases`);
    save({ name: name as string, namespace, revisions: [rev('deployed', 'Install complete', 1)] });
    out(`Release "${name}" does not exist. Installing it now.\nNAME: ${name}\nNAMESPACE: ${namespace}\nSTATUS: deployed\nREVISION: 1`);
    return;
  }
  const last = release.revisions[release.revisions.length - 1] as Revision;
  if (last.status.startsWith('pending-')) fail('Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress');
  for (const r of release.revisions) if (r.status === 'deployed') r.status = 'superseded';
  release.revisions.push(rev('deployed', 'Upgrade complete', last.revision + 1));
  save(release);
  out(`Release "${name}" has been upgraded. Happy Helming!\nNAME: ${name}\nNAMESPACE: ${namespace}\nSTATUS: deployed\nREVISION: ${last.revision + 1}`);
}

function history(name: string | undefined): void {
  const release = mustLoad(name, 'Error: release: not found');
  if ((flags.get('--output') ?? flags.get('-o')) !== 'json') fail('Error: the helm stub only prints history as json');
  const max = Number(flags.get('--max') ?? 256);
  out(JSON.stringify(release.revisions.slice(-max).map(({ values: _values, ...r }) => r)));
}

function getValues(name: string | undefined): void {
  const release = mustLoad(name, 'Error: release: not found');
  if ((flags.get('--output') ?? flags.get('-o')) !== 'json') fail('Error: the helm stub only prints values as json');
  out(JSON.stringify(release.revisions[release.revisions.length - 1]?.values ?? null));
}

function status(name: string | undefined): void {
  const release = mustLoad(name, 'Error: release: not found');
  const last = release.revisions[release.revisions.length - 1] as Revision;
  const [chartName, ...rest] = last.chart.split('-');
  out(JSON.stringify({
    name: release.name,
    namespace: release.namespace,
    version: last.revision,
    info: { status: last.status, description: last.description, last_deployed: last.updated },
    chart: { metadata: { name: chartName, version: rest.join('-'), appVersion: last.app_version } },
    config: last.values ?? {},
  }));
}

function uninstall(name: string | undefined): void {
  mustLoad(name, `Error: uninstall: Release not loaded: ${name}: release: not found`);
  rmSync(releaseFile(name as string));
  out(`release "${name}" uninstalled`);
}

function readValues(): Record<string, unknown> | null {
  const source = flags.get('--values') ?? flags.get('-f');
  if (source === undefined) return null;
  const text = source === '-' ? stdin : readFileSync(source, 'utf8');
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    fail('Error: failed to parse values: the helm stub reads JSON values only');
  }
  return null;
}

function resolveChart(chart: string): { chartName: string; version: string; appVersion: string } {
  if (chart.startsWith('oci://') || flags.has('--repo')) {
    return { chartName: chart.split('/').pop() ?? chart, version: flags.get('--version') ?? '0.0.0-latest', appVersion: 'stub' };
  }
  const chartYaml = join(chart, 'Chart.yaml');
  if (!existsSync(chartYaml)) fail(`Error: INSTALLATION FAILED: path "${chart}" not found`);
  const text = readFileSync(chartYaml, 'utf8');
  const field = (key: string) => new RegExp(`^${key}:\\s*"?([^"\\s]+)"?`, 'm').exec(text)?.[1] ?? '';
  return { chartName: field('name'), version: field('version'), appVersion: field('appVersion') };
}

function parseArgs(args: string[]): { positional: string[]; flags: Map<string, string> } {
  const positional: string[] = [];
  const parsed = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (VALUE_FLAGS.has(flag)) {
      const value = inline ?? args[++i];
      if (value === undefined) fail(`Error: flag needs an argument: ${flag}`);
      parsed.set(flag, value as string);
    } else if (BOOL_FLAGS.has(flag)) {
      parsed.set(flag, inline ?? 'true');
    } else {
      fail(`Error: unknown flag: ${flag}`);
    }
  }
  return { positional, flags: parsed };
}

async function applyFault(cmd: string): Promise<void> {
  const file = join(stateDir, 'faults.json');
  if (!existsSync(file)) return;
  const faults = JSON.parse(readFileSync(file, 'utf8')) as Fault[];
  const index = faults.findIndex((f) => f.command === cmd && (f.times === undefined || f.times > 0));
  if (index < 0) return;
  const fault = faults[index] as Fault;
  if (fault.times !== undefined) fault.times -= 1;
  writeFileSync(file, JSON.stringify(faults));
  if (fault.hangMs) await new Promise((resolve) => setTimeout(resolve, fault.hangMs));
  if (fault.stderr !== undefined || fault.exitCode !== undefined) fail(fault.stderr ?? 'Error: injected failure', fault.exitCode ?? 1);
}

function releaseFile(name: string): string {
  return join(stateDir, 'releases', `${namespace}__${name}.json`);
}

function load(name: string): Release | undefined {
  const file = releaseFile(name);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Release) : undefined;
}

function mustLoad(name: string | undefined, notFound: string): Release {
  if (!name) fail('Error: a release name is required');
  const release = load(name as string);
  if (!release) fail(notFound);
  return release as Release;
}

function save(release: Release): void {
  writeFileSync(releaseFile(release.name), JSON.stringify(release, null, 2));
}

function readStdin(): string {
  if (process.stdin.isTTY) return '';
  try {
    return readFileSync(0, 'utf8');
  } catch {
    return '';
  }
}

function pickEnv(keys: string[]): Record<string, string> {
  return Object.fromEntries(keys.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k] as string]));
}

function out(text: string): void {
  process.stdout.write(`${text}\n`);
}

function fail(message: string, code = 1): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}
