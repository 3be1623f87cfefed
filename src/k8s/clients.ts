import type * as k8s from '@kubernetes/client-node';
import {
  AppsV1Api,
  BatchV1Api,
  CoordinationV1Api,
  CoreV1Api,
  createConfiguration,
  CustomObjectsApi,
  EventsV1Api,
  KubeConfig,
  ServerConfiguration,
  setHeaderMiddleware,
} from './kubernetes-client.js';
import { requestHttpLibrary } from './request-http-library.js';

/** Names the operator in the API server's audit log and request metrics. */
export const USER_AGENT = 'hybrid-cloud-postgresql-operator';

/** The typed API clients, built once at start and shared by handlers and in-cluster backends. */
export interface KubeClients {
  kc: k8s.KubeConfig;
  core: k8s.CoreV1Api;
  apps: k8s.AppsV1Api;
  /** CronJobs and Jobs of the in-cluster backends' backups. */
  batch: k8s.BatchV1Api;
  custom: k8s.CustomObjectsApi;
  coordination: k8s.CoordinationV1Api;
  events: k8s.EventsV1Api;
}

export function createKubeClients(kc: k8s.KubeConfig): KubeClients {
  reuseConnections(kc);
  const configuration = apiConfiguration(kc);
  return {
    kc,
    core: new CoreV1Api(configuration),
    apps: new AppsV1Api(configuration),
    batch: new BatchV1Api(configuration),
    custom: new CustomObjectsApi(configuration),
    coordination: new CoordinationV1Api(configuration),
    events: new EventsV1Api(configuration),
  };
}

/** What `kc.makeApiClient` configures (server, kubeconfig auth, a User-Agent), on the lighter transport. */
export function apiConfiguration(kc: k8s.KubeConfig): k8s.Configuration {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  return createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: kc },
    httpApi: requestHttpLibrary,
    middleware: [setHeaderMiddleware('User-Agent', USER_AGENT)],
  });
}

/** A KubeConfig from the environment: in-cluster service account, else KUBECONFIG / ~/.kube/config. */
export function loadKubeConfig(): k8s.KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  return kc;
}

/** A KubeConfig for a plain-HTTP API server URL (the tests' fake API server); `token` names the client. */
export function kubeConfigForUrl(server: string, namespace = 'default', token = 'local'): k8s.KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'local', server, skipTLSVerify: true }],
    users: [{ name: 'local', token }],
    contexts: [{ name: 'local', cluster: 'local', user: 'local', namespace }],
    currentContext: 'local',
  });
  return kc;
}

/** HTTP status of an error thrown by client-node, or undefined for non-HTTP errors. */
export function statusCodeOf(err: unknown): number | undefined {
  const e = err as { code?: unknown; statusCode?: unknown; response?: { statusCode?: unknown } };
  for (const c of [e?.code, e?.statusCode, e?.response?.statusCode]) {
    if (typeof c === 'number') return c;
  }
  return undefined;
}

export const isNotFound = (err: unknown): boolean => statusCodeOf(err) === 404;
export const isConflict = (err: unknown): boolean => statusCodeOf(err) === 409;
export const isAlreadyExists = (err: unknown): boolean => statusCodeOf(err) === 409;

type DispatcherFactory = (cluster: k8s.Cluster | null, agentOptions: Record<string, unknown>) => unknown;
const REUSING = Symbol('reuses connections');

/**
 * client-node 2.0 builds a new HTTP agent for every request, so every API call opens a new
 * connection (a TLS handshake in a cluster). This keeps one agent per cluster and TLS material and
 * reuses it: keep-alive connections for every call and watch. A rotated client certificate has
 * other material, so it gets a new agent. Idempotent.
 */
export function reuseConnections(kc: k8s.KubeConfig): void {
  const target = kc as unknown as { createDispatcher: DispatcherFactory; [REUSING]?: true };
  if (target[REUSING]) return;
  const create = target.createDispatcher.bind(kc);
  const agents: Array<{ identity: unknown[]; agent: unknown }> = [];
  target.createDispatcher = (cluster, agentOptions) => {
    // Compared field by field on every request (client-node asks for each): no hashing of the
    // certificates, which cost more than the rest of the lookup.
    const identity = dispatcherIdentity(cluster, agentOptions);
    const known = agents.find((a) => sameIdentity(a.identity, identity));
    if (known) return known.agent;
    if (agents.length >= 16) agents.length = 0; // material rotated many times: start over
    const agent = create(cluster, agentOptions);
    agents.push({ identity, agent });
    return agent;
  };
  target[REUSING] = true;
}

/** What makes two requests need different agents: the server, proxy, TLS settings and material. */
function dispatcherIdentity(cluster: k8s.Cluster | null, options: Record<string, unknown>): unknown[] {
  return [cluster?.server, cluster?.proxyUrl, options.rejectUnauthorized, options.servername, options.ca, options.cert, options.key, options.pfx, options.passphrase];
}

function sameIdentity(a: unknown[], b: unknown[]): boolean {
  return a.length === b.length && a.every((x, i) => {
    const y = b[i];
    if (Buffer.isBuffer(x) && Buffer.isBuffer(y)) return x.equals(y);
    return x === y;
  });
}
