import type { TlsSettings } from './sections/tls.js';
import type { ServerParameterSettings } from './sections/server-parameters.js';

/**
 * The validated operator configuration. The convict schema in `schema.ts` is the single source of
 * truth for keys, docs, formats and defaults; this is its TypeScript view.
 */
export interface ReconcileSettings {
  /** Seconds between periodic reconciles of every object (drift detection without events). */
  resync_seconds: number;
  /** Reconciles running at once across all objects. */
  concurrency: number;
  /** First retry delay after a failure, doubled per failure up to `backoff_max_seconds` (with jitter). */
  backoff_base_seconds: number;
  backoff_max_seconds: number;
  /** Update calls per generation while the same setting still differs; then NotConverging. */
  update_attempts: number;
  /** Wait before the second update attempt of a setting, doubled for each further one. */
  update_backoff_seconds: number;
  /** How often a settled server on a cloud backend is really read from the cloud API. */
  cloud_check_seconds: number;
  /** Seconds between drift checks of Ready databases (one query per server); 0 = off. */
  drift_check_seconds: number;
}

export interface OperatorConfig {
  handler_on_resume: boolean;
  backend: string;
  allowed_backends: string[];
  security: {
    password_length: number;
    /** Defaults of spec.passwordRotation (ADR 0016). */
    password_rotation: { interval_days: number | null; grace_minutes: number };
  };
  reconcile: ReconcileSettings;
  /** Namespaces to watch; empty = all namespaces. */
  watch_namespaces: string[];
  log_level: string;
  /** Port of the HTTP server with /healthz, /readyz and /metrics. */
  http_port: number;
  leader_election: {
    enabled: boolean;
    lease_name: string;
    /** Namespace of the Lease; empty = the pod's namespace (POD_NAMESPACE), else the kube context's. */
    namespace: string;
    lease_duration_seconds: number;
    renew_deadline_seconds: number;
    retry_period_seconds: number;
  };
  /** Servers taken over from the Python operator (see `ServerContext.adoption`). */
  python_takeover: {
    /** Apply this operator's own choices to adopted servers at once instead of keeping what runs until the spec changes. */
    apply_differences: boolean;
    /** Namespace the Python operator ran in (its tmp Secrets); empty = POD_NAMESPACE, else default. */
    operator_namespace: string;
  };
  /** At start, how long to keep trying to reach the API server before exiting with an error. */
  startup_timeout_seconds: number;
  /** PostgreSQLTable defaults. */
  tables: { deletion_policy: 'Delete' | 'Retain' };
  /** TLS of the in-cluster backends' servers (the operator's CA, per-server certificates). */
  tls: TlsSettings;
  /** Rules for spec.serverParameters of in-cluster servers. */
  server_parameters: ServerParameterSettings;
  /** On SIGTERM, how long reconciles in flight may take to finish. */
  shutdown_timeout_seconds: number;
  /** Raw backend sections as validated by the schema; read them through `backendSection`. */
  backends: Record<string, Record<string, unknown> | undefined>;
}
