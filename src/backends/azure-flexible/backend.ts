/**
 * The `azurepostgresflexible` backend: Azure Database for PostgreSQL Flexible Server through
 * Azure Resource Manager. Every method sends at most a few requests and returns; operations Azure
 * runs for minutes are polled once per reconcile from the tokens kept in the CR's status.
 */
import { readFileSync } from 'node:fs';
import type { PostgreSQLManagementFlexibleServerClient, Server } from '@azure/arm-postgresql-flexible';
import type { TokenCredential } from '@azure/identity';
import type { HttpClient } from '@azure/core-rest-pipeline';
import type { Logger } from 'pino';
import type { ServerSpec } from '../../api/types.js';
import { TemporaryError } from '../errors.js';
import type {
  ActionResult, AdminConnection, DatabasePolicy, DeleteResult, Endpoint, PasswordResult, ServerBackend, ServerContext,
  ServerObservation, ValidationResult,
} from '../types.js';
import { holdsAdoptedSettings, keepWhatRuns } from '../common/adoption.js';
import type { NameVars } from '../common/naming.js';
import { createArmClient } from './arm-client.js';
import type { CallCounter } from './call-counter.js';
import { guarded, ThrottleGate } from './arm-errors.js';
import { AZURE_CA_BUNDLE } from './ca-bundle.js';
import { desiredRules } from './firewall.js';
import { LockClient } from './locks.js';
import { LOCK_NAME, serverName, TAG_MARKED_FOR_DELETION } from './naming.js';
import { newOp, pollOnce, start, type OpTarget, type Outcome } from './operations.js';
import { desiredParameters, managesParameters, preloadNeeded } from './parameters.js';
import { hasWrites, planServer, type Observed, type Plan } from './plan.js';
import { buildCreateBody, desiredServer, type DesiredServer } from './server-body.js';
import type { FlexibleSettings } from './settings.js';
import {
  applySuccess, backoffRemaining, passwordTag, readState, recordFailure, toBackendState, type AzureState, type OpKind, type PendingOp,
} from './state.js';
import { validateSpec } from './validate.js';
import { ArmReader } from './reads.js';

export interface AzureFlexibleBackendOptions {
  settings: FlexibleSettings;
  log: Logger;
  /** Default: DefaultAzureCredential. */
  credential?: TokenCredential;
  /** Default: the SDK's HTTP client. Tests pass one that reaches a local emulator. */
  httpClient?: HttpClient;
  now?: () => Date;
  /** Seconds the handler waits before polling a running create/delete (default 30) or other operation (default 10). */
  pollSeconds?: { long?: number; short?: number };
  /** The SDK pollers' own interval; nothing here awaits a poller, it only matters if that changes. */
  sdkPollIntervalMs?: number;
  /** CA bundle override (PEM); else `ca_bundle_file` from the config, else the Azure root CAs. */
  caBundle?: string;
  /** The port servers listen on. Azure's is always 5432; tests point it at a local PostgreSQL. */
  port?: number;
  /** `python_takeover.apply_differences`: change adopted servers to this operator's choices at once. */
  applyAdoptionDifferences?: boolean;
  /** Told about every request sent to Resource Manager (the cloud call metric). */
  onCloudCall?: CallCounter;
}


interface Target extends OpTarget {
  serverId: string;
  vars: NameVars;
  generation: number;
}

interface Snapshot extends Observed {
  desired: DesiredServer;
  plan: Plan;
}

const AZURE_PORT = 5432;
/** Azure server states during which it is changing by itself or for us: wait, write nothing. */
const TRANSITIONAL = new Set(['provisioning', 'updating', 'restarting', 'starting', 'stopping', 'dropping']);
const STOPPED_RETRY_SECONDS = 300;
const LOCK_NOTES = 'Protection from accidental deletion';
const LONG_KINDS: ReadonlySet<OpKind> = new Set(['create', 'delete']);

