/** The emulator's state and request routing (see index.ts for what it emulates). */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { normaliseValue, PARAMETER_CATALOG } from './parameter-catalog.js';
import { BadRequest, createServer as newServer, preparePatch, renderServer, type Json, type ServerRecord } from './server-model.js';

export const PUBLIC_ARM_HOST = 'https://management.azure.com';

export interface RecordedRequest {
  method: string;
  path: string;
  apiVersion: string | null;
  status: number;
  /** A status/result poll of an async operation (not a request on a resource). */
  poll: boolean;
  body?: Json;
}

interface Operation {
  id: string;
  polls: number;
  status: 'InProgress' | 'Succeeded' | 'Failed';
  error?: { code: string; message: string };
  serverKey?: string;
  /** Blocks other writes on the server while running (create, update, restart, delete). */
  serverLevel: boolean;
  apply: () => void;
  undo: () => void;
}

export interface FirewallRecord { name: string; startIpAddress: string; endIpAddress: string }
interface ParameterRecord { value: string; source: string; pendingRestart: boolean }
export interface LockRecord { scope: string; name: string; level: string; notes?: string }

export interface ErrorReply { status: number; code: string; message?: string }
interface Fault { method?: string; path?: RegExp; reply: ErrorReply; retryAfter?: string; remaining: number }
interface OperationFault { method?: string; path?: RegExp; code: string; message: string }

const SERVER_PATH = /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.dbforpostgresql\/flexibleservers\/([^/]+)(\/.*)?$/i;
const OPERATION_PATH = /^\/subscriptions\/([^/]+)\/providers\/microsoft\.dbforpostgresql\/locations\/([^/]+)\/(azureasyncoperation|operationresults)\/([^/]+)$/i;

class ArmError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

const notFound = (what: string) => new ArmError(404, 'ResourceNotFound', `The Resource '${what}' was not found.`);

async function readBody(req: IncomingMessage): Promise<Json | undefined> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as Json) : undefined;
}

export class Emulator {
  readonly subscriptionId = randomUUID();
  readonly requests: RecordedRequest[] = [];
  pollsToComplete = 1;
  readonly servers = new Map<string, ServerRecord>();
  readonly rules = new Map<string, Map<string, FirewallRecord>>();
  readonly params = new Map<string, Map<string, ParameterRecord>>();
  readonly lockList: LockRecord[] = [];
  readonly operations = new Map<string, Operation>();
  readonly faults: Fault[] = [];
  readonly opFaults: OperationFault[] = [];
  /** Server properties (dotted paths under `properties`) an update accepts but never applies. */
  readonly neverApplied = new Set<string>();
  location = 'westeurope';
  /** The host name a provisioned server reports (Azure's form unless a test sets another). */
  fqdnOf: (serverName: string) => string = (name) => `${name}.postgres.database.azure.com`;
  /** Called when a server's create or update operation takes effect; awaited before the poll answer. */
  onServerApplied?: (server: ServerRecord, change: 'created' | 'updated') => unknown;
  private readonly hookRuns: Promise<unknown>[] = [];

