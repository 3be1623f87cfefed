/**
 * The layout of the operator's CA Secret, the single source of truth for the CA and for where a
 * CA rotation stands (ADR 0024). Pure: parses a Secret and builds the next one.
 *
 * Keys:
 * - `tls.crt`, `tls.key`: the CA that signs server certificates now (the only keys before any rotation);
 * - `next.crt`, `next.key`: stage `trust-new` only — the new CA, trusted by clients, not signing yet;
 * - `previous.crt`: stage `sign-new` only — the old CA, still trusted, no longer signing (its key is
 *   gone: a leaked old key signs nothing the operator hands out).
 * Annotations: `rotate` (the admin's trigger, any new value), `rotation-handled` (the trigger value
 * acted on), `rotation-stage`, `rotation-stage-since`, and `rotation-bundled-at` (when every
 * Secret carried the bundle of stage `trust-new`: its grace period runs from then).
 */
import { createHash, X509Certificate } from 'node:crypto';
import type * as k8s from '@kubernetes/client-node';
import { GROUP } from '../../../api/constants.js';
import type { KeyPairPem } from './certificates.js';

export const CA_CERT_KEY = 'tls.crt';
export const CA_KEY_KEY = 'tls.key';
export const NEXT_CERT_KEY = 'next.crt';
export const NEXT_KEY_KEY = 'next.key';
export const PREVIOUS_CERT_KEY = 'previous.crt';

/** The admin sets it to any new value to rotate the CA. */
export const ROTATE_ANNOTATION = `${GROUP}/rotate`;
export const HANDLED_ANNOTATION = `${GROUP}/rotation-handled`;
export const STAGE_ANNOTATION = `${GROUP}/rotation-stage`;
export const STAGE_SINCE_ANNOTATION = `${GROUP}/rotation-stage-since`;
export const BUNDLED_AT_ANNOTATION = `${GROUP}/rotation-bundled-at`;

/**
 * `idle`: one CA. `trust-new`: the new CA is made and trusted next to the old, which still signs.
 * `sign-new`: the new CA signs; the old one is still trusted until every server serves a
 * certificate of the new one. Back to `idle` drops the old CA.
 */
export type RotationStage = 'idle' | 'trust-new' | 'sign-new';

export interface CaSecretState {
  /** The CA that signs server certificates. */
  signing: KeyPairPem;
  /** Stage `trust-new`: the CA that will sign. */
  next?: KeyPairPem;
  /** Stage `sign-new`: the CA that signed before (certificate only). */
  previous?: string;
  stage: RotationStage;
  stageSince?: Date;
  bundledAt?: Date;
  /** The admin's `rotate` annotation and the value last acted on. */
  trigger?: string;
  handled?: string;
  resourceVersion?: string;
  uid?: string;
}

/** Reads the CA Secret; a message instead when it lacks what it must hold. */
export function parseCaSecret(secret: k8s.V1Secret): CaSecretState | { problem: string } {
  const data = (key: string) => decode(secret.data?.[key]);
  const certPem = data(CA_CERT_KEY);
  const keyPem = data(CA_KEY_KEY);
  if (!certPem || !keyPem) return { problem: `lacks ${CA_CERT_KEY} or ${CA_KEY_KEY}` };
  const nextCert = data(NEXT_CERT_KEY);
  const nextKey = data(NEXT_KEY_KEY);
  const previous = data(PREVIOUS_CERT_KEY);
  // The keys decide the stage; the annotation only names it (a half-edited Secret cannot lie).
  const stage: RotationStage = nextCert && nextKey ? 'trust-new' : previous ? 'sign-new' : 'idle';
  return {
    signing: { certPem, keyPem },
    ...(nextCert && nextKey ? { next: { certPem: nextCert, keyPem: nextKey } } : {}),
    ...(stage === 'sign-new' ? { previous } : {}),
    stage,
    ...annotationsOf(secret.metadata ?? {}, stage),
  };
}

/** The times, the trigger and the object's identity, from its metadata. */
function annotationsOf(meta: k8s.V1ObjectMeta, stage: RotationStage): Partial<CaSecretState> {
  const notes = meta.annotations ?? {};
  const present = (key: keyof CaSecretState, value: string | undefined) => (value === undefined ? {} : { [key]: value });
  return {
    ...dateOf('stageSince', stage === 'idle' ? undefined : notes[STAGE_SINCE_ANNOTATION]),
    ...dateOf('bundledAt', stage === 'trust-new' ? notes[BUNDLED_AT_ANNOTATION] : undefined),
    ...present('trigger', notes[ROTATE_ANNOTATION]),
    ...present('handled', notes[HANDLED_ANNOTATION]),
    ...present('resourceVersion', meta.resourceVersion),
    ...present('uid', meta.uid),
  };
}

/**
 * The CA certificates clients must trust: the signing CA and, during a rotation, the other one,
 * oldest first, so that the swap of stage 2 leaves every `ca.crt` as it was. Published as `ca.crt`
 * in every credentials and certificate Secret. Outside a rotation it is the CA's PEM exactly as
 * before rotations existed, so an upgrade rewrites no Secret.
 */
export function trustBundle(state: Pick<CaSecretState, 'signing' | 'next' | 'previous'>): string {
  return [state.previous, state.signing.certPem, state.next?.certPem].filter((p): p is string => Boolean(p)).map((p) => (p.endsWith('\n') ? p : `${p}\n`)).join('');
}

/** The Secret's data and annotations for a state (what a transition writes, with the resourceVersion read). */
export function caSecretContent(state: CaSecretState): { stringData: Record<string, string>; annotations: Record<string, string | null> } {
  const stringData: Record<string, string> = { [CA_CERT_KEY]: state.signing.certPem, [CA_KEY_KEY]: state.signing.keyPem };
  if (state.next) Object.assign(stringData, { [NEXT_CERT_KEY]: state.next.certPem, [NEXT_KEY_KEY]: state.next.keyPem });
  if (state.previous) stringData[PREVIOUS_CERT_KEY] = state.previous;
  const annotations: Record<string, string | null> = {
    [STAGE_ANNOTATION]: state.stage === 'idle' ? null : state.stage,
    [STAGE_SINCE_ANNOTATION]: state.stage === 'idle' ? null : (state.stageSince?.toISOString() ?? null),
    [BUNDLED_AT_ANNOTATION]: state.stage === 'trust-new' ? (state.bundledAt?.toISOString() ?? null) : null,
    [HANDLED_ANNOTATION]: state.handled ?? null,
  };
  return { stringData, annotations };
}

/** SHA-256 fingerprint of a certificate (what logs and events name a CA by); `?` when unreadable. */
export function fingerprint(certPem: string): string {
  try {
    return new X509Certificate(certPem).fingerprint256;
  } catch {
    return createHash('sha256').update(certPem).digest('hex').slice(0, 16);
  }
}

function dateOf<K extends string>(key: K, value: string | undefined): Partial<Record<K, Date>> {
  if (!value) return {};
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? {} : ({ [key]: date } as Record<K, Date>);
}

function decode(value: string | undefined): string | undefined {
  return value ? Buffer.from(value, 'base64').toString('utf8') : undefined;
}
