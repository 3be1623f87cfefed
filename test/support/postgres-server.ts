/**
 * A throwaway PostgreSQL server for tests: the distribution's binaries, a fresh data directory
 * under the OS temp dir, a random loopback port, SCRAM-SHA-256 for TCP logins.
 *
 * Every server lives in its own temp directory named `<PREFIX>XXXXXX` holding `owner.pid` (the
 * test process that started it), `data/` (PGDATA, whose `postmaster.pid` names the server
 * process) and the Unix socket. Those directories are the registry: `stopAllPostgres` (the jest
 * global teardown) finds servers whose owning process is gone and kills them, so a crashed suite
 * leaves nothing behind, while servers of test runs still in progress are left alone.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chown, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

const PREFIX = 'hcpo-test-pg-';
const DISTRO_ROOT = '/usr/lib/postgresql';
const READY_LINE = 'ready to accept connections';
const START_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 30_000;

export interface TestPostgres {
  host: '127.0.0.1';
  port: number;
  /** The bootstrap superuser. */
  user: 'postgres';
  password: string;
  /** PGDATA. */
  dataDir: string;
  /** Everything the server wrote to stderr so far (its log). */
  log(): string;
  stop(): Promise<void>;
  /** Stops and starts the server on the same port and data (what a pod restart does to PostgreSQL). */
  restart(): Promise<void>;
}

export interface StartPostgresOptions {
  superuserPassword?: string;
  /** Extra `-c name=value` server settings, e.g. `{ log_statement: 'all' }`. */
  settings?: Record<string, string | number>;
  /** Serve TLS with this PEM certificate (chain) and key (`ssl = on`; plain TCP still allowed). */
  tls?: { certPem: string; keyPem: string };
}

interface OsIds {
  uid: number;
  gid: number;
}

const running = new Set<TestPostgres>();
let exitHookInstalled = false;

/** The newest installed major's bin directory (`POSTGRES_BIN_DIR` overrides). */
export function findPostgresBinDir(): string {
  const fromEnv = process.env.POSTGRES_BIN_DIR;
  if (fromEnv) return fromEnv;
  const majors = existsSync(DISTRO_ROOT)
    ? readdirSync(DISTRO_ROOT)
        .filter((d) => /^\d+(\.\d+)?$/.test(d) && existsSync(join(DISTRO_ROOT, d, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const newest = majors[0];
  if (newest === undefined) {
    throw new Error(
      `no PostgreSQL server binaries found under ${DISTRO_ROOT}/<major>/bin (install the postgresql package or set POSTGRES_BIN_DIR)`,
    );
  }
  return join(DISTRO_ROOT, newest, 'bin');
}

export async function startPostgres(opts: StartPostgresOptions = {}): Promise<TestPostgres> {
  const binDir = findPostgresBinDir();
  const baseDir = await mkdtemp(join(tmpdir(), PREFIX));
  await writeFile(join(baseDir, 'owner.pid'), String(process.pid));
  try {
    // initdb and postgres refuse to run as root.
    const ids = process.getuid?.() === 0 ? await postgresOsIds() : undefined;
    if (ids) await chown(baseDir, ids.uid, ids.gid);
    const password = opts.superuserPassword ?? randomBytes(12).toString('hex');
    const dataDir = join(baseDir, 'data');
    await initDataDir(binDir, baseDir, dataDir, password, ids);
    const tlsSettings = opts.tls ? await writeTlsFiles(baseDir, opts.tls, ids) : {};
    return await launchWithRetry({ binDir, baseDir, dataDir, password, ids, settings: { ...tlsSettings, ...opts.settings } });
  } catch (err) {
    await rm(baseDir, { recursive: true, force: true });
    throw err;
  }
}

/** Stops the servers of this process and the orphans of test processes that are gone. */
export async function stopAllPostgres(): Promise<void> {
  await Promise.all([...running].map((pg) => pg.stop()));
  let entries: string[];
  try {
    entries = await readdir(tmpdir());
  } catch {
    return;
  }
  for (const entry of entries.filter((e) => e.startsWith(PREFIX))) {
    await reapOrphan(join(tmpdir(), entry));
  }
}

async function postgresOsIds(): Promise<OsIds> {
  try {
    const uid = Number((await execFileAsync('id', ['-u', 'postgres'])).stdout.trim());
    const gid = Number((await execFileAsync('id', ['-g', 'postgres'])).stdout.trim());
    return { uid, gid };
  } catch (err) {
    throw new Error(`running as root needs a "postgres" OS user to start PostgreSQL: ${(err as Error).message}`, { cause: err });
  }
}

async function initDataDir(binDir: string, baseDir: string, dataDir: string, password: string, ids?: OsIds): Promise<void> {
  const pwfile = join(baseDir, 'pwfile');
  await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
  if (ids) await chown(pwfile, ids.uid, ids.gid);
  const args = [
    '-D', dataDir, '--no-sync', '-U', 'postgres', `--pwfile=${pwfile}`,
    '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C',
  ];
  try {
    await execFileAsync(join(binDir, 'initdb'), args, { cwd: baseDir, ...ids, env: { ...process.env, LC_ALL: 'C' } });
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`initdb failed: ${e.message}\n${e.stderr ?? ''}`, { cause: err });
  } finally {
    await rm(pwfile, { force: true });
  }
}

/** PostgreSQL insists the key belongs to its OS user and is not readable by others. */
async function writeTlsFiles(baseDir: string, tls: { certPem: string; keyPem: string }, ids?: OsIds): Promise<Record<string, string>> {
  const certFile = join(baseDir, 'server.crt');
  const keyFile = join(baseDir, 'server.key');
  await writeFile(certFile, tls.certPem, { mode: 0o644 });
  await writeFile(keyFile, tls.keyPem, { mode: 0o600 });
  if (ids) {
    await chown(certFile, ids.uid, ids.gid);
    await chown(keyFile, ids.uid, ids.gid);
  }
  return { ssl: 'on', ssl_cert_file: certFile, ssl_key_file: keyFile };
}

interface LaunchParams {
  binDir: string;
  baseDir: string;
  dataDir: string;
  password: string;
  ids?: OsIds;
  settings: Record<string, string | number>;
}

/** The free port is picked before the server binds it, so another process may win: try again. */
async function launchWithRetry(p: LaunchParams): Promise<TestPostgres> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return await launch(p, port);
    } catch (err) {
      if (attempt >= 5 || !/could not bind|address already in use/i.test((err as Error).message)) throw err;
    }
  }
}

