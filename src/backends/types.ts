/**
 * THE backend contract. Every backend (statefulset, helmbitnami, azurepostgresflexible, awsrds,
 * awsaurora, external) implements `ServerBackend`; the generic handlers in `src/handlers` drive it.
 *
 * Rules every backend follows:
 * 1. Nothing blocks. A method starts work and returns at once; waiting for a cloud or a pod is the
 *    handler's job ("pending, look again in N seconds"), never an `await` on a long operation.
 * 2. Everything is idempotent. Any method may be called again after the process was killed at any
 *    line, with the state last persisted (`ServerContext.state`), and must converge.
 * 3. `observe` is read-only. The handler decides from its answer whether to create, update or wait.
 * 4. Bad input is a `PermanentError` (see errors.ts) or, better, a `Problem` from `validate`; a fault
 *    that may pass (network, throttling, 5xx) is a `TemporaryError` or any other thrown error.
 * 5. Backends hold no handler logic: they never touch the CRs, their status, their finalizers or the
 *    users' credentials Secrets. Handlers hold no cloud logic.
 * 6. Deletion needs only identity (ADR 0013): what names the created resource is pinned in `state`
 *    the first time a server is handled and used by every call after; `delete` (and
 *    `setAdminPassword`) read nothing of the desired state (class, limits, version) and never throw
 *    because the spec or the config changed. `ctx.resolved` in `delete` comes from status and may
 *    be empty. A resource already gone is `gone`.
 */
import type { Logger } from 'pino';
import type { Adoption, BackupStatus, MaintenanceStatus, OwnerReference, RestoreSource, ServerSpec } from '../api/types.js';
import type { ReasonName } from '../api/conditions.js';
import type { KubeClients } from '../k8s/clients.js';
import type { OperatorConfig } from '../config/types.js';

export type SslMode = 'disable' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';

/** Where applications reach a server; published into the credentials Secrets. */
export interface Endpoint {
  host: string;
  port: number;
  sslmode: SslMode;
  /** PEM CA bundle clients need for `verify-full` (published as `ca.crt`). */
  caCert?: string;
}

/** How the operator itself connects to a server to manage databases and roles. */
export interface AdminConnection {
  host: string;
  port: number;
  user: string;
  password: string;
  /** The maintenance database to connect to (usually `postgres`). */
  database: string;
  sslmode: SslMode;
  caCert?: string;
  /**
   * These credentials must not leave where they are kept (an external server the operator config
   * declares, whose admin the server's namespace must never see): the handler publishes only the
   * endpoint into the server's credentials Secret.
   */
  confidential?: boolean;
  /**
   * For `verify-full` when `host` is not the name in the certificate (e.g. the operator reaches
   * an in-cluster server through a port-forward): the name the certificate must carry.
   */
  tlsServerName?: string;
}

/** Opaque, JSON-serialisable per-backend state, persisted in the CR's `status.backendState`. */
export type BackendState = Record<string, unknown>;

/** A config-dependent problem with a spec, found without I/O. */
export interface Problem {
  reason: ReasonName;
  /** The spec path at fault, e.g. `spec.size.class`. */
  field: string;
  message: string;
}

/** What `validate` resolved from the spec and the config (class, version). */
export interface ResolvedServer {
  /** The size class in use, or undefined when sized by cpu/memory. */
  sizeClass?: string;
  /** The major version, e.g. "17" (`latest` resolved). */
  version: string;
}

export type ValidationResult = { ok: true; resolved: ResolvedServer } | { ok: false; problems: Problem[] };

