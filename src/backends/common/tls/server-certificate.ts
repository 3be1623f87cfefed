import type * as k8s from '@kubernetes/client-node';
import { Reason } from '../../../api/conditions.js';
import type { OwnerReference } from '../../../api/types.js';
import { isAlreadyExists, isConflict, isNotFound, type KubeClients } from '../../../k8s/clients.js';
import { PermanentError, TemporaryError } from '../../errors.js';
import { certificateFacts, issueServerCertificate, type KeyPairPem } from './certificates.js';

/** The signing CA; `trust` is the bundle written as `ca.crt` (both CAs during a rotation, ADR 0024), else its certificate. */
export type SigningCa = KeyPairPem & { trust?: string };
const trustOf = (ca: SigningCa): string => ca.trust ?? ca.certPem;

/** The keys of a server's certificate Secret (type kubernetes.io/tls, as cert-manager writes them). */
export const TLS_CERT_KEY = 'tls.crt';
export const TLS_KEY_KEY = 'tls.key';
export const TLS_CA_KEY = 'ca.crt';

const DAY_MS = 86_400_000;

/** The DNS names a server's certificate covers: its Service, short to fully qualified. */
export function serviceDnsNames(service: string, namespace: string): string[] {
  return [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`];
}

export interface ServerCertificateRequest {
  namespace: string;
  secretName: string;
  dnsNames: string[];
  /** The PostgreSQLServer: owner of the Secret (deleted with it); a Secret of another owner is never taken. */
  owner: OwnerReference;
  labels: Record<string, string>;
  validDays: number;
  renewBeforeDays: number;
  now?: Date;
}

export interface ServerCertificate {
  /** Serial number (hex) of the certificate now in the Secret. */
  serial: string;
  notAfter: Date;
  /** What this call did: a new Secret, a new certificate in it, a new trust bundle only, or nothing. */
  action: 'created' | 'renewed' | 'trust' | 'unchanged';
}

/**
 * Makes sure the server's certificate Secret holds a certificate of the current CA for its names
 * that is not due for renewal; issues a new one otherwise. Idempotent and kill-safe: a write that
 * loses a race (409) is a temporary error, and the next call reads the winner.
 */
export async function ensureServerCertificate(kube: KubeClients, ca: SigningCa, req: ServerCertificateRequest): Promise<ServerCertificate> {
  const now = req.now ?? new Date();
  const existing = await readSecret(kube, req.namespace, req.secretName);
  if (existing && !existing.metadata?.ownerReferences?.some((o) => o.uid === req.owner.uid)) {
    throw new PermanentError(`Secret ${req.secretName} exists and does not belong to this server; delete or rename it`, Reason.SecretConflict);
  }
  const kept = existing ? await keepCertificate(kube, ca, req, existing, now) : undefined;
  if (kept) return kept;

  const issued = issueServerCertificate(ca, req.dnsNames, req.validDays, now);
  const body: k8s.V1Secret = {
    metadata: { name: req.secretName, namespace: req.namespace, labels: req.labels, ownerReferences: [req.owner], ...(existing ? { resourceVersion: existing.metadata?.resourceVersion } : {}) },
    type: 'kubernetes.io/tls',
    stringData: { [TLS_CERT_KEY]: issued.certPem, [TLS_KEY_KEY]: issued.keyPem, [TLS_CA_KEY]: trustOf(ca) },
  };
  try {
    if (existing) await kube.core.replaceNamespacedSecret({ name: req.secretName, namespace: req.namespace, body });
    else await kube.core.createNamespacedSecret({ namespace: req.namespace, body });
  } catch (err) {
    if (isAlreadyExists(err) || isConflict(err)) throw new TemporaryError(`certificate Secret ${req.secretName} changed meanwhile; looking again`, 1, { cause: err });
    throw err;
  }
  const made = certificateFacts(issued.certPem, ca.certPem) as NonNullable<ReturnType<typeof certificateFacts>>;
  return { serial: made.serial, notAfter: made.notAfter, action: existing ? 'renewed' : 'created' };
}

/** The certificate in the Secret when it is good (its `ca.crt` brought up to date), else undefined. */
async function keepCertificate(kube: KubeClients, ca: SigningCa, req: ServerCertificateRequest, existing: k8s.V1Secret, now: Date): Promise<ServerCertificate | undefined> {
  const current = decode(existing.data?.[TLS_CERT_KEY]);
  const facts = current ? certificateFacts(current, ca.certPem) : undefined;
  if (!facts || renewalReason(facts, req, now)) return undefined;
  if (decode(existing.data?.[TLS_CA_KEY]) === trustOf(ca)) return { serial: facts.serial, notAfter: facts.notAfter, action: 'unchanged' };
  // A CA rotation changed what clients trust: the certificate stays (no reload, no restart).
  await writeTrust(kube, req, existing, trustOf(ca));
  return { serial: facts.serial, notAfter: facts.notAfter, action: 'trust' };
}

/** What the server's certificate Secret holds now, and why it must be replaced (undefined: it is good). Read-only. */
export async function inspectServerCertificate(
  kube: KubeClients,
  ca: SigningCa,
  req: Pick<ServerCertificateRequest, 'namespace' | 'secretName' | 'dnsNames' | 'renewBeforeDays' | 'now'>,
): Promise<{ due?: string; serial?: string; certPem?: string }> {
  const existing = await readSecret(kube, req.namespace, req.secretName);
  const certPem = decode(existing?.data?.[TLS_CERT_KEY]);
  if (!certPem) return { due: 'missing' };
  const facts = certificateFacts(certPem, ca.certPem);
  if (!facts) return { due: 'not a certificate', certPem };
  const due = renewalReason(facts, req, req.now ?? new Date()) ?? (decode(existing?.data?.[TLS_CA_KEY]) !== trustOf(ca) ? TRUST_DUE : undefined);
  return { ...(due ? { due } : {}), serial: facts.serial, certPem };
}

/** Why the certificate must be replaced, or undefined when it is good. */
export function renewalReason(facts: NonNullable<ReturnType<typeof certificateFacts>>, req: Pick<ServerCertificateRequest, 'dnsNames' | 'renewBeforeDays'>, now: Date): string | undefined {
  if (!facts.issuedByCa) return 'not issued by the operator CA';
  const missing = req.dnsNames.filter((n) => !facts.dnsNames.includes(n));
  if (missing.length) return `does not name ${missing.join(', ')}`;
  if (facts.notAfter.getTime() - now.getTime() < req.renewBeforeDays * DAY_MS) return `expires ${facts.notAfter.toISOString()}`;
  return undefined;
}

/** The reason `inspectServerCertificate` gives when only `ca.crt` is out of date (the certificate is good). */
export const TRUST_DUE = 'trusted CAs changed';

/** Only `ca.crt`, with the resourceVersion read: a race is a temporary error, the next look reads the winner. */
async function writeTrust(kube: KubeClients, req: ServerCertificateRequest, existing: k8s.V1Secret, trust: string): Promise<void> {
  const body: k8s.V1Secret = { ...existing, data: { ...existing.data, [TLS_CA_KEY]: Buffer.from(trust).toString('base64') } };
  try {
    await kube.core.replaceNamespacedSecret({ name: req.secretName, namespace: req.namespace, body });
  } catch (err) {
    if (isConflict(err)) throw new TemporaryError(`certificate Secret ${req.secretName} changed meanwhile; looking again`, 1, { cause: err });
    throw err;
  }
}

async function readSecret(kube: KubeClients, namespace: string, name: string): Promise<k8s.V1Secret | undefined> {
  try {
    return await kube.core.readNamespacedSecret({ name, namespace });
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

function decode(value: string | undefined): string | undefined {
  return value ? Buffer.from(value, 'base64').toString('utf8') : undefined;
}