export class AzureFlexibleBackend implements ServerBackend {
  readonly name = 'azurepostgresflexible';
  readonly supportedActions = ['restart'] as const;
  readonly observeCallsCloudApi = true;
  private readonly settings: FlexibleSettings;
  private readonly log: Logger;
  private readonly client: PostgreSQLManagementFlexibleServerClient;
  private readonly locks: LockClient;
  private readonly reads: ArmReader;
  private readonly gate: ThrottleGate;
  private readonly now: () => Date;
  private readonly longPoll: number;
  private readonly shortPoll: number;
  private readonly sdkInterval: number;
  private readonly caBundle: string;
  private readonly port: number;
  private readonly applyAdoptionDifferences: boolean;
  /** What `observe` read, for the `update` that follows it in the same reconcile (saves a re-read). */
  private readonly snapshots = new WeakMap<ServerObservation, Snapshot>();

  constructor(options: AzureFlexibleBackendOptions) {
    this.settings = options.settings;
    this.log = options.log;
    this.now = options.now ?? (() => new Date());
    this.gate = new ThrottleGate(this.now);
    this.longPoll = options.pollSeconds?.long ?? 30;
    this.shortPoll = options.pollSeconds?.short ?? 10;
    this.sdkInterval = options.sdkPollIntervalMs ?? 2000;
    this.caBundle = options.caBundle ?? (this.settings.caBundleFile ? readFileSync(this.settings.caBundleFile, 'utf8') : AZURE_CA_BUNDLE);
    this.port = options.port ?? AZURE_PORT;
    this.applyAdoptionDifferences = options.applyAdoptionDifferences ?? false;
    this.client = createArmClient({ ...this.settings, credential: options.credential, httpClient: options.httpClient, onCall: options.onCloudCall });
    this.locks = new LockClient(this.client, this.settings.armEndpoint);
    this.reads = new ArmReader(this.client, this.locks, this.gate);
  }

  validate(spec: ServerSpec, meta: { namespace: string; name: string }): ValidationResult {
    return validateSpec(spec, meta, this.settings);
  }

  // ---------------------------------------------------------------- observe

  async observe(ctx: ServerContext): Promise<ServerObservation> {
    const { t, s } = this.begin(ctx);
    await this.pollAll(t, s);
    const server = await this.reads.server(t);
    if (!server) return this.observeMissing(s);
    const desired = desiredServer(ctx.spec, ctx.resolved, this.settings, t.vars);
    const endpoint = this.endpointOf(server);
    const azureState = (server.state ?? 'Unknown').toLowerCase();
    const failure = this.failureWarning(s);
    if (s.ops.length || TRANSITIONAL.has(azureState)) {
      const what = s.ops.length ? [...new Set(s.ops.map((o) => o.kind))].join(', ') : azureState;
      // Ready reflects Azure (a firewall change does not stop connections); busy makes the handler wait.
      return { exists: true, ready: azureState === 'ready', upToDate: true, busy: true, endpoint, message: `waiting for Azure: ${what}`, retryAfterSeconds: this.retryFor(s.ops), state: toBackendState(s), ...failure };
    }
    if (azureState !== 'ready') {
      return { exists: true, ready: false, upToDate: true, endpoint, message: `server is ${server.state ?? 'in an unknown state'} in Azure`, retryAfterSeconds: STOPPED_RETRY_SECONDS, state: toBackendState(s), ...failure };
    }
    const snapshot = await this.snapshot(ctx, t, s, server, desired);
    const { plan } = snapshot;
    const warnings = [...plan.warnings, ...(failure.warning ? [failure.warning] : [])];
    const observation: ServerObservation = {
      exists: true,
      ready: true,
      upToDate: !hasWrites(plan),
      differences: plan.differences,
      endpoint,
      message: hasWrites(plan) ? `${plan.differences.length} setting(s) differ` : 'server is ready',
      state: toBackendState(s),
      ...(warnings.length ? { warning: warnings.join('; ') } : {}),
      ...(plan.lookAgainSeconds !== undefined ? { retryAfterSeconds: plan.lookAgainSeconds } : {}),
    };
    this.snapshots.set(observation, snapshot);
    return keepWhatRuns(observation, holdsAdoptedSettings(ctx, this.applyAdoptionDifferences));
  }

