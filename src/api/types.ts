/**
 * TypeScript view of the two custom resources. The CRD schemas in `crds/` are the source of
 * truth for validation; these types mirror them field by field.
 */
export type Weekday = 'Mon' | 'Tue' | 'Wed' | 'Thu' | 'Fri' | 'Sat' | 'Sun';

export interface ObjectMeta {
  name: string;
  namespace: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  deletionTimestamp?: string;
  creationTimestamp?: string;
  ownerReferences?: OwnerReference[];
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface FirewallRule {
  name: string;
  startIp: string;
  endIp: string;
}

export interface ServerSpec {
  backend?: string;
  /** A major version such as 16 or "16", or `latest` / empty for the newest the backend offers. */
  version?: string | number;
  size: {
    class?: string;
    cpu?: number;
    memoryMB?: number;
    storageGB: number;
    storageAutoGrow?: boolean;
  };
  backup?: { retentionDays?: number; geoRedundant?: boolean };
  extensions?: string[];
  network?: { firewallRules?: FirewallRule[] };
  serverParameters?: Record<string, string | number>;
  maintenance?: { window?: { weekday: Weekday; starttime: string } };
  highavailability?: { enabled?: boolean };
  /** Only for backend `external`: which existing server this object stands for. */
  external?: ExternalServerRef;
  /** Which other namespaces may put databases on this server (default: none). */
  sharing?: Sharing;
  credentialsSecret: string;
  /** Extra credentials Secret keys rendered from `{{ .field }}` templates (see credentials-template.ts). */
  credentialsTemplate?: Record<string, string>;
  /** Create the server with the data of a backup of another server (in-cluster backends; ADR 0020). */
  restoreFrom?: RestoreSource;
}

/** A backup listed in another PostgreSQLServer's `status.backup.backups`, in the same namespace. */
export interface RestoreSource {
  server: string;
  backup: string;
}

/** The scheduled logical backups of an in-cluster server, as the operator last observed them. */
export interface BackupStatus {
  /** Cron schedule (UTC) of the backup CronJob. */
  schedule: string;
  retentionDays: number;
  /** The newest backup that completed. */
  lastSuccessful?: { name: string; time: string; sizeBytes: number };
  /** Backups kept in the backup volume, newest first: the names `spec.restoreFrom.backup` takes. */
  backups?: string[];
  /** The newest backup job that failed, when it is newer than the last successful one. */
  lastFailure?: { job: string; time: string; message: string };
}

/** Changes of an in-cluster server held for its maintenance window (ADR 0021). */
export interface MaintenanceStatus {
  /** What waits, one entry per change, e.g. `image postgres:16.4 → postgres:16.6`, `restart for shared_buffers`. */
  pending: string[];
  /** When the window next opens and the pending changes are made (RFC 3339). */
  scheduledFor: string;
  /** The server's window, e.g. `Sun 02:00 UTC`. */
  window: string;
}

/** Exactly one of the two is set (the CRD checks it). */
export interface ExternalServerRef {
  /** A Secret in the server's namespace with host, port, username, password, sslmode, ca.crt, dbname. */
  adminSecretRef?: { name: string };
  /** A server the operator config declares (`backends.external.servers`). */
  server?: string;
}

export interface Sharing {
  /** Namespaces granted by name. */
  namespaces?: string[];
  /** Namespaces granted by their labels. */
  namespaceSelector?: LabelSelector;
  /** Databases one granted namespace may have on the server (the server's own namespace is not limited). */
  maxDatabasesPerNamespace?: number;
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }>;
}

export interface DatabaseSpec {
  /** `namespace` defaults to the database's own namespace. */
  serverRef: { name: string; namespace?: string };
  database?: { charset?: string; collation?: string; extensions?: string[] };
  credentialsSecret: string;
  /** Extra credentials Secret keys rendered from `{{ .field }}` templates (see credentials-template.ts). */
  credentialsTemplate?: Record<string, string>;
  /** What deleting the CR does to the database and its role; the backend's config decides when absent. */
  deletionPolicy?: DeletionPolicy;
  /** Scheduled rotation without downtime (ADR 0016); the config's defaults apply to what is absent. */
  passwordRotation?: { intervalDays?: number | null; graceMinutes?: number };
}

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
  observedGeneration?: number;
  lastTransitionTime: string;
}

