import { readFileSync } from 'node:fs';
import type { RDSClientConfig } from '@aws-sdk/client-rds';
import type { Logger } from 'pino';
import type { ServerSpec } from '../../api/types.js';
import type {
  ActionResult,
  AdminConnection,
  BackendState,
  DatabasePolicy,
  DeleteResult,
  Endpoint,
  PasswordResult,
  ServerBackend,
  ServerContext,
  ServerObservation,
  ValidationResult,
} from '../types.js';
import type { CallCounter } from './call-counter.js';
import type { Comparison } from './compare.js';
import { holdsAdoptedSettings, keepWhatRuns } from '../common/adoption.js';
import { allowedExtensions, normalizeSection } from './config.js';
import type { AwsSection } from './config.js';
import type { ServerRef } from './desired.js';
import { finalSnapshotIdentifier, serverIdentifier } from './identifiers.js';
import { changeMasterPassword } from './password.js';
import type { PasswordTarget } from './password.js';
import { RdsApi } from './rds-api.js';
import { RDS_GLOBAL_CA_BUNDLE } from './rds-ca-bundle.js';
import { DEFAULT_POLL, judgeStatus, nextPoll, withoutPoll } from './status.js';
import type { PollSettings } from './status.js';
import { unsupportedFeatures, validateSpec } from './validation.js';
import type { AwsKind } from './validation.js';

/** Everything the AWS backends take; tests inject the emulator endpoint, credentials and timings. */
export interface AwsBackendOptions {
  /** The backend's config section (the `aws` fallbacks already merged in). */
  section: Partial<AwsSection> | Record<string, unknown>;
  log: Logger;
  /** Extra SDK client settings, e.g. static credentials; otherwise the default credential chain. */
  clientConfig?: RDSClientConfig;
  now?: () => Date;
  poll?: Partial<PollSettings>;
  /** Base wait after AWS throttled a call (jittered ±25 %). */
  throttleRetrySeconds?: number;
  /** Wait after an account-level fault (quota, capacity, missing subnet group). */
  environmentRetrySeconds?: number;
  /** How long to trust `available` after a password change RDS never showed in progress. */
  passwordSettleSeconds?: number;
  /** CA bundle override (PEM); else `ca_bundle_file` from the config, else the RDS global bundle. */
  caBundle?: string;
  /** `python_takeover.apply_differences`: change adopted servers to this operator's choices at once. */
  applyAdoptionDifferences?: boolean;
  /** Told about every request sent to RDS (the cloud call metric). */
  onCloudCall?: CallCounter;
}

/** What one Modify call sent: a text for the condition, and the differences it addressed. */
export interface Sent {
  text: string;
  addressed: string[];
}

/** Where the identifier is pinned in `status.backendState`. */
const IDENTIFIER_KEY = 'identifier';

/** Wait before looking again at a deletion nobody can progress (protection, foreign instances). */
const BLOCKED_RETRY_SECONDS = 300;

/** What RDS and Aurora share: config, client, validation, endpoint, credentials, policies. */
export abstract class AwsBackendBase implements ServerBackend {
  abstract readonly name: string;
  readonly observeCallsCloudApi = true;
  protected abstract readonly kind: AwsKind;
  protected readonly section: AwsSection;
  protected readonly api: RdsApi;
  protected readonly log: Logger;
  protected readonly poll: PollSettings;
  protected readonly now: () => Date;
  private readonly caBundle: string;
  private readonly passwordSettleMs: number;
  private readonly applyAdoptionDifferences: boolean;

  constructor(options: AwsBackendOptions) {
    this.section = normalizeSection(options.section as Record<string, unknown>);
    this.log = options.log;
    this.poll = { ...DEFAULT_POLL, ...options.poll };
    this.now = options.now ?? (() => new Date());
    this.passwordSettleMs = (options.passwordSettleSeconds ?? 60) * 1000;
    this.applyAdoptionDifferences = options.applyAdoptionDifferences ?? false;
    this.caBundle = options.caBundle ?? (this.section.ca_bundle_file ? readFileSync(this.section.ca_bundle_file, 'utf8') : RDS_GLOBAL_CA_BUNDLE);
    this.api = new RdsApi({
      region: this.section.region,
      endpoint: this.section.endpoint ?? undefined,
      clientConfig: options.clientConfig,
      timing: { throttleSeconds: options.throttleRetrySeconds ?? 20, environmentSeconds: options.environmentRetrySeconds ?? 300 },
      onCall: options.onCloudCall,
    });
  }

  abstract observe(ctx: ServerContext): Promise<ServerObservation>;
  abstract create(ctx: ServerContext): Promise<ActionResult>;
  abstract update(ctx: ServerContext, observed: ServerObservation): Promise<ActionResult>;
  abstract delete(ctx: ServerContext): Promise<DeleteResult>;
  abstract setAdminPassword(ctx: ServerContext, password: string, endpoint: Endpoint | undefined): Promise<PasswordResult>;

  validate(spec: ServerSpec, meta: { namespace: string; name: string }): ValidationResult {
    return validateSpec(this.kind, spec, meta, this.section);
  }

