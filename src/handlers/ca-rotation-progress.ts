/**
 * What the cluster shows of a CA rotation (ADR 0024), read-only. Progress is read from the objects
 * themselves, not kept in a list of its own: which Secrets trust which CA (their values), which
 * certificate each server's Secret holds, and which one the server was last told to serve (its
 * `status.backendState.tls.serial`, recorded after the reload or the upgrade that loads it).
 */
import type * as k8s from '@kubernetes/client-node';
import { DATABASE_KIND, LABEL_MANAGED_BY, MANAGED_BY, SERVER_KIND } from '../api/constants.js';
import type { PostgreSQLServer } from '../api/types.js';
import { certificateFacts } from '../backends/common/tls/certificates.js';
import type { CaSecretState } from '../backends/common/tls/ca-secret.js';
import type { RotationProgress } from '../backends/common/tls/ca-rotation.js';
import { TLS_CA_KEY, TLS_CERT_KEY } from '../backends/common/tls/server-certificate.js';
import type { KubeClients } from '../k8s/clients.js';
import type { CustomResourceClient } from '../k8s/custom-resources.js';
import { listInPages } from '../k8s/list-pages.js';
import { readyOf } from '../reconcile/conditions.js';

export interface ProgressSources {
  kube: KubeClients;
  /** The servers (the operator's watch cache): only `get` is used. */
  servers: Pick<CustomResourceClient<PostgreSQLServer>, 'get'>;
  /** Watched namespaces; empty = all. */
  namespaces: string[];
  /** The CA Secret itself (namespace/name): not one of the Secrets that must trust the bundle. */
  caSecret: string;
}

/** The CR (server or database) that owns a Secret: the one whose reconcile rewrites it. */
export interface SecretOwner {
  kind: string;
  namespace: string;
  name: string;
}

/** A server that serves a certificate of the signing CA. */
export interface MovedServer {
  server: PostgreSQLServer;
  serial: string;
}

/** The progress for the stage `state` is in, and the servers that moved to the signing CA. */
export async function readRotationProgress(src: ProgressSources, state: CaSecretState): Promise<RotationProgress & { moved: MovedServer[]; lackingOwners: SecretOwner[] }> {
  const none = { lacking: [], notMoved: [], moved: [], lackingOwners: [] };
  if (state.stage === 'idle') return none;
  const secrets = (await listManagedSecrets(src)).filter((s) => key(s) !== src.caSecret);
  if (state.stage === 'trust-new') {
    const lacking = lackingTrust(secrets, state.signing.certPem, state.next?.certPem ?? '');
    return { ...none, lacking: lacking.map(key).sort(), lackingOwners: lacking.map(ownerOf) };
  }
  return { ...none, ...(await serverMoves(src, secrets, state)) };
}

/**
 * Secrets of a server or database with a value that trusts the old CA and not the new one
 * (`ca.crt`, or a template's key). Only Secrets a CR owns: the operator rewrites those; a stray
 * copy with the label would hold the rotation back for ever.
 */
function lackingTrust(secrets: k8s.V1Secret[], oldPem: string, newPem: string): k8s.V1Secret[] {
  const [old, fresh] = [oldPem.trim(), newPem.trim()];
  return secrets.filter((s) => crOwner(s) && Object.values(s.data ?? {}).some((v) => {
    const text = Buffer.from(v, 'base64').toString('utf8');
    return text.includes(old) && !text.includes(fresh);
  }));
}

const crOwner = (s: k8s.V1Secret) => s.metadata?.ownerReferences?.find((o) => o.kind === SERVER_KIND || o.kind === DATABASE_KIND);
const ownerOf = (s: k8s.V1Secret): SecretOwner => ({ kind: crOwner(s)?.kind ?? '', namespace: s.metadata?.namespace ?? '', name: crOwner(s)?.name ?? '' });

/** Each server certificate Secret of this CA: is its certificate the new CA's, and served? */
async function serverMoves(src: ProgressSources, secrets: k8s.V1Secret[], state: CaSecretState): Promise<{ notMoved: string[]; moved: MovedServer[] }> {
  const trusted = [state.signing.certPem, state.previous ?? ''].map((p) => p.trim()).filter(Boolean);
  const notMoved: string[] = [];
  const moved: MovedServer[] = [];
  for (const secret of secrets) {
    if (secret.type !== 'kubernetes.io/tls' || !trusted.some((t) => text(secret, TLS_CA_KEY).includes(t))) continue;
    const server = await ownerServer(src, secret);
    if (!server) continue;
    const serial = servedFromSigningCa(secret, server, state.signing.certPem);
    if (serial) moved.push({ server, serial });
    else notMoved.push(`${server.metadata.namespace}/${server.metadata.name}`);
  }
  return { notMoved: notMoved.sort(), moved };
}

/** The PostgreSQLServer that owns the Secret; none when it is gone or going (it serves nobody) or a namesake. */
async function ownerServer(src: ProgressSources, secret: k8s.V1Secret): Promise<PostgreSQLServer | undefined> {
  const owner = secret.metadata?.ownerReferences?.find((o) => o.kind === SERVER_KIND);
  if (!owner) return undefined;
  const server = await src.servers.get(secret.metadata?.namespace ?? '', owner.name);
  if (!server || server.metadata.deletionTimestamp || server.metadata.uid !== owner.uid) return undefined;
  return server;
}

/** The serial of the Secret's certificate when the signing CA issued it and the server serves it, Ready. */
function servedFromSigningCa(secret: k8s.V1Secret, server: PostgreSQLServer, signingPem: string): string | undefined {
  const facts = certificateFacts(text(secret, TLS_CERT_KEY), signingPem);
  const served = (server.status?.backendState as { tls?: { serial?: unknown } } | undefined)?.tls?.serial;
  const ready = readyOf(server.status?.conditions)?.status === 'True';
  return facts?.issuedByCa && served === facts.serial && ready ? facts.serial : undefined;
}

async function listManagedSecrets(src: ProgressSources): Promise<k8s.V1Secret[]> {
  const labelSelector = `${LABEL_MANAGED_BY}=${MANAGED_BY}`;
  const namespaces = src.namespaces.length ? src.namespaces : [undefined];
  const lists = await Promise.all(
    namespaces.map((ns) =>
      listInPages((limit, _continue) => (ns ? src.kube.core.listNamespacedSecret({ namespace: ns, labelSelector, limit, _continue }) : src.kube.core.listSecretForAllNamespaces({ labelSelector, limit, _continue }))),
    ),
  );
  return lists.flatMap((l) => l.items);
}

const key = (s: k8s.V1Secret): string => `${s.metadata?.namespace ?? ''}/${s.metadata?.name ?? ''}`;
const text = (s: k8s.V1Secret, k: string): string => Buffer.from(s.data?.[k] ?? '', 'base64').toString('utf8');