  private observeMissing(s: AzureState): ServerObservation {
    const creating = s.ops.some((o) => o.kind === 'create');
    if (creating) return { exists: true, ready: false, upToDate: true, busy: true, message: 'Azure is creating the server', retryAfterSeconds: this.longPoll, state: toBackendState(s) };
    // Operations on a server that is gone cannot finish: forget them.
    s.ops = [];
    return { exists: false, ready: false, upToDate: false, message: 'server does not exist in Azure', state: toBackendState(s), ...this.failureWarning(s) };
  }

  private async snapshot(ctx: ServerContext, t: Target, s: AzureState, server: Server, desired: DesiredServer): Promise<Snapshot> {
    const params = desiredParameters(ctx.spec.serverParameters, ctx.spec.extensions);
    const preload = preloadNeeded(ctx.spec.extensions);
    const isPublic = (server.network?.publicNetworkAccess ?? 'Enabled').toLowerCase() === 'enabled';
    const observed: Observed = {
      server,
      ...(this.settings.publicAccess && isPublic ? { firewall: await this.reads.firewallRules(t) } : {}),
      ...(managesParameters(params, preload) ? { parameters: await this.reads.parameters(t) } : {}),
      ...(this.settings.lockFromDeletion ? { lockPresent: await this.reads.hasLock(t.serverId, LOCK_NAME) } : {}),
    };
    const plan = planServer({
      desired,
      observed,
      desiredRules: desiredRules(this.settings.firewallRules, ctx.spec.network?.firewallRules, this.settings.allowAzureServices),
      managedRules: s.managedFirewallRules ?? [],
      desiredParameters: params,
      preload,
      aliases: s.parameterAliases ?? {},
      restartPolicy: this.settings.restartPolicy,
      restartRequested: ctx.requestedAction === 'restart',
      lastRestart: s.lastRestart,
      now: this.now(),
    });
    // Remember every rule the operator now stands for (wanted, or to be removed), adopted ones too.
    if (plan.firewall) s.managedFirewallRules = [...new Set([...plan.firewall.managed, ...plan.firewall.remove])].sort();
    return { ...observed, desired, plan };
  }

  // ---------------------------------------------------------------- create / update

  async create(ctx: ServerContext): Promise<ActionResult> {
    const { t, s } = this.begin(ctx);
    if (s.ops.some((o) => o.kind === 'create')) return this.result(s, 'Azure is creating the server');
    const wait = backoffRemaining(s, 'create', this.now(), ctx.generation);
    if (wait > 0) return { message: `creating the server failed (${s.lastFailure?.message}); trying again in ${wait} s`, retryAfterSeconds: wait, state: toBackendState(s) };
    const desired = desiredServer(ctx.spec, ctx.resolved, this.settings, t.vars);
    const body = buildCreateBody(desired, this.settings.location, this.settings.adminUsername, ctx.adminPassword);
    this.log.info({ server: t.serverName, sku: desired.sku.name, version: desired.version }, 'creating Azure Flexible Server');
    const outcome = await start(`create server ${t.serverName}`, this.gate, () =>
      this.client.servers.beginCreateOrUpdate(t.resourceGroup, t.serverName, body, { updateIntervalInMs: this.sdkInterval }));
    this.record(s, { kind: 'create', generation: ctx.generation }, outcome);
    return this.result(s, `creating server ${t.serverName}`);
  }