  adminConnection(ctx: ServerContext, endpoint: Endpoint): AdminConnection {
    return {
      host: endpoint.host,
      port: endpoint.port,
      user: this.section.admin_username,
      password: ctx.adminPassword,
      database: 'postgres',
      sslmode: 'verify-full',
      caCert: this.caBundle,
    };
  }

  /** Databases may create the extensions their server provisions (spec.extensions) that the config allows. */
  databasePolicy(spec: ServerSpec): DatabasePolicy {
    const allowed = allowedExtensions(this.section);
    const provisioned = (spec.extensions ?? []).map((e) => e.toLowerCase());
    return { dropOnDelete: !this.section.database_delete_fake, allowedExtensions: provisioned.filter((e) => allowed.includes(e)) };
  }

  async close(): Promise<void> {
    this.api.close();
  }

  /**
   * The AWS identifier of this server's instance or cluster: the one pinned in the state the first
   * time the server was seen, else the naming config's (ADR 0013). Needs nothing of the desired
   * state, so `delete` works whatever happened to the spec, its class or the classes.
   */
  protected identifier(ctx: ServerContext): string {
    const pinned = ctx.state[IDENTIFIER_KEY];
    return typeof pinned === 'string' && pinned ? pinned : serverIdentifier(this.section, { namespace: ctx.namespace, name: ctx.name });
  }

  /** The context with the identifier pinned in its state, which every result carries on. */
  protected pinned(ctx: ServerContext): ServerContext {
    return { ...ctx, state: { ...ctx.state, [IDENTIFIER_KEY]: this.identifier(ctx) } };
  }

  protected ref(ctx: ServerContext): ServerRef {
    return { namespace: ctx.namespace, name: ctx.name, spec: ctx.spec, version: ctx.resolved.version };
  }

  protected endpoint(host: string | undefined, port: number | undefined): Endpoint | undefined {
    if (!host) return undefined;
    return { host, port: port ?? 5432, sslmode: 'verify-full', caCert: this.caBundle };
  }

  /** The observation of an existing resource, from its status and its comparison with the spec. */
  protected observation(ctx: ServerContext, what: string, status: string, cmp: Comparison, endpoint: Endpoint | undefined): ServerObservation {
    const verdict = judgeStatus(status);
    const hold = holdsAdoptedSettings(ctx, this.applyAdoptionDifferences);
    // Held differences (an adopted server) are no reason to look again soon.
    const upToDate = hold || cmp.differences.length === 0;
    const poll = verdict.busy || !upToDate ? nextPoll(ctx.state, status, this.poll) : undefined;
    const warnings = [...cmp.warnings, ...unsupportedFeatures(this.kind, ctx.spec)];
    if (cmp.pending.length > 0) {
      const when = verdict.busy ? 'being applied' : 'waiting for the maintenance window';
      warnings.push(`changes ${when}: ${cmp.pending.join(', ')}`);
    }
    const stuck = verdict.stuck ? ' and needs attention in AWS' : '';
    const observation: ServerObservation = {
      exists: true,
      ready: verdict.serving && endpoint !== undefined,
      upToDate,
      busy: verdict.busy,
      differences: cmp.differences.map((d) => d.message),
      endpoint,
      message: `${what} is ${status}${stuck}`,
      retryAfterSeconds: poll?.seconds,
      state: poll ? poll.state : withoutPoll(ctx.state),
      warning: warnings.length > 0 ? warnings.join('; ') : undefined,
    };
    return keepWhatRuns(observation, hold, hold ? this.takeoverNotes() : []);
  }

  /**
   * What differs for an adopted server without being a setting: the Python operator deleted
   * every server without a final snapshot (SkipFinalSnapshot=True); this one takes one unless
   * `final_snapshot` is false.
   */
  private takeoverNotes(): string[] {
    return this.section.final_snapshot
      ? ['deletion: the Python operator deleted servers without a final snapshot; this operator takes one (final_snapshot: true in the config), so deleting this server keeps a snapshot that costs storage until someone deletes it']
      : [];
  }

  protected changePassword(ctx: ServerContext, password: string, target: PasswordTarget): Promise<PasswordResult> {
    return changeMasterPassword(target, ctx.uid, password, ctx.state, {
      now: () => this.now().getTime(),
      settleMs: this.passwordSettleMs,
      retrySeconds: this.poll.firstSeconds,
    });
  }

  /** The final snapshot to take (reused from the state on retries), or undefined when skipped. */
  protected finalSnapshot(state: BackendState, identifier: string): string | undefined {
    if (!this.section.final_snapshot) return undefined;
    return typeof state.finalSnapshot === 'string' ? state.finalSnapshot : finalSnapshotIdentifier(identifier, this.now());
  }

  protected blocked(message: string, state: BackendState): DeleteResult {
    return { gone: false, blocked: true, message, retryAfterSeconds: BLOCKED_RETRY_SECONDS, state };
  }

  protected deleting(ctx: ServerContext, message: string, status: string, extra: BackendState = {}): DeleteResult {
    const poll = nextPoll({ ...ctx.state, ...extra }, status, this.poll);
    return { gone: false, message, retryAfterSeconds: poll.seconds, state: poll.state };
  }

  protected pending(ctx: ServerContext, message: string, status: string): ActionResult {
    const poll = nextPoll(ctx.state, status, this.poll);
    return { message, retryAfterSeconds: poll.seconds, state: poll.state };
  }
}