  key(rg: string, name: string): string {
    return `${rg.toLowerCase()}/${name.toLowerCase()}`;
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const method = (req.method ?? 'GET').toUpperCase();
    const body = await readBody(req);
    const record: RecordedRequest = { method, path: url.pathname, apiVersion: url.searchParams.get('api-version'), status: 0, poll: OPERATION_PATH.test(url.pathname), ...(body ? { body } : {}) };
    this.requests.push(record);
    const reply = (status: number, json?: unknown, headers: Record<string, string> = {}) => {
      record.status = status;
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-ms-request-id': randomUUID(), ...headers });
      res.end(json === undefined ? '' : JSON.stringify(json));
    };
    try {
      if (!record.apiVersion) throw new ArmError(400, 'MissingApiVersionParameter', "The api-version query parameter (?api-version=) is required for all requests.");
      if (!/^Bearer \S+/.test(req.headers.authorization ?? '')) throw new ArmError(401, 'AuthenticationFailed', 'Authentication failed. The Authorization header is missing.');
      const fault = this.takeFault(method, url.pathname);
      if (fault) {
        const headers: Record<string, string> = fault.reply.status === 429 ? { 'retry-after': fault.retryAfter ?? '1' } : {};
        return reply(fault.reply.status, { error: { code: fault.reply.code, message: fault.reply.message ?? fault.reply.code } }, headers);
      }
      const out = this.route(method, url.pathname, body ?? {});
      await this.settleHooks();
      reply(out.status, out.body, out.headers);
    } catch (err) {
      if (err instanceof ArmError) return reply(err.status, { error: { code: err.code, message: err.message } });
      if (err instanceof BadRequest) return reply(400, { error: { code: err.code, message: err.message } });
      reply(500, { error: { code: 'InternalServerError', message: String(err) } });
    }
  }

  /** Runs `onServerApplied` for a server whose operation just took effect (see settleHooks). */
  notifyApplied(server: ServerRecord, change: 'created' | 'updated'): void {
    if (this.onServerApplied) this.hookRuns.push(Promise.resolve().then(() => this.onServerApplied?.(server, change)));
  }

  /** Waits for the hooks the current request triggered, so Azure's answer comes after their effect. */
  async settleHooks(): Promise<void> {
    const runs = this.hookRuns.splice(0);
    await Promise.all(runs);
  }

  takeFault(method: string, path: string): Fault | undefined {
    const i = this.faults.findIndex((f) => (!f.method || f.method === method) && (!f.path || f.path.test(path)));
    if (i < 0) return undefined;
    const fault = this.faults[i]!;
    if (--fault.remaining <= 0) this.faults.splice(i, 1);
    return fault;
  }

  route(method: string, path: string, body: Json): { status: number; body?: unknown; headers?: Record<string, string> } {
    const op = OPERATION_PATH.exec(path);
    if (op) return this.pollOperation(op[3]!.toLowerCase(), op[4]!);
    const m = SERVER_PATH.exec(path);
    if (!m || m[1] !== this.subscriptionId) throw new ArmError(404, 'InvalidResourceType', `no route for ${method} ${path}`);
    const [, sub, rg, name, rest = ''] = m as unknown as [string, string, string, string, string | undefined];
    const serverId = `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.DBforPostgreSQL/flexibleServers/${name}`;
    const ctx = { rg, name, serverId, key: this.key(rg, name), method, path, body };
    if (rest === '') return this.serverRoute(ctx);
    if (/^\/restart$/i.test(rest) && method === 'POST') return this.restart(ctx);
    const fw = /^\/firewallrules(?:\/([^/]+))?$/i.exec(rest);
    if (fw) return this.firewallRoute(ctx, fw[1]);
    const cfg = /^\/configurations(?:\/([^/]+))?$/i.exec(rest);
    if (cfg) return this.configurationRoute(ctx, cfg[1]);
    const lock = /^\/providers\/microsoft\.authorization\/locks(?:\/([^/]+))?$/i.exec(rest);
    if (lock) return this.lockRoute(ctx, lock[1]);
    throw new ArmError(404, 'InvalidResourceType', `no route for ${method} ${path}`);
  }

  // ------------------------------------------------------------ operations

