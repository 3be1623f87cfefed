import type { Logger } from 'pino';
import type { PostgreSQLDatabase, PostgreSQLServer, PostgreSQLTable } from '../api/types.js';
import type { BackendRegistry } from '../backends/registry.js';
import type { OperatorConfig } from '../config/types.js';
import type { CustomResourceClient } from '../k8s/custom-resources.js';
import type { EventRecorder } from '../k8s/events.js';
import type { PoolRegistry } from '../postgres/index.js';
import type { SecretStore } from './secret-store.js';
import type { SettledObservations } from './settled-observations.js';

/** What the handlers share; built once by the composition root. */
export interface HandlerDeps {
  config: OperatorConfig;
  log: Logger;
  backends: BackendRegistry;
  secrets: SecretStore;
  events: EventRecorder;
  pools: PoolRegistry;
  servers: CustomResourceClient<PostgreSQLServer>;
  databases: CustomResourceClient<PostgreSQLDatabase>;
  tables: CustomResourceClient<PostgreSQLTable>;
  /** Informer caches (the current state a reconcile starts from). */
  serverCache: { get(namespace: string, name: string): PostgreSQLServer | undefined };
  databaseCache: { get(namespace: string, name: string): PostgreSQLDatabase | undefined; list(): PostgreSQLDatabase[] };
  /** A namespace's labels from the namespace cache (grants by spec.sharing.namespaceSelector); undefined = unknown. */
  namespaceLabels(namespace: string): Record<string, string> | undefined;
  /** A database was admitted to or left a server: the server recounts its databases. */
  onDatabaseChanged?(serverNamespace: string, serverName: string): void;
  tableCache: { get(namespace: string, name: string): PostgreSQLTable | undefined };
  /** Called when a server turns Ready, so its databases are reconciled at once. */
  onServerReady?(namespace: string, name: string): void;
  /** The last reading of each settled server on a cloud backend (reused until the next cloud check). */
  settled?: SettledObservations;
  /** Called when a database turns Ready, so its tables are reconciled at once. */
  onDatabaseReady?(namespace: string, name: string): void;
  /** A database password rotation ended (the rotations metric). */
  onRotation?(result: 'success' | 'error'): void;
  /** Test seam: called after each step of a rotation; a test stops the operator there, as a kill would. */
  failpoint?(step: string): Promise<void> | void;
  /** Called once per failed backup job the handler reports (the backup failure metric). */
  onBackupFailed?(namespace: string, name: string): void;
  /** Calls a backend method and records it in the metrics (backend, operation, result, duration). */
  backendCall<T>(backend: string, operation: string, call: () => Promise<T>): Promise<T>;
}