export interface ServerStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  /** The backend chosen at the first reconcile; never changes afterwards. */
  backend?: string;
  /** The major version running (resolved from `latest`). */
  version?: string;
  /** The size class in use (the default class when the spec names none). */
  sizeClass?: string;
  /** Where applications reach the server (as published in the credentials Secrets). */
  endpoint?: { host: string; port: number; sslmode?: string };
  /** Opaque per-backend state (e.g. a poller's resume token) kept across reconciles and restarts. */
  backendState?: Record<string, unknown>;
  /** Set once when this operator took over a server the Python (kopf) operator created. */
  adoption?: Adoption;
  /** PostgreSQLDatabases on the server (all namespaces), as of its last reconcile. */
  databases?: number;
  /** The same per namespace. */
  databasesPerNamespace?: Record<string, number>;
  /** Update attempts for the current generation that did not make a difference go away. */
  convergence?: Convergence;
  /** Written by the Python operator; kept, and read as a sign that it handled the CR. */
  deployment?: Record<string, unknown>;
  /** The server's scheduled backups (in-cluster backends). */
  backup?: BackupStatus;
  /** Set once the backup named in `spec.restoreFrom` has been restored into this server. */
  restoredFrom?: RestoreSource & { at: string };
  /** Changes waiting for the maintenance window (in-cluster backends); unset when nothing waits. */
  maintenance?: MaintenanceStatus;
}

/**
 * The update attempts of one generation, per difference (the backend's human-readable text, e.g.
 * "backup retention 1 → 7 days"). Kept in status so an operator restart does not start counting
 * again; dropped when the generation changes or the label operator/action=retry is set.
 */
export interface Convergence {
  generation: number;
  /** difference → update calls sent while it was there. */
  attempts: Record<string, number>;
  /** RFC 3339 time of the last update call (the next one waits out the backoff). */
  lastAttemptAt?: string;
}

/**
 * A takeover from the Python (kopf) operator, recorded in status when it succeeded. Until the
 * spec's generation moves past `generation` (or the admin opts in by config), what runs is kept
 * wherever this operator would choose differently for the same spec.
 */
export interface Adoption {
  from: 'python-operator';
  /** The CR's generation when it was adopted. */
  generation: number;
  /** RFC 3339 time of the takeover. */
  at: string;
  /** The `adoptionDifferences` already reported as events (each is reported once). */
  differencesReported?: string[];
}

export interface DatabaseStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  /** The PostgreSQL database and role names in use. */
  database?: string;
  username?: string;
  /** uid of the PostgreSQLServer the database lives in, to detect a server re-created under the same name. */
  serverUid?: string;
  /** Set once when this operator took over a database the Python (kopf) operator created. */
  adoption?: Adoption;
  /** Written by the Python operator; kept, and read as a sign that it handled the CR. */
  deployment?: Record<string, unknown>;
  /** `namespace/name` of that server (printer column). */
  server?: string;
  /** The login the credentials Secret names and the rotation schedule (ADR 0016). */
  passwordRotation?: RotationStatus;
}

export interface RotationStatus {
  /** The login in the credentials Secret: the owner role, or its second login after a rotation. */
  login: string;
  /** RFC 3339 times of the last rotation and the next one due (absent: rotation off). */
  lastRotation?: string;
  nextRotation?: string;
  /** The login rotated away from, which keeps working until `previousLoginUntil`. */
  previousLogin?: string;
  previousLoginUntil?: string;
}

export interface PostgreSQLServer {
  apiVersion: string;
  kind: 'PostgreSQLServer';
  metadata: ObjectMeta;
  spec: ServerSpec;
  status?: ServerStatus;
}

export interface PostgreSQLDatabase {
  apiVersion: string;
  kind: 'PostgreSQLDatabase';
  metadata: ObjectMeta;
  spec: DatabaseSpec;
  status?: DatabaseStatus;
}

/** One column as written in a PostgreSQLTable: the seed's `{NAME: type}` or the explicit form. */
export type TableColumnSpec = Record<string, string> | { name: string; type: string; nullable?: boolean; default?: string | number | boolean };

export type DeletionPolicy = 'Delete' | 'Retain';

export interface TableSpec {
  databaseRef: { name: string };
  tableName: string;
  columns: TableColumnSpec[];
  /** A column name or a list of them; absent: no primary key. */
  primaryKey?: string | string[];
  /** What deleting the CR does to the table; absent: the config's `tables.deletion_policy`. */
  deletionPolicy?: DeletionPolicy;
}

/** A column as PostgreSQL has it. */
export interface TableColumnStatus {
  name: string;
  /** PostgreSQL's own spelling (format_type), e.g. `character varying(50)`. */
  type: string;
  nullable: boolean;
  /** The default expression as PostgreSQL prints it, if any. */
  default?: string;
  /** False for columns added by hand (left alone by the operator). */
  managed: boolean;
}

export interface TableStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  /** The PostgreSQL database the table lives in (pinned at creation, used for deletion). */
  database?: string;
  /** uid of the PostgreSQLDatabase, to notice one deleted and re-created under the same name. */
  databaseUid?: string;
  /** Schema and name of the table in PostgreSQL (pinned at creation, used for deletion). */
  schema?: string;
  table?: string;
  columns?: TableColumnStatus[];
  columnCount?: number;
  unmanagedColumns?: string[];
  primaryKey?: string[];
}

export interface PostgreSQLTable {
  apiVersion: string;
  kind: 'PostgreSQLTable';
  metadata: ObjectMeta;
  spec: TableSpec;
  status?: TableStatus;
}