  async update(ctx: ServerContext, observed: ServerObservation): Promise<ActionResult> {
    const { t, s } = this.begin(ctx, observed.state ?? ctx.state);
    if (s.ops.length) return { ...this.result(s, 'waiting for the running Azure operation'), addressed: [] };
    const snapshot = this.snapshots.get(observed) ?? (await this.freshSnapshot(ctx, t, s));
    if (!snapshot) throw new TemporaryError(`server ${t.serverName} vanished from Azure`);
    const { plan } = snapshot;
    if (plan.createLock) await this.createLock(t);
    const lock = plan.createLock ? plan.groups.lock : [];
    const kind = this.nextKind(plan);
    if (!kind) return { ...this.result(s, plan.createLock ? 'delete lock created' : 'nothing to change', this.shortPoll), addressed: lock };
    const wait = backoffRemaining(s, kind, this.now(), ctx.generation);
    if (wait > 0) return { message: `the last ${kind} failed (${s.lastFailure?.message}); trying again in ${wait} s`, retryAfterSeconds: wait, state: toBackendState(s), addressed: lock };
    return { ...(await this.write(kind, t, s, plan)), addressed: [...lock, ...addressedBy(kind, plan)] };
  }

  private write(kind: OpKind, t: Target, s: AzureState, plan: Plan): Promise<ActionResult> {
    switch (kind) {
      case 'update':
        return this.patchServer(t, s, plan);
      case 'firewall-put':
      case 'firewall-delete':
        return this.applyFirewall(t, s, plan);
      case 'parameter':
        return this.applyParameters(t, s, plan);
      default:
        return this.restart(t, s);
    }
  }

  private async patchServer(t: Target, s: AzureState, plan: Plan): Promise<ActionResult> {
    const patch = plan.serverPatch!;
    this.log.info({ server: t.serverName, changes: plan.differences }, 'updating Azure Flexible Server');
    this.record(s, { kind: 'update', generation: t.generation }, await start(`update server ${t.serverName}`, this.gate, () =>
      this.client.servers.beginUpdate(t.resourceGroup, t.serverName, patch, { updateIntervalInMs: this.sdkInterval })));
    return this.result(s, `updating ${plan.differences.join('; ')}`);
  }

  private nextKind(plan: Plan): OpKind | undefined {
    if (plan.serverPatch) return 'update';
    if (plan.firewall?.put.length) return 'firewall-put';
    if (plan.firewall?.remove.length) return 'firewall-delete';
    if (plan.parameters?.put.length) return 'parameter';
    return plan.restart ? 'restart' : undefined;
  }

  private async freshSnapshot(ctx: ServerContext, t: Target, s: AzureState): Promise<Snapshot | undefined> {
    const server = await this.reads.server(t);
    if (!server) return undefined;
    return this.snapshot(ctx, t, s, server, desiredServer(ctx.spec, ctx.resolved, this.settings, t.vars));
  }

  private async createLock(t: Target): Promise<void> {
    this.log.info({ server: t.serverName }, 'creating delete lock');
    await guarded(this.gate, `create delete lock on ${t.serverName}`, () => this.locks.putCanNotDelete(t.serverId, LOCK_NAME, LOCK_NOTES));
  }

  /**
   * Starts one operation per rule to set or remove, one after the other (each call only sends the
   * initial request). When Azure refuses one (e.g. busy), those started are kept and the rest is
   * left for the next reconcile.
   */
  private async applyFirewall(t: Target, s: AzureState, plan: Plan): Promise<ActionResult> {
    const fw = plan.firewall!;
    const steps: (() => Promise<void>)[] = [
      ...fw.put.map((rule) => async () => {
        this.record(s, { kind: 'firewall-put', target: rule.name, generation: t.generation }, await start(`set firewall rule ${rule.name}`, this.gate, () =>
          this.client.firewallRules.beginCreateOrUpdate(t.resourceGroup, t.serverName, rule.name, { startIpAddress: rule.startIp, endIpAddress: rule.endIp }, { updateIntervalInMs: this.sdkInterval })));
      }),
      ...fw.remove.map((name) => async () => {
        const outcome = await start(`remove firewall rule ${name}`, this.gate, () =>
          this.client.firewallRules.beginDelete(t.resourceGroup, t.serverName, name, { updateIntervalInMs: this.sdkInterval }));
        this.record(s, { kind: 'firewall-delete', target: name, generation: t.generation }, outcome);
      }),
    ];
    await this.runSteps(steps);
    return this.result(s, `reconciling firewall rules: ${plan.differences.filter((d) => d.startsWith('firewall')).join('; ')}`);
  }

