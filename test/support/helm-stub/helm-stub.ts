/**
 * A recording stand-in for the `helm` v3 command line, run by Node (type stripping). It keeps
 * releases in files under `$HELM_STUB_DIR`, answers the commands the Helm backend uses with
 * helm's output formats and error messages, records every call (arguments, stdin, environment)
 * and fails on request (`faults.json`). Unknown flags fail like real helm, so a wrong flag in the
 * backend fails its tests.
 *
 * With `$HELM_STUB_REAL_HELM` (a real helm binary) and an API server URL in
 * `$HELM_STUB_DIR/apiserver-url`, `upgrade` also does what helm does in a cluster: renders the
 * (local) chart with `helm template` and writes its objects to that API server (JSON; real helm
 * speaks protobuf, which the tests' fake API server does not), and `uninstall` deletes them —
 * except, as helm, objects annotated `helm.sh/resource-policy: keep` (the chart's backup claim).
 */
// Type-only: erased when Node strips the types, so the stand-in stays a single runnable file.
import type { StubRevision } from './index.js';
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** A release revision as the tests see it, plus what this stand-in wrote for it. */
interface Revision extends StubRevision {
  /** The objects written to the API server for this revision. */
  objects?: ObjectRef[];
}
interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  /** `helm.sh/resource-policy: keep`: helm leaves it when an upgrade drops it or the release is uninstalled. */
  keep?: boolean;
}
interface KubeDoc {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; [key: string]: unknown };
  spec?: unknown;
  data?: unknown;
  [key: string]: unknown;
}
interface Release {
  name: string;
  namespace: string;
  revisions: Revision[];
}
interface Fault {
  command: string;
  stdout?: string;
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
    await upgrade(positional[1], positional[2]);
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
    await uninstall(positional[1]);
    break;
  case 'rollback':
    rollback(positional[1], positional[2]);
    break;
  default:
    fail(`Error: unknown command "${command}" for "helm"`);
}

async function upgrade(name: string | undefined, chart: string | undefined): Promise<void> {
  if (!name || !chart) fail('Error: "helm upgrade" requires 2 arguments');
  const values = readValues();
  const { chartName, version, appVersion } = resolveChart(chart as string);
  const release = load(name as string);
  const now = new Date().toISOString();
  if (!release && !flags.has('--install')) fail(`Error: UPGRADE FAILED: "${name}" has no deployed releases`);
  const previous = release?.revisions[release.revisions.length - 1];
  if (previous?.status.startsWith('pending-')) fail('Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress');
  const objects = await applyChart(name as string, chart as string, values, previous?.objects ?? []);
  const rev = (status: string, description: string, revision: number): Revision => ({
    revision, updated: now, status, chart: `${chartName}-${version}`, app_version: appVersion, description, values, ...(objects ? { objects } : {}),
  });
  if (!release) {
    save({ name: name as string, namespace, revisions: [rev('deployed', 'Install complete', 1)] });
    out(`Release "${name}" does not exist. Installing it now.\nNAME: ${name}\nNAMESPACE: ${namespace}\nSTATUS: deployed\nREVISION: 1`);
    return;
  }
  const last = previous as Revision;
  for (const r of release.revisions) if (r.status === 'deployed') r.status = 'superseded';
  release.revisions.push(rev('deployed', 'Upgrade complete', last.revision + 1));
  save(release);
  out(`Release "${name}" has been upgraded. Happy Helming!\nNAME: ${name}\nNAMESPACE: ${namespace}\nSTATUS: deployed\nREVISION: ${last.revision + 1}`);
}

/** A new revision with the values of `to`, deployed; like helm, the interrupted revision keeps its status. */
function rollback(name: string | undefined, to: string | undefined): void {
  const release = mustLoad(name, 'Error: release: not found');
  const target = release.revisions.find((r) => r.revision === Number(to));
  if (!target) fail(`Error: release has no ${to} version`);
  const last = release.revisions[release.revisions.length - 1] as Revision;
  for (const r of release.revisions) if (r.status === 'deployed') r.status = 'superseded';
  release.revisions.push({ ...(target as Revision), revision: last.revision + 1, status: 'deployed', updated: new Date().toISOString(), description: `Rollback to ${to}` });
  save(release);
  out('Rollback was a success! Happy Helming!');
}