  startOperation(ctx: Ctx, serverLevel: boolean, apply: () => void, undo: () => void = () => {}): { status: number; body?: unknown; headers: Record<string, string> } {
    const id = randomUUID();
    const fault = this.opFaults.findIndex((f) => (!f.method || f.method === ctx.method) && (!f.path || f.path.test(ctx.path)));
    const op: Operation = { id, polls: 0, status: 'InProgress', serverKey: ctx.key, serverLevel, apply, undo };
    if (fault >= 0) {
      const f = this.opFaults.splice(fault, 1)[0]!;
      op.error = { code: f.code, message: f.message };
    }
    this.operations.set(id, op);
    const base = `${PUBLIC_ARM_HOST}/subscriptions/${this.subscriptionId}/providers/Microsoft.DBforPostgreSQL/locations/${this.location}`;
    return {
      status: 202,
      headers: {
        'azure-asyncoperation': `${base}/azureAsyncOperation/${id}?api-version=2025-08-01`,
        location: `${base}/operationResults/${id}?api-version=2025-08-01`,
        'retry-after': '1',
      },
    };
  }

  pollOperation(kind: string, id: string): { status: number; body?: unknown; headers?: Record<string, string> } {
    const op = this.operations.get(id);
    if (!op) throw new ArmError(404, 'OperationNotFound', `operation ${id} not found`);
    if (kind === 'azureasyncoperation') {
      if (op.status === 'InProgress' && ++op.polls >= this.pollsToComplete) this.finish(op);
      return { status: 200, body: { name: id, status: op.status, startTime: '2026-11-21T00:00:00Z', ...(op.error && op.status === 'Failed' ? { error: op.error } : {}) } };
    }
    // operationResults (the Location header): 202 while running, then the result.
    if (op.status === 'InProgress') return { status: 202, headers: { 'retry-after': '1' } };
    if (op.status === 'Failed') return { status: 400, body: { error: op.error } };
    return { status: 200, body: {} };
  }

  finish(op: Operation): void {
    if (op.error) {
      op.status = 'Failed';
      op.undo();
    } else {
      op.status = 'Succeeded';
      op.apply();
    }
  }

  busy(key: string): boolean {
    return [...this.operations.values()].some((o) => o.status === 'InProgress' && o.serverKey === key && o.serverLevel);
  }

  ensureIdle(ctx: Ctx): void {
    if (this.busy(ctx.key)) throw new ArmError(409, 'ServerBusy', `Server '${ctx.name}' is busy with another operation. Please try your operation later.`);
  }

  requireServer(ctx: Ctx): ServerRecord {
    const s = this.servers.get(ctx.key);
    if (!s) throw notFound(`Microsoft.DBforPostgreSQL/flexibleServers/${ctx.name}`);
    return s;
  }

  // ------------------------------------------------------------ servers

  serverRoute(ctx: Ctx) {
    switch (ctx.method) {
      case 'GET':
        return { status: 200, body: renderServer(this.requireServer(ctx), this.fqdnOf(ctx.name)) };
      case 'PUT':
        return this.putServer(ctx);
      case 'PATCH':
        return this.patchServer(ctx);
      case 'DELETE':
        return this.deleteServer(ctx);
      default:
        throw new ArmError(405, 'MethodNotAllowed', ctx.method);
    }
  }

  putServer(ctx: Ctx) {
    const existing = this.servers.get(ctx.key);
    if (existing) {
      // A PUT on an existing server acts as an update of the given fields.
      return this.patchServer(ctx);
    }
    const server = newServer(ctx.serverId, ctx.name, ctx.body);
    this.servers.set(ctx.key, server);
    this.params.set(ctx.key, new Map());
    this.rules.set(ctx.key, new Map());
    const out = this.startOperation(ctx, true, () => {
      server.state = 'Ready';
      this.notifyApplied(server, 'created');
    }, () => this.servers.delete(ctx.key));
    return { ...out, status: 201, body: renderServer(server, this.fqdnOf(ctx.name)) };
  }

  patchServer(ctx: Ctx) {
    const server = this.requireServer(ctx);
    this.ensureIdle(ctx);
    const apply = preparePatch(server, withoutPaths(ctx.body, this.neverApplied));
    const before = server.state;
    server.state = 'Updating';
    return this.startOperation(ctx, true, () => {
      apply(server);
      server.state = 'Ready';
      this.notifyApplied(server, 'updated');
    }, () => (server.state = before));
  }