  private async applyParameters(t: Target, s: AzureState, plan: Plan): Promise<ActionResult> {
    const steps = plan.parameters!.put.map(({ name, value }) => async () => {
      this.log.info({ server: t.serverName, parameter: name }, 'setting server parameter');
      this.record(s, { kind: 'parameter', target: name, value, generation: t.generation }, await start(`set server parameter ${name}`, this.gate, () =>
        this.client.configurations.beginPut(t.resourceGroup, t.serverName, name, { value, source: 'user-override' }, { updateIntervalInMs: this.sdkInterval })));
    });
    await this.runSteps(steps);
    return this.result(s, `setting server parameter(s) ${plan.parameters!.put.map((p) => p.name).join(', ')}`);
  }

  /** Runs the steps in order; a failing step ends the run, and is rethrown only if it was the first. */
  private async runSteps(steps: (() => Promise<void>)[]): Promise<void> {
    for (const [i, step] of steps.entries()) {
      try {
        await step();
      } catch (err) {
        if (i === 0) throw err;
        this.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'Azure refused an operation; the rest waits for the next reconcile');
        return;
      }
    }
  }

  private async restart(t: Target, s: AzureState): Promise<ActionResult> {
    this.log.info({ server: t.serverName }, 'restarting server to apply server parameters');
    s.lastRestart = this.now().toISOString();
    this.record(s, { kind: 'restart', generation: t.generation }, await start(`restart server ${t.serverName}`, this.gate, () =>
      this.client.servers.beginRestart(t.resourceGroup, t.serverName, { updateIntervalInMs: this.sdkInterval })));
    return this.result(s, 'restarting the server to apply server parameters');
  }

  // ---------------------------------------------------------------- password

  async setAdminPassword(ctx: ServerContext, password: string, _endpoint?: Endpoint): Promise<PasswordResult> {
    const { t, s } = this.begin(ctx);
    const tag = passwordTag(ctx.uid, password);
    await this.pollAll(t, s);
    if (s.passwordApplied === tag) return { applied: true, message: 'admin password changed', state: toBackendState(s) };
    if (s.ops.length) return { applied: false, message: 'waiting for the running Azure operation', retryAfterSeconds: this.retryFor(s.ops), state: toBackendState(s) };
    const wait = backoffRemaining(s, 'password', this.now(), ctx.generation);
    if (wait > 0) return { applied: false, message: `changing the admin password failed (${s.lastFailure?.message}); trying again in ${wait} s`, retryAfterSeconds: wait, state: toBackendState(s) };
    this.log.info({ server: t.serverName }, 'changing the admin password');
    const outcome = await start(`change the admin password of ${t.serverName}`, this.gate, () =>
      this.client.servers.beginUpdate(t.resourceGroup, t.serverName, { administratorLoginPassword: password }, { updateIntervalInMs: this.sdkInterval }));
    this.record(s, { kind: 'password', value: tag, generation: ctx.generation }, outcome);
    const applied = s.passwordApplied === tag;
    return { applied, message: applied ? 'admin password changed' : 'Azure is changing the admin password', ...(applied ? {} : { retryAfterSeconds: this.shortPoll }), state: toBackendState(s) };
  }

  // ---------------------------------------------------------------- delete

  async delete(ctx: ServerContext): Promise<DeleteResult> {
    const { t, s } = this.begin(ctx);
    const finished = await this.pollAll(t, s);
    if (finished.includes('delete') || (finished.includes('mark-deleted') && this.settings.serverDeleteFake)) return { gone: true, message: this.settings.serverDeleteFake ? 'server kept in Azure, tagged as deleted' : 'server deleted', state: toBackendState(s) };
    if (s.ops.length) return { gone: false, message: `waiting for Azure: ${s.ops.map((o) => o.kind).join(', ')}`, retryAfterSeconds: this.retryFor(s.ops), state: toBackendState(s) };
    const server = await this.reads.server(t);
    if (!server) return { gone: true, message: 'server does not exist in Azure', state: toBackendState(s) };
    return this.settings.serverDeleteFake ? this.markDeleted(t, s, server) : this.deleteServer(t, s);
  }

  private async markDeleted(t: Target, s: AzureState, server: Server): Promise<DeleteResult> {
    if (server.tags?.[TAG_MARKED_FOR_DELETION] === 'yes') return { gone: true, message: 'server kept in Azure, tagged as deleted', state: toBackendState(s) };
    const wait = backoffRemaining(s, 'mark-deleted', this.now());
    if (wait > 0) return { gone: false, message: `tagging the server failed (${s.lastFailure?.message}); trying again in ${wait} s`, retryAfterSeconds: wait, state: toBackendState(s) };
    const tags = { ...server.tags, [TAG_MARKED_FOR_DELETION]: 'yes' };
    this.log.info({ server: t.serverName }, 'fake deletion: tagging the server instead of deleting it');
    const outcome = await start(`tag server ${t.serverName} as deleted`, this.gate, () =>
      this.client.servers.beginUpdate(t.resourceGroup, t.serverName, { tags }, { updateIntervalInMs: this.sdkInterval }));
    this.record(s, { kind: 'mark-deleted', generation: t.generation }, outcome);
    const done = outcome.status === 'succeeded';
    return { gone: done, message: done ? 'server kept in Azure, tagged as deleted' : 'tagging the server as deleted', ...(done ? {} : { retryAfterSeconds: this.shortPoll }), state: toBackendState(s) };
  }

  private async deleteServer(t: Target, s: AzureState): Promise<DeleteResult> {
    const locks = await this.reads.allLocks(t.serverId);
    const blocking = locks.filter((l) => ['cannotdelete', 'readonly'].includes(l.level.toLowerCase()));
    if (blocking.length) return this.blocked(s, blocking.map((l) => `${l.name} (${l.level})`).join(', '));
    const wait = backoffRemaining(s, 'delete', this.now());
    if (wait > 0) return { gone: false, message: `deleting the server failed (${s.lastFailure?.message}); trying again in ${wait} s`, retryAfterSeconds: wait, state: toBackendState(s) };
    this.log.info({ server: t.serverName }, 'deleting Azure Flexible Server');
    let outcome: Outcome;
    try {
      outcome = await start(`delete server ${t.serverName}`, this.gate, () =>
        this.client.servers.beginDelete(t.resourceGroup, t.serverName, { updateIntervalInMs: this.sdkInterval }));
    } catch (err) {
      // A lock created between the check and the request: ARM answers 409 ScopeLocked.
      if (err instanceof Error && /ScopeLocked/i.test(err.message)) return this.blocked(s, 'a lock');
      throw err;
    }
    this.record(s, { kind: 'delete', generation: t.generation }, outcome);
    const gone = outcome.status === 'succeeded';
    return { gone, message: gone ? 'server deleted' : `deleting server ${t.serverName}`, ...(gone ? {} : { retryAfterSeconds: this.longPoll }), state: toBackendState(s) };
  }

  private blocked(s: AzureState, locks: string): DeleteResult {
    return {
      gone: false,
      blocked: true,
      message: `Azure lock(s) ${locks} prevent deleting the server; remove them (portal or "az lock delete") and the deletion continues`,
      retryAfterSeconds: STOPPED_RETRY_SECONDS,
      state: toBackendState(s),
    };
  }

  // ---------------------------------------------------------------- connections and policy

  adminConnection(ctx: ServerContext, endpoint: Endpoint): AdminConnection {
    return { host: endpoint.host, port: endpoint.port, user: this.settings.adminUsername, password: ctx.adminPassword, database: 'postgres', sslmode: 'verify-full', caCert: this.caBundle };
  }

  databasePolicy(spec: ServerSpec): DatabasePolicy {
    const requested = new Set((spec.extensions ?? []).map((e) => e.toLowerCase()));
    return { dropOnDelete: !this.settings.databaseDeleteFake, allowedExtensions: this.settings.allowedExtensions.filter((e) => requested.has(e)) };
  }

  // ---------------------------------------------------------------- helpers

  /**
   * The state, with the server's identity pinned in it the first time the server is seen, and the
   * target it names (ADR 0013): a later change of name_pattern, name_overrides or resource_group
   * never loses a server, and `delete` needs nothing of the desired state.
   */
  private begin(ctx: ServerContext, raw: ServerContext['state'] = ctx.state): { t: Target; s: AzureState } {
    const s = readState(raw);
    const vars = { namespace: ctx.namespace, name: ctx.name };
    s.identity ??= { serverName: serverName(vars, this.settings.namePattern, this.settings.nameOverrides), resourceGroup: this.settings.resourceGroup };
    const { serverName: name, resourceGroup } = s.identity;
    const serverId = `/subscriptions/${this.settings.subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.DBforPostgreSQL/flexibleServers/${name}`;
    return { s, t: { resourceGroup, serverName: name, vars, generation: ctx.generation, serverId } };
  }

  private endpointOf(server: Server): Endpoint | undefined {
    return server.fullyQualifiedDomainName ? { host: server.fullyQualifiedDomainName, port: this.port, sslmode: 'verify-full', caCert: this.caBundle } : undefined;
  }

  /** Polls every pending operation once; returns the kinds that finished successfully. */
  private async pollAll(t: Target, s: AzureState): Promise<OpKind[]> {
    const finished: OpKind[] = [];
    const ops = s.ops;
    s.ops = [];
    for (const [i, op] of ops.entries()) {
      let outcome: Outcome;
      try {
        outcome = await pollOnce(this.client, t, op, this.gate, this.sdkInterval);
      } catch (err) {
        s.ops.push(...ops.slice(i)); // keep the rest unpolled; the caller's error ends this reconcile
        throw err;
      }
      this.record(s, op, outcome);
      if (outcome.status === 'succeeded') finished.push(op.kind);
    }
    return finished;
  }

  /** Applies an operation's outcome to the state. */
  private record(s: AzureState, op: Pick<PendingOp, 'kind' | 'target' | 'value' | 'generation'> & { startedAt?: string }, outcome: Outcome): void {
    const now = this.now();
    switch (outcome.status) {
      case 'running': {
        const { kind, startedAt, ...extra } = op;
        s.ops.push({ ...newOp(kind, outcome.token, now, extra), ...(startedAt ? { startedAt } : {}) });
        return;
      }
      case 'succeeded':
        applySuccess(s, op, outcome.result);
        return;
      case 'failed':
        this.log.warn({ kind: op.kind, target: op.target, error: outcome.message }, 'Azure operation failed');
        recordFailure(s, op, outcome.message, now);
        return;
      case 'lost':
        return;
    }
  }

  private failureWarning(s: AzureState): { warning?: string } {
    const f = s.lastFailure;
    return f ? { warning: `Azure ${f.kind}${f.target ? ` ${f.target}` : ''} failed: ${f.message}` } : {};
  }

  private retryFor(ops: readonly PendingOp[]): number {
    return ops.some((o) => LONG_KINDS.has(o.kind)) ? this.longPoll : this.shortPoll;
  }

  private result(s: AzureState, message: string, retryAfterSeconds?: number): ActionResult {
    return { message, retryAfterSeconds: retryAfterSeconds ?? this.retryFor(s.ops), state: toBackendState(s) };
  }
}

/** The differences a write of `kind` sends a change for. */
function addressedBy(kind: OpKind, plan: Plan): string[] {
  if (kind === 'update') return plan.groups.server;
  if (kind === 'firewall-put' || kind === 'firewall-delete') return plan.groups.firewall;
  if (kind === 'parameter') return plan.groups.parameter;
  return plan.groups.restart;
}