function history(name: string | undefined): void {
  const release = mustLoad(name, 'Error: release: not found');
  if ((flags.get('--output') ?? flags.get('-o')) !== 'json') fail('Error: the helm stub only prints history as json');
  const max = Number(flags.get('--max') ?? 256);
  out(JSON.stringify(release.revisions.slice(-max).map(({ values: _values, objects: _objects, ...r }) => r)));
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

async function uninstall(name: string | undefined): Promise<void> {
  const release = mustLoad(name, `Error: uninstall: Release not loaded: ${name}: release: not found`);
  const api = apiServer();
  for (const ref of (api && release.revisions[release.revisions.length - 1]?.objects) || []) if (!ref.keep) await deleteObject(api as string, ref);
  rmSync(releaseFile(name as string));
  out(`release "${name}" uninstalled`);
}

/** The API server objects are written to, when the test connected one. */
function apiServer(): string | undefined {
  const file = join(stateDir, 'apiserver-url');
  return process.env.HELM_STUB_REAL_HELM && existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

/** Renders the chart with the real helm and writes its objects; deletes the ones the new revision dropped. */
async function applyChart(name: string, chart: string, values: Record<string, unknown> | null, before: ObjectRef[]): Promise<ObjectRef[] | undefined> {
  const api = apiServer();
  if (!api) return undefined;
  const valuesFile = join(stateDir, `values-${process.pid}.json`);
  writeFileSync(valuesFile, JSON.stringify(values ?? {}));
  let manifest = '';
  try {
    manifest = execFileSync(process.env.HELM_STUB_REAL_HELM as string, ['template', name, chart, ...locatingFlags(), '--namespace', namespace, '--values', valuesFile], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    fail(`Error: UPGRADE FAILED: ${String((err as { stderr?: unknown }).stderr ?? err).trim().replace(/^Error: /, '')}`);
  } finally {
    rmSync(valuesFile, { force: true });
  }
  const objects: ObjectRef[] = [];
  for (const doc of parseAllDocuments(manifest)) {
    const obj = doc.toJS() as KubeDoc | null;
    if (!obj?.kind) continue;
    obj.metadata = { ...obj.metadata, namespace, annotations: { ...obj.metadata?.annotations, 'meta.helm.sh/release-name': name, 'meta.helm.sh/release-namespace': namespace } };
    await putObject(api, obj);
    const keep = obj.metadata.annotations?.['helm.sh/resource-policy'] === 'keep';
    objects.push({ apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name, ...(keep ? { keep } : {}) });
  }
  for (const ref of before) if (!ref.keep && !objects.some((o) => o.kind === ref.kind && o.name === ref.name)) await deleteObject(api, ref);
  return objects;
}

function objectUrl(api: string, ref: { apiVersion: string; kind: string }, name?: string): string {
  const base = ref.apiVersion === 'v1' ? `${api}/api/v1` : `${api}/apis/${ref.apiVersion}`;
  const plural = `${ref.kind.toLowerCase()}s`;
  return `${base}/namespaces/${namespace}/${plural}${name ? `/${name}` : ''}`;
}

/** Creates the object, or replaces its metadata and spec (keeping status), as helm's upgrade does. */
async function putObject(api: string, obj: KubeDoc): Promise<void> {
  const headers = { 'content-type': 'application/json' };
  const created = await fetch(objectUrl(api, obj), { method: 'POST', headers, body: JSON.stringify(obj) });
  if (created.ok) return;
  if (created.status !== 409) fail(`Error: UPGRADE FAILED: create ${obj.kind} ${obj.metadata.name}: ${created.status} ${await created.text()}`);
  const url = objectUrl(api, obj, obj.metadata.name);
  const current = (await (await fetch(url)).json()) as KubeDoc;
  const body = { ...current, metadata: { ...current.metadata, labels: obj.metadata.labels, annotations: obj.metadata.annotations }, spec: obj.spec, ...(obj.data ? { data: obj.data } : {}) };
  const replaced = await fetch(url, { method: 'PUT', headers, body: JSON.stringify(body) });
  if (!replaced.ok) fail(`Error: UPGRADE FAILED: update ${obj.kind} ${obj.metadata.name}: ${replaced.status} ${await replaced.text()}`);
}

async function deleteObject(api: string, ref: ObjectRef): Promise<void> {
  const res = await fetch(objectUrl(api, ref, ref.name), { method: 'DELETE' });
  if (!res.ok && res.status !== 404) fail(`Error: uninstall: delete ${ref.kind} ${ref.name}: ${res.status} ${await res.text()}`);
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

/** `--repo` and `--version` as given: the real helm picks the chart version from the repository. */
function locatingFlags(): string[] {
  return ['--repo', '--version'].flatMap((flag) => (flags.has(flag) ? [flag, flags.get(flag) as string] : []));
}

function resolveChart(chart: string): { chartName: string; version: string; appVersion: string } {
  if (flags.has('--repo') && process.env.HELM_STUB_REAL_HELM) return showRepoChart(chart);
  if (chart.startsWith('oci://') || flags.has('--repo')) {
    return { chartName: chart.split('/').pop() ?? chart, version: flags.get('--version') ?? '0.0.0-latest', appVersion: 'stub' };
  }
  const chartYaml = join(chart, 'Chart.yaml');
  if (!existsSync(chartYaml)) fail(`Error: INSTALLATION FAILED: path "${chart}" not found`);
  const text = readFileSync(chartYaml, 'utf8');
  const field = (key: string) => new RegExp(`^${key}:\\s*"?([^"\\s]+)"?`, 'm').exec(text)?.[1] ?? '';
  return { chartName: field('name'), version: field('version'), appVersion: field('appVersion') };
}

/** A chart from a repository the test serves: its metadata as the real helm finds it (or helm's error). */
function showRepoChart(chart: string): { chartName: string; version: string; appVersion: string } {
  let text = '';
  try {
    text = execFileSync(process.env.HELM_STUB_REAL_HELM as string, ['show', 'chart', chart, ...locatingFlags()], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    fail(String((err as { stderr?: unknown }).stderr ?? err).trim());
  }
  const meta = parseAllDocuments(text)[0]?.toJS() as { name: string; version: string; appVersion?: string };
  return { chartName: meta.name, version: meta.version, appVersion: meta.appVersion ?? '' };
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
  if (fault.stdout !== undefined) {
    out(fault.stdout);
    process.exit(fault.exitCode ?? 0);
  }
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
  // Whole or not at all, as helm's own storage (one Secret per revision): a reader polling the
  // release never sees half a file.
  const file = releaseFile(release.name);
  writeFileSync(`${file}.${process.pid}.tmp`, JSON.stringify(release, null, 2));
  renameSync(`${file}.${process.pid}.tmp`, file);
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