  deleteServer(ctx: Ctx) {
    const server = this.servers.get(ctx.key);
    if (!server) return { status: 204 };
    const lock = this.lockList.find((l) => ctx.serverId.toLowerCase().startsWith(l.scope.toLowerCase()));
    if (lock) throw new ArmError(409, 'ScopeLocked', `The scope '${ctx.serverId}' cannot perform delete operation because following scope(s) are locked: '${lock.scope}'. Please remove the lock and try again.`);
    this.ensureIdle(ctx);
    const before = server.state;
    server.state = 'Dropping';
    return this.startOperation(ctx, true, () => {
      this.servers.delete(ctx.key);
      this.rules.delete(ctx.key);
      this.params.delete(ctx.key);
    }, () => (server.state = before));
  }

  restart(ctx: Ctx) {
    const server = this.requireServer(ctx);
    this.ensureIdle(ctx);
    server.state = 'Restarting';
    return this.startOperation(ctx, true, () => {
      for (const p of this.params.get(ctx.key)?.values() ?? []) p.pendingRestart = false;
      server.state = 'Ready';
    }, () => (server.state = 'Ready'));
  }

  // ------------------------------------------------------------ firewall rules

  firewallRoute(ctx: Ctx, ruleName: string | undefined) {
    this.requireServer(ctx);
    const rules = this.rules.get(ctx.key)!;
    const render = (r: FirewallRecord) => ({ id: `${ctx.serverId}/firewallRules/${r.name}`, name: r.name, type: 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules', properties: { startIpAddress: r.startIpAddress, endIpAddress: r.endIpAddress } });
    if (!ruleName) {
      if (ctx.method !== 'GET') throw new ArmError(405, 'MethodNotAllowed', ctx.method);
      return { status: 200, body: { value: [...rules.values()].map(render) } };
    }
    const k = ruleName.toLowerCase();
    if (ctx.method === 'GET') {
      const r = rules.get(k);
      if (!r) throw notFound(`firewallRules/${ruleName}`);
      return { status: 200, body: render(r) };
    }
    this.ensureIdle(ctx);
    if (ctx.method === 'DELETE') {
      if (!rules.has(k)) return { status: 204 };
      return this.startOperation(ctx, false, () => rules.delete(k));
    }
    if (ctx.method !== 'PUT') throw new ArmError(405, 'MethodNotAllowed', ctx.method);
    const p = (ctx.body.properties ?? {}) as Json;
    const ip = /^(\d{1,3}\.){3}\d{1,3}$/;
    if (!ip.test(String(p.startIpAddress)) || !ip.test(String(p.endIpAddress))) throw new BadRequest('InvalidParameterValue', 'startIpAddress and endIpAddress must be IPv4 addresses');
    const rule = { name: ruleName, startIpAddress: String(p.startIpAddress), endIpAddress: String(p.endIpAddress) };
    return this.startOperation(ctx, false, () => rules.set(k, rule));
  }

  // ------------------------------------------------------------ configurations

  configurationRoute(ctx: Ctx, paramName: string | undefined) {
    this.requireServer(ctx);
    const params = this.params.get(ctx.key)!;
    const render = (name: string) => {
      const spec = PARAMETER_CATALOG[name]!;
      const p = params.get(name);
      return {
        id: `${ctx.serverId}/configurations/${name}`,
        name,
        type: 'Microsoft.DBforPostgreSQL/flexibleServers/configurations',
        properties: {
          value: p?.value ?? spec.defaultValue,
          defaultValue: spec.defaultValue,
          dataType: spec.dataType,
          allowedValues: spec.allowedValues ?? '',
          source: p?.source ?? 'system-default',
          isDynamicConfig: spec.isDynamicConfig,
          isReadOnly: spec.isReadOnly ?? false,
          isConfigPendingRestart: p?.pendingRestart ?? false,
        },
      };
    };
    if (!paramName) {
      if (ctx.method !== 'GET') throw new ArmError(405, 'MethodNotAllowed', ctx.method);
      return { status: 200, body: { value: Object.keys(PARAMETER_CATALOG).map(render) } };
    }
    const name = paramName.toLowerCase();
    const spec = PARAMETER_CATALOG[name];
    if (!spec) throw notFound(`configurations/${paramName}`);
    if (ctx.method === 'GET') return { status: 200, body: render(name) };
    if (ctx.method !== 'PUT' && ctx.method !== 'PATCH') throw new ArmError(405, 'MethodNotAllowed', ctx.method);
    this.ensureIdle(ctx);
    if (spec.isReadOnly) throw new BadRequest('ReadOnlyConfiguration', `parameter ${name} is read-only`);
    const value = normaliseValue(name, spec, String(((ctx.body.properties ?? {}) as Json).value ?? ''));
    if ('error' in value) throw new BadRequest('InvalidParameterValue', value.error);
    return this.startOperation(ctx, false, () => {
      const current = params.get(name)?.value ?? spec.defaultValue;
      const changed = current !== value.value;
      params.set(name, { value: value.value, source: 'user-override', pendingRestart: (params.get(name)?.pendingRestart ?? false) || (changed && !spec.isDynamicConfig) });
    });
  }

  // ------------------------------------------------------------ locks

  lockRoute(ctx: Ctx, lockName: string | undefined) {
    const render = (l: LockRecord) => ({ id: `${l.scope}/providers/Microsoft.Authorization/locks/${l.name}`, name: l.name, type: 'Microsoft.Authorization/locks', properties: { level: l.level, notes: l.notes ?? '' } });
    if (!lockName) {
      if (ctx.method !== 'GET') throw new ArmError(405, 'MethodNotAllowed', ctx.method);
      // Locks at the server and inherited from every scope above it.
      return { status: 200, body: { value: this.lockList.filter((l) => ctx.serverId.toLowerCase().startsWith(l.scope.toLowerCase())).map(render) } };
    }
    const at = this.lockList.findIndex((l) => l.scope.toLowerCase() === ctx.serverId.toLowerCase() && l.name.toLowerCase() === lockName.toLowerCase());
    if (ctx.method === 'GET') {
      if (at < 0) throw new ArmError(404, 'LockNotFound', `The lock '${lockName}' could not be found.`);
      return { status: 200, body: render(this.lockList[at]!) };
    }
    if (ctx.method === 'PUT') {
      this.requireServer(ctx);
      const p = (ctx.body.properties ?? {}) as Json;
      if (!['CanNotDelete', 'ReadOnly'].includes(String(p.level))) throw new BadRequest('InvalidLockLevel', `lock level ${String(p.level)} is not valid`);
      const lock = { scope: ctx.serverId, name: lockName, level: String(p.level), notes: String(p.notes ?? '') };
      if (at >= 0) this.lockList[at] = lock;
      else this.lockList.push(lock);
      return { status: at >= 0 ? 200 : 201, body: render(lock) };
    }
    throw new ArmError(405, 'MethodNotAllowed', ctx.method);
  }
}

interface Ctx {
  rg: string;
  name: string;
  serverId: string;
  key: string;
  method: string;
  path: string;
  body: Json;
}

/** A copy of a server body without the given `properties` paths (what Azure silently keeps as it was). */
function withoutPaths(body: Json, paths: ReadonlySet<string>): Json {
  if (paths.size === 0) return body;
  const copy = structuredClone(body) as { properties?: Record<string, unknown> };
  for (const path of paths) {
    const keys = path.split('.');
    let node: Record<string, unknown> | undefined = copy.properties;
    for (const key of keys.slice(0, -1)) node = node?.[key] as Record<string, unknown> | undefined;
    if (node) delete node[keys[keys.length - 1] as string];
  }
  return copy as Json;
}