async function launch(p: LaunchParams, port: number): Promise<TestPostgres> {
  const settings: Record<string, string | number> = {
    listen_addresses: '127.0.0.1',
    fsync: 'off',
    password_encryption: 'scram-sha-256',
    ...p.settings,
  };
  const args = ['-D', p.dataDir, '-p', String(port), '-k', p.baseDir];
  for (const [name, value] of Object.entries(settings)) args.push('-c', `${name}=${value}`);
  const chunks: string[] = [];
  const log = () => chunks.join('');
  const start = async (): Promise<ChildProcess> => {
    const started = spawn(join(p.binDir, 'postgres'), args, {
      cwd: p.baseDir,
      ...p.ids,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, LC_ALL: 'C' },
    });
    const from = chunks.length;
    // Keep draining stderr for the server's whole life: a full pipe would block it.
    started.stderr?.setEncoding('utf8').on('data', (c: string) => chunks.push(c));
    await waitReady(started, () => chunks.slice(from).join(''));
    return started;
  };
  let child = await start();
  const server: TestPostgres = {
    host: '127.0.0.1',
    port,
    user: 'postgres',
    password: p.password,
    dataDir: p.dataDir,
    log,
    stop: () => stopServer(server, child, p.baseDir),
    restart: async () => {
      await stopChild(child);
      child = await start();
    },
  };
  running.add(server);
  installExitHook();
  return server;
}

function waitReady(child: ChildProcess, log: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      child.kill('SIGQUIT');
      reject(new Error(`PostgreSQL did not become ready within ${START_TIMEOUT_MS / 1000} s; its stderr:\n${log()}`));
    }, START_TIMEOUT_MS);
    const onData = () => {
      if (log().includes(READY_LINE)) {
        cleanup();
        resolve();
      }
    };
    const onExit = (code: number | null, signal: string | null) => {
      cleanup();
      reject(new Error(`PostgreSQL exited before it was ready (code ${code}, signal ${signal}); its stderr:\n${log()}`));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(new Error(`could not start PostgreSQL: ${err.message}`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
    };
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

async function stopServer(server: TestPostgres, child: ChildProcess, baseDir: string): Promise<void> {
  running.delete(server);
  await stopChild(child);
  await rm(baseDir, { recursive: true, force: true, maxRetries: 3 });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGINT'); // "fast" shutdown: disconnect clients, no checkpoint wait worth mentioning
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/** If the worker dies without `stop()` (crash, forced exit), take its servers down with it. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const server of running) {
      const pid = postmasterPid(server.dataDir);
      if (pid !== undefined) signal(pid, 'SIGQUIT');
    }
  });
}

async function reapOrphan(baseDir: string): Promise<void> {
  const owner = Number((await readFile(join(baseDir, 'owner.pid'), 'utf8').catch(() => '')).trim());
  if (owner && owner !== process.pid && isAlive(owner)) return; // another test run still uses it
  const pid = postmasterPid(join(baseDir, 'data'));
  if (pid !== undefined && isAlive(pid) && isPostgresProcess(pid)) {
    signal(pid, 'SIGINT');
    if (!(await waitGone(pid, STOP_TIMEOUT_MS))) {
      signal(pid, 'SIGKILL');
      await waitGone(pid, STOP_TIMEOUT_MS);
    }
  }
  await rm(baseDir, { recursive: true, force: true, maxRetries: 3 });
}

function postmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Guards against a recycled pid: only signal a process that is a PostgreSQL server. */
function isPostgresProcess(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('postgres');
  } catch {
    return !existsSync('/proc/self'); // no procfs: trust postmaster.pid
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

async function waitGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !isAlive(pid);
}

/**
 * Its own copy of test/support/free-port.ts on purpose: jest loads the global teardown (and so this
 * file) as CommonJS without the `.js` name mapping, where an import of a local module fails.
 */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}
