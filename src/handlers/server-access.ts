import { ACTION_LABEL, API_VERSION, RESET_PASSWORD_ACTION, RETRY_ACTION, SERVER_KIND } from '../api/constants.js';
import type { OwnerReference, PostgreSQLServer } from '../api/types.js';
import { TemporaryError } from '../backends/errors.js';
import type { AdminConnection, Endpoint, ResolvedServer, ServerBackend, ServerContext, SslMode } from '../backends/types.js';
import { serverLabels } from './labels.js';
import { serverStoreName, STORE_PASSWORD } from './names.js';
import type { HandlerDeps } from './deps.js';

export function ownerReference(obj: { apiVersion?: string; kind: string; metadata: { name: string; uid?: string } }): OwnerReference {
  return { apiVersion: obj.apiVersion ?? API_VERSION, kind: obj.kind, name: obj.metadata.name, uid: obj.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
}

export function serverContext(server: PostgreSQLServer, resolved: ResolvedServer, adminPassword: string): ServerContext {
  const { name, namespace } = server.metadata;
  return {
    namespace,
    name,
    uid: server.metadata.uid ?? '',
    generation: server.metadata.generation ?? 0,
    spec: server.spec,
    resolved,
    adminPassword,
    adminSecret: { name: serverStoreName(name), passwordKey: STORE_PASSWORD },
    owner: ownerReference({ ...server, kind: SERVER_KIND }),
    labels: serverLabels(name),
    state: server.status?.backendState ?? {},
    requestedAction: backendAction(server),
    ...(server.status?.adoption ? { adoption: server.status.adoption } : {}),
  };
}

/** The `operator/action` label when it asks the backend for something (all but reset-password and retry). */
export function backendAction(server: PostgreSQLServer): string | undefined {
  const action = server.metadata.labels?.[ACTION_LABEL];
  return action && action !== RESET_PASSWORD_ACTION && action !== RETRY_ACTION ? action : undefined;
}

export interface ServerAccess {
  backend: ServerBackend;
  ctx: ServerContext;
  endpoint: Endpoint;
  admin: AdminConnection;
}

/**
 * How a database handler reaches a Ready server: from what the server's reconcile recorded
 * (status and its store Secret) — no backend call, so database reconciles cost no cloud API calls.
 */
export async function serverAccess(deps: HandlerDeps, server: PostgreSQLServer): Promise<ServerAccess> {
  const status = server.status ?? {};
  if (!status.backend || !status.endpoint || !status.version) throw new TemporaryError('server has no endpoint yet');
  const backend = await deps.backends.get(status.backend);
  const store = await deps.secrets.read(server.metadata.namespace, serverStoreName(server.metadata.name), server.metadata.uid ?? '');
  const password = store.kind === 'owned' ? store.data[STORE_PASSWORD] : undefined;
  if (!password) throw new TemporaryError('the server admin credentials are not stored yet');
  const ctx = serverContext(server, { version: status.version, sizeClass: status.sizeClass }, password);
  const endpoint: Endpoint = { host: status.endpoint.host, port: status.endpoint.port, sslmode: (status.endpoint.sslmode ?? 'disable') as SslMode };
  return { backend, ctx, endpoint, admin: await backend.adminConnection(ctx, endpoint) };
}