/** Everything a backend needs about one server, built by the handler for each reconcile. */
export interface ServerContext {
  namespace: string;
  name: string;
  uid: string;
  generation: number;
  spec: ServerSpec;
  resolved: ResolvedServer;
  /**
   * The current admin password. It is generated and stored before the first `create`. A backend
   * whose admin credentials are kept elsewhere (external: a Secret it reads) does not use it; the
   * store then only carries a reset's pending password.
   */
  adminPassword: string;
  /**
   * The operator-owned Secret (in the server's namespace) that holds the admin password under
   * `passwordKey`: in-cluster backends reference it instead of copying the password around.
   */
  adminSecret: { name: string; passwordKey: string };
  /** Owner reference to the PostgreSQLServer, for every in-cluster object a backend creates. */
  owner: OwnerReference;
  /** Labels every in-cluster object of this server carries (exact selection on cleanup). */
  labels: Record<string, string>;
  /** What the backend returned as `state` last time (empty at first). */
  state: BackendState;
  /**
   * The user's `operator/action` label other than `reset-password` (e.g. `restart`): the backend
   * acts on it; the handler removes the label once the server is ready, up to date and not busy.
   */
  requestedAction?: string;
  /**
   * Set when the server was created by the Python operator and taken over (from
   * `status.adoption`). While `generation` equals `adoption.generation` and the config does not
   * opt in to applying them, the backend keeps what runs wherever its own choice for the same spec
   * would differ, and names each such setting in `ServerObservation.adoptionDifferences`.
   */
  adoption?: Adoption;
  /**
   * `spec.restoreFrom`, until the backend reported the restore done (`ServerObservation.restoredFrom`).
   * The backend restores it before it reports the server ready. `create` and `update` see it only
   * checked by the handler (the source exists and lists the backup); `observe` sees it also when
   * the source is gone, so that a restore done already is still found (its Job, the marker).
   */
  restore?: RestoreSource;
}

export interface ServerObservation {
  /** The server exists in the backend (in any state, including still being created). */
  exists: boolean;
  /** It accepts connections. */
  ready: boolean;
  /** Its settings match the spec and config; when false, `update` is due once nothing is in flight. */
  upToDate: boolean;
  /** An operation (create, update, restart) is still running: the handler waits instead of writing. */
  busy?: boolean;
  /** Human-readable list of the settings that differ, for events and conditions. */
  differences?: string[];
  endpoint?: Endpoint;
  /** A human-readable state ("creating", "waiting for pod postgres-0"). */
  message?: string;
  /**
   * When to look again: while not ready or busy; when ready, only to come back before the resync
   * for a reason (e.g. a maintenance window opening). Unset at steady state.
   */
  retryAfterSeconds?: number;
  /** New state to persist (e.g. a finished poller's token removed). */
  state?: BackendState;
  /** Something the user should know that does not stop readiness (e.g. "restart needed"). */
  warning?: string;
  /**
   * For an adopted server: settings where this operator would choose differently from what runs
   * (e.g. "sku: runs Standard_D2ds_v4, would choose Standard_D2ds_v5"), kept as they are. The
   * handler reports each once as an event; `upToDate` does not count them.
   */
  adoptionDifferences?: string[];
  /**
   * The major version that runs, for backends that learn it only by looking (an external server);
   * it replaces `ResolvedServer.version` in status.
   */
  version?: string;
  /** The server's scheduled backups (in-cluster backends): written to `status.backup`. */
  backup?: BackupStatus;
  /** The restore asked for in `ServerContext.restore` is complete (written to `status.restoredFrom`). */
  restoredFrom?: RestoreSource & { at: string };
  /**
   * Changes held for the server's maintenance window (in-cluster backends: a new image or chart
   * from the config, a restart for parameters), not counted in `differences`: written to
   * `status.maintenance`; `retryAfterSeconds` brings the server back when the window opens.
   */
  maintenance?: MaintenanceStatus;
}

/** The answer of create/update/setAdminPassword: work was started or done; look again later. */
export interface ActionResult {
  message: string;
  retryAfterSeconds: number;
  state?: BackendState;
  /**
   * For `update`: the entries of `ServerObservation.differences` this call sent a change for
   * (empty when it sent nothing, e.g. the cloud was busy). Default: all of them. The handler counts
   * update attempts per difference from it and stops re-sending one that never goes away.
   */
  addressed?: string[];
  /**
   * Something the backend did on its own that the user should hear about (e.g. it repaired an
   * operation an earlier, interrupted call left behind): the handler records it as a Warning event.
   */
  notice?: { reason: string; message: string };
}

