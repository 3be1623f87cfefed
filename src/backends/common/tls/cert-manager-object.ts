/**
 * The cert-manager `Certificate` (cert-manager.io/v1) of one server, as pure functions: the object
 * the operator wants, whether a stored one asks for the same, and what its status says. cert-manager
 * writes the Secret in the layout the operator's own CA writes (tls.crt, tls.key, ca.crt), so the
 * pods mount the same Secret whoever signs.
 */
import type { OwnerReference } from '../../../api/types.js';
import type { IssuerRef } from './server-tls.js';

export const CERT_MANAGER_GROUP = 'cert-manager.io';
export const CERT_MANAGER_VERSION = 'v1';
export const CERTIFICATE_PLURAL = 'certificates';
/** The annotation cert-manager puts on every Secret it writes: the Certificate it wrote it for. */
export const CERTIFICATE_NAME_ANNOTATION = 'cert-manager.io/certificate-name';
/** And the issuer that signed what is in it. */
export const ISSUER_NAME_ANNOTATION = 'cert-manager.io/issuer-name';
export const ISSUER_KIND_ANNOTATION = 'cert-manager.io/issuer-kind';

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  observedGeneration?: number;
}

export interface CertificateObject {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; uid?: string; generation?: number; creationTimestamp?: string | Date; labels?: Record<string, string>; ownerReferences?: OwnerReference[]; resourceVersion?: string };
  spec: CertificateSpec;
  status?: { conditions?: Condition[]; notAfter?: string; renewalTime?: string; revision?: number };
}

export interface CertificateSpec {
  secretName: string;
  commonName?: string;
  dnsNames: string[];
  duration: string;
  renewBefore: string;
  issuerRef: IssuerRef;
  privateKey: { algorithm: string; size: number; encoding: string; rotationPolicy: string };
  usages: string[];
  secretTemplate?: { labels?: Record<string, string> };
}

export interface CertificateWish {
  namespace: string;
  secretName: string;
  dnsNames: string[];
  owner: OwnerReference;
  labels: Record<string, string>;
  validDays: number;
  renewBeforeDays: number;
}

/** Go durations in hours: cert-manager parses them with time.ParseDuration (no "d" unit). */
const hours = (days: number): string => `${days * 24}h`;

/**
 * The Certificate for a server: named like its Secret, owned by the PostgreSQLServer (deleted with
 * it), a fresh RSA key at every issuance (what the operator's own CA does), for serving TLS only.
 * The Secret gets the server's labels through `secretTemplate`.
 */
export function desiredCertificate(wish: CertificateWish, issuer: IssuerRef): CertificateObject {
  return {
    apiVersion: `${CERT_MANAGER_GROUP}/${CERT_MANAGER_VERSION}`,
    kind: 'Certificate',
    metadata: { name: wish.secretName, namespace: wish.namespace, labels: wish.labels, ownerReferences: [wish.owner] },
    spec: desiredSpec(wish, issuer),
  };
}

function desiredSpec(wish: CertificateWish, issuer: IssuerRef): CertificateSpec {
  return {
    secretName: wish.secretName,
    commonName: wish.dnsNames[0],
    dnsNames: wish.dnsNames,
    duration: hours(wish.validDays),
    renewBefore: hours(wish.renewBeforeDays),
    issuerRef: { name: issuer.name, kind: issuer.kind, group: issuer.group },
    privateKey: { algorithm: 'RSA', size: 2048, encoding: 'PKCS8', rotationPolicy: 'Always' },
    usages: ['server auth', 'digital signature', 'key encipherment'],
    secretTemplate: { labels: wish.labels },
  };
}

/** What in a stored Certificate's spec differs from the wanted one (empty: nothing). */
export function specDifferences(stored: CertificateSpec | undefined, wish: CertificateWish, issuer: IssuerRef): string[] {
  const want = desiredSpec(wish, issuer);
  const have = (stored ?? {}) as Partial<CertificateSpec>;
  const fields: Array<keyof CertificateSpec> = ['secretName', 'commonName', 'dnsNames', 'duration', 'renewBefore', 'issuerRef', 'privateKey', 'usages', 'secretTemplate'];
  return fields.filter((f) => JSON.stringify(canonical(have[f])) !== JSON.stringify(canonical(want[f])));
}

/** Objects compared by their keys in order, so a server that reorders keys is no difference. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, canonical(v)]));
  return value;
}

export function isOwnedBy(obj: { metadata?: { ownerReferences?: Array<{ uid?: string }> } } | undefined, uid: string): boolean {
  return obj?.metadata?.ownerReferences?.some((o) => o.uid === uid) ?? false;
}

export interface ReadyState {
  ready: boolean;
  /** cert-manager's words for why not (Ready's reason and message, and a failed issuance's). */
  why: string;
  /**
   * Since when it has been in this state (for the time-out): not ready, or ready while the Secret
   * still lacks what the operator needs (cert-manager will not change it by itself then).
   */
  since: Date;
}

/**
 * Whether cert-manager says the Certificate is Ready for its current spec: the Ready condition is
 * True and was written for this generation (cert-manager sets observedGeneration on it), so a
 * changed spec is not taken as done before cert-manager has looked at it.
 */
export function readyState(cert: CertificateObject, now: Date): ReadyState {
  const conditions = cert.status?.conditions ?? [];
  const ready = conditions.find((c) => c.type === 'Ready');
  const current = ready !== undefined && (ready.observedGeneration === undefined || ready.observedGeneration >= (cert.metadata.generation ?? 0));
  if (ready?.status === 'True' && current) return { ready: true, why: ready.message ?? 'Ready', since: waitingSince(cert, ready, current, now) };
  return { ready: false, why: notReadyWords(conditions, ready, current), since: waitingSince(cert, ready, current, now) };
}

/** cert-manager's own words: the Ready condition, and a failed issuance's message. */
function notReadyWords(conditions: Condition[], ready: Condition | undefined, current: boolean): string {
  const failed = conditions.find((c) => c.type === 'Issuing' && c.status === 'False' && c.reason === 'Failed');
  const words = ready ? [`Ready=${ready.status}`, current ? '' : ' (for an older spec)', ready.reason ? ` ${ready.reason}` : '', ready.message ? `: ${ready.message}` : ''].join('') : 'no Ready condition yet';
  return failed?.message ? `${words}; Issuing failed: ${failed.message}` : words;
}

/** Since when its Ready condition has said what it says: a condition of an older spec says nothing about the new one, so from now on. */
function waitingSince(cert: CertificateObject, ready: Condition | undefined, current: boolean, now: Date): Date {
  const created = cert.metadata.creationTimestamp ? new Date(cert.metadata.creationTimestamp) : now;
  if (!ready) return created;
  const since = current && ready.lastTransitionTime ? new Date(ready.lastTransitionTime) : now;
  return since.getTime() > created.getTime() ? since : created;
}
