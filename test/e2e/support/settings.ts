import { describe } from '@jest/globals';

/** How the operator (running where the tests run) reaches the PostgreSQL pods it manages. */
export type OperatorReach =
  /** The Service's cluster DNS name: works when the tests run inside the cluster. */
  | { kind: 'cluster-dns' }
  /** The suite forwards a local port to the scenario's server pod through the API server. */
  | { kind: 'port-forward' }
  /** `backends.statefulset.operator_endpoint` as given ({namespace}, {name}, {service} replaced). */
  | { kind: 'template'; template: string };

/** What a tester can set (test/e2e/README.md lists every variable). */
export interface E2eSettings {
  /** Bound of every single wait (a server coming up, a pod finishing, an object going). */
  timeoutMs: number;
  /** Storage class of the servers' volumes; '' = the cluster's default. */
  storageClass: string;
  reach: OperatorReach;
  /** Image repository of PostgreSQL, for the servers and for the psql client pods. */
  postgresRepository: string;
  /** Leave the namespace (and the operator's log) behind for a look after the run. */
  keepNamespace: boolean;
  /** The helm v3 executable for the helmbitnami scenarios (a name on PATH, or a path). */
  helmBinary: string;
  /** Registry and repository of the Bitnami PostgreSQL image (Bitnami's free images moved to `bitnamilegacy` in 2025). */
  bitnamiImage: { registry: string; repository: string };
}

/** The in-cluster backends; scenarios that hold for both run once per backend in `E2E_BACKENDS`. */
export type InClusterBackend = 'statefulset' | 'helmbitnami';
const IN_CLUSTER: readonly InClusterBackend[] = ['statefulset', 'helmbitnami'];

/** `E2E_BACKENDS` (comma-separated; default both), checked against the in-cluster backends. */
export function e2eBackends(env: NodeJS.ProcessEnv = process.env): InClusterBackend[] {
  const names = (env.E2E_BACKENDS?.trim() || IN_CLUSTER.join(',')).split(',').map((b) => b.trim()).filter(Boolean);
  const unknown = names.filter((b) => !IN_CLUSTER.includes(b as InClusterBackend));
  if (unknown.length) throw new Error(`E2E_BACKENDS: unknown backend(s) ${unknown.join(', ')}; known: ${IN_CLUSTER.join(', ')}`);
  return names as InClusterBackend[];
}

export const POSTGRES_MAJOR = '17';

export function readSettings(env: NodeJS.ProcessEnv = process.env): E2eSettings {
  const seconds = Number(env.E2E_TIMEOUT_SECONDS);
  const endpoint = env.E2E_OPERATOR_ENDPOINT?.trim() ?? '';
  let reach: OperatorReach = { kind: 'cluster-dns' };
  if (endpoint === 'port-forward') reach = { kind: 'port-forward' };
  else if (endpoint) reach = { kind: 'template', template: endpoint };
  return {
    timeoutMs: (Number.isFinite(seconds) && seconds > 0 ? seconds : 600) * 1000,
    storageClass: env.E2E_STORAGE_CLASS?.trim() ?? '',
    reach,
    postgresRepository: env.E2E_POSTGRES_REPOSITORY?.trim() || 'docker.io/library/postgres',
    keepNamespace: env.E2E_KEEP_NAMESPACE === '1',
    ...helmSettings(env),
  };
}

function helmSettings(env: NodeJS.ProcessEnv): Pick<E2eSettings, 'helmBinary' | 'bitnamiImage'> {
  return {
    helmBinary: env.E2E_HELM_BINARY?.trim() || 'helm',
    bitnamiImage: splitImage(env.E2E_BITNAMI_REPOSITORY?.trim() || 'docker.io/bitnamilegacy/postgresql'),
  };
}

function splitImage(image: string): { registry: string; repository: string } {
  const slash = image.indexOf('/');
  const first = image.slice(0, slash);
  // As Docker reads it: a first part with a dot or a port is a registry, else Docker Hub.
  return slash > 0 && /[.:]/.test(first) ? { registry: first, repository: image.slice(slash + 1) } : { registry: 'docker.io', repository: image };
}

/**
 * Why the suites do not run, or undefined when a cluster answered. jest.e2e.config.js checks the
 * cluster once and leaves its verdict in the environment.
 */
export function skipReason(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.E2E_SKIP_REASON) return env.E2E_SKIP_REASON;
  if (env.E2E_CLUSTER_CHECKED !== 'yes') return 'the cluster check did not run; start the suite with `npm run test:e2e`';
  return undefined;
}

/** `describe` when a cluster is there, `describe.skip` otherwise (the run then reports the suite as skipped). */
export const describeE2E = skipReason() ? describe.skip : describe;
