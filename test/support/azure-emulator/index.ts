/**
 * A local emulator of the Azure Resource Manager endpoints the Flexible Server backend uses,
 * speaking the real wire protocol to the real SDK: `api-version` required, bodies under
 * `properties`, writes answered 201/202 with `Azure-AsyncOperation` and `Location` headers that
 * are polled (`InProgress` → `Succeeded`/`Failed`), `404 ResourceNotFound`, `409` while a server
 * operation runs, `429` with `Retry-After` on demand, management locks.
 *
 * The SDK keeps its real host (and so its real bearer-token policy, which refuses plain http);
 * `httpClient` rewrites each request to this emulator. Polling headers name the real host too.
 * Operations finish after `pollsToComplete` status polls: no clock, no sleeps.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDefaultHttpClient, type HttpClient } from '@azure/core-rest-pipeline';
import type { TokenCredential } from '@azure/identity';
import { PARAMETER_CATALOG } from './parameter-catalog.js';
import type { ServerRecord } from './server-model.js';
import { Emulator, PUBLIC_ARM_HOST, type ErrorReply, type LockRecord, type RecordedRequest, type FirewallRecord } from './emulator.js';

export { PUBLIC_ARM_HOST, type RecordedRequest, type ErrorReply };

export interface AzureEmulator {
  /** http://127.0.0.1:PORT */
  url: string;
  subscriptionId: string;
  /** Give this to the SDK: carries requests for the public ARM host to the emulator. */
  httpClient: HttpClient;
  /** A static token; the emulator only checks that a bearer token is sent. */
  credential: TokenCredential;
  requests: RecordedRequest[];
  /** Requests that change something (initial PUT/PATCH/POST/DELETE, not polls). */
  writes(): RecordedRequest[];
  /** Status polls an operation answers InProgress before it finishes; Infinity = never. */
  pollsToComplete: number;
  server(resourceGroup: string, name: string): ServerRecord | undefined;
  firewallRules(resourceGroup: string, name: string): FirewallRecord[];
  parameter(resourceGroup: string, name: string, parameter: string): { value: string; isConfigPendingRestart: boolean } | undefined;
  locks(): LockRecord[];
  /** Puts a lock on a scope (a server ID, a resource group ID …); locks apply to everything below. */
  addLock(scope: string, name: string, level?: 'CanNotDelete' | 'ReadOnly'): void;
  removeLock(scope: string, name: string): void;
  /** Changes a server behind the operator's back (drift, Azure maintenance). */
  mutateServer(resourceGroup: string, name: string, change: (s: ServerRecord) => void): void;
  /** Answers the next `count` matching requests with an error (429 also sends Retry-After). */
  failNext(match: { method?: string; path?: RegExp }, reply: ErrorReply, options?: { count?: number; retryAfter?: string }): void;
  /**
   * Server updates (PATCH) succeed but this property is never applied, e.g.
   * `backup.backupRetentionDays`: a value the cloud keeps at its own. `requests` still shows it sent.
   */
  neverApply(propertyPath: string): void;
  applyAll(): void;
  /** The next operation started by a matching request ends Failed. */
  failNextOperation(match: { method?: string; path?: RegExp }, code?: string, message?: string): void;
  runningOperations(): number;
  /** The host name provisioned servers report as `fullyQualifiedDomainName` (default: Azure's). */
  fqdn: (serverName: string) => string;
  /**
   * Called when a server's create or update (PATCH, e.g. a new admin password) takes effect, and
   * awaited before the operation reports Succeeded: full-stack tests mirror the admin login into a
   * real PostgreSQL here, as Azure does inside its servers. A rejection answers that poll with 500.
   */
  onServerApplied?: (server: ServerRecord, change: 'created' | 'updated') => unknown;
  close(): Promise<void>;
}

/** Starts an emulator on 127.0.0.1 (random port). */
export async function startAzureEmulator(): Promise<AzureEmulator> {
  const emu = new Emulator();
  const http: Server = createServer((req, res) => {
    void emu.handle(req, res);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const inner = createDefaultHttpClient();
  const httpClient: HttpClient = {
    sendRequest(request) {
      if (request.url.startsWith(PUBLIC_ARM_HOST)) {
        request.url = url + request.url.slice(PUBLIC_ARM_HOST.length);
        request.allowInsecureConnection = true;
      }
      return inner.sendRequest(request);
    },
  };
  const credential: TokenCredential = { getToken: async () => ({ token: 'emulator-token', expiresOnTimestamp: Date.now() + 3600_000 }) };
  const api: AzureEmulator = {
    url,
    subscriptionId: emu.subscriptionId,
    httpClient,
    credential,
    requests: emu.requests,
    writes: () => emu.requests.filter((r) => !r.poll && r.method !== 'GET'),
    get pollsToComplete() {
      return emu.pollsToComplete;
    },
    set pollsToComplete(n: number) {
      emu.pollsToComplete = n;
    },
    server: (rg, name) => emu.servers.get(emu.key(rg, name)),
    firewallRules: (rg, name) => [...(emu.rules.get(emu.key(rg, name))?.values() ?? [])],
    parameter: (rg, name, parameter) => {
      const spec = PARAMETER_CATALOG[parameter];
      if (!spec || !emu.servers.has(emu.key(rg, name))) return undefined;
      const p = emu.params.get(emu.key(rg, name))?.get(parameter);
      return { value: p?.value ?? spec.defaultValue, isConfigPendingRestart: p?.pendingRestart ?? false };
    },
    locks: () => [...emu.lockList],
    addLock: (scope, name, level = 'CanNotDelete') => void emu.lockList.push({ scope, name, level }),
    removeLock: (scope, name) => {
      const i = emu.lockList.findIndex((l) => l.scope.toLowerCase() === scope.toLowerCase() && l.name === name);
      if (i >= 0) emu.lockList.splice(i, 1);
    },
    mutateServer: (rg, name, change) => {
      const s = emu.servers.get(emu.key(rg, name));
      if (!s) throw new Error(`no server ${rg}/${name}`);
      change(s);
    },
    failNext: (match, reply, options = {}) => void emu.faults.push({ ...match, reply, retryAfter: options.retryAfter, remaining: options.count ?? 1 }),
    neverApply: (path) => void emu.neverApplied.add(path),
    applyAll: () => emu.neverApplied.clear(),
    failNextOperation: (match, code = 'InternalServerError', message = 'An unexpected error occured while processing the request.') => void emu.opFaults.push({ ...match, code, message }),
    runningOperations: () => [...emu.operations.values()].filter((o) => o.status === 'InProgress').length,
    get fqdn() {
      return emu.fqdnOf;
    },
    set fqdn(f: (serverName: string) => string) {
      emu.fqdnOf = f;
    },
    get onServerApplied() {
      return emu.onServerApplied;
    },
    set onServerApplied(hook: ((server: ServerRecord, change: 'created' | 'updated') => unknown) | undefined) {
      emu.onServerApplied = hook;
    },
    close: () => new Promise<void>((resolve, reject) => {
      http.closeAllConnections();
      http.close((err) => (err ? reject(err) : resolve()));
    }),
  };
  return api;
}