export interface DeleteResult {
  /** Everything is gone (or kept on purpose, e.g. fake deletion): the finalizer may go. */
  gone: boolean;
  message: string;
  retryAfterSeconds?: number;
  state?: BackendState;
  /** Deletion cannot progress until someone acts (e.g. a delete lock): reported as DeletionBlocked. */
  blocked?: boolean;
}

export interface PasswordResult {
  /** The backend applied the password (the handler may now publish it). */
  applied: boolean;
  /**
   * The backend will not change the password, and `message` says why (an external server whose
   * admin Secret the operator does not own: a new password could not be written back). The handler
   * drops the request and keeps the current password.
   */
  refused?: boolean;
  message: string;
  retryAfterSeconds?: number;
  state?: BackendState;
}

/** Per-backend rules for the databases inside its servers. */
export interface DatabasePolicy {
  /** On PostgreSQLDatabase deletion: drop database and role, or keep everything. */
  dropOnDelete: boolean;
  /** Extensions a PostgreSQLDatabase may ask for in this server. */
  allowedExtensions: string[];
  /**
   * False for servers that existed before the operator (external): a database or role found there
   * is taken over only when the operator can prove it made it (its claim), never because it has the
   * right name. Default true (servers the operator made; databases the Python operator left).
   */
  adoptUnclaimed?: boolean;
}

export interface ServerBackend {
  readonly name: string;
  /** `operator/action` label values this backend acts on (see `ServerContext.requestedAction`). */
  readonly supportedActions?: readonly string[];
  /**
   * `observe` reads a cloud API that is rate-limited (and counted against a subscription or
   * account): the handler reads a settled server only every `reconcile.cloud_check_seconds` and
   * reuses its last observation on the resyncs in between. In-cluster backends leave it unset.
   */
  readonly observeCallsCloudApi?: boolean;
  /** It restores `ServerContext.restore` (spec.restoreFrom) before reporting ready; else the handler refuses the field. */
  readonly supportsRestore?: boolean;
  /** Pure checks of the spec against this backend's config (class, limits, version); no I/O. */
  validate(spec: ServerSpec, meta: { namespace: string; name: string }): ValidationResult;
  observe(ctx: ServerContext): Promise<ServerObservation>;
  create(ctx: ServerContext): Promise<ActionResult>;
  update(ctx: ServerContext, observed: ServerObservation): Promise<ActionResult>;
  delete(ctx: ServerContext): Promise<DeleteResult>;
  /**
   * Make `password` the admin password. Idempotent: called again with the same password until it
   * answers `applied`. In-cluster backends change it with SQL (see `src/postgres`).
   */
  setAdminPassword(ctx: ServerContext, password: string, endpoint: Endpoint | undefined): Promise<PasswordResult>;
  /**
   * How the operator connects as admin, given the observed endpoint. May read (an external
   * server's credentials live in a Secret the backend reads), so callers await it.
   */
  adminConnection(ctx: ServerContext, endpoint: Endpoint): AdminConnection | Promise<AdminConnection>;
  databasePolicy(spec: ServerSpec): DatabasePolicy;
  /** Release clients, pools and timers at shutdown. */
  close?(): Promise<void>;
}

/** Counts one request a backend's SDK sent to a cloud API (the `/metrics` cloud call counter). */
export type CloudCallRecorder = (backend: string, operation: string, result: 'success' | 'error') => void;

/** What the composition root hands every backend factory. */
export interface BackendDeps {
  config: OperatorConfig;
  kube: KubeClients;
  log: Logger;
  /** Cloud backends report every SDK request here (each attempt, polls included). */
  recordCloudCall?: CloudCallRecorder;
}

export type BackendFactory = (deps: BackendDeps) => ServerBackend | Promise<ServerBackend>;
