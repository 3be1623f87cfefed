/**
 * The CA rotation's state machine (ADR 0024), pure: from what the CA Secret holds, what the
 * cluster shows and the time, the one transition due now — or why none is. Every transition is one
 * write of the CA Secret with the resourceVersion read, so a kill at any line leaves either the
 * stage before or the one after, and of two replicas racing exactly one write lands.
 *
 *   idle ──(annotation `rotate` changed, or the CA expires within ca_renew_before_days)──▶ trust-new
 *   trust-new: new CA made, every `ca.crt` becomes old+new; the old CA still signs.
 *     ──(every Secret trusting the old CA trusts the new one: `bundled-at` recorded)──
 *     ──(grace period after bundled-at)──▶ sign-new
 *   sign-new: the new CA signs; server certificates are re-issued (the renewal path); `ca.crt` still old+new.
 *     ──(every server serves a certificate of the new CA, and a grace period after the stage began)──▶ idle
 *   idle: the old CA is gone from every bundle.
 */
import { X509Certificate } from 'node:crypto';
import type { TlsSettings } from '../../../config/sections/tls.js';
import { createCa } from './certificates.js';
import type { CaSecretState } from './ca-secret.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** What the cluster shows of a rotation's progress; each list names what is still waited for. */
export interface RotationProgress {
  /** Stage trust-new: Secrets (namespace/name) that trust the old CA but not yet the new one. */
  lacking: string[];
  /** Stage sign-new: servers (namespace/name) not yet serving a certificate of the new CA. */
  notMoved: string[];
}

export type RotationStep =
  | { kind: 'start'; reason: string; state: CaSecretState }
  /** A time recorded (trust-new: when every Secret carried the bundle; sign-new: a lost stage start). */
  | { kind: 'record'; state: CaSecretState }
  | { kind: 'sign-new'; state: CaSecretState }
  | { kind: 'drop'; state: CaSecretState }
  /** Nothing to write now: `waiting` says for what (undefined when idle), `at` when time alone will move it on. */
  | { kind: 'wait'; waiting?: string; at?: Date };

export type RotationSettings = Pick<TlsSettings, 'ca_renew_before_days' | 'ca_rotation_grace_hours'>;

/** Why a rotation should start now, or undefined. */
export function rotationTrigger(state: CaSecretState, settings: RotationSettings, now: Date): string | undefined {
  if (state.trigger !== undefined && state.trigger !== state.handled) return `annotation rotate=${JSON.stringify(state.trigger)}`;
  const expires = notAfter(state.signing.certPem);
  if (expires && expires.getTime() - now.getTime() < settings.ca_renew_before_days * DAY_MS) return `the CA expires ${expires.toISOString()}`;
  return undefined;
}

/** The transition due now. `progress` is read only in the stages that need it (see its fields). */
export function nextRotationStep(state: CaSecretState, progress: RotationProgress, settings: RotationSettings, now: Date): RotationStep {
  const graceMs = settings.ca_rotation_grace_hours * HOUR_MS;
  if (state.stage === 'idle') {
    const reason = rotationTrigger(state, settings, now);
    if (!reason) return { kind: 'wait' };
    const next = createCa(`hybrid-cloud-postgresql-operator CA ${now.toISOString().slice(0, 10)}`, now);
    // The trigger value is marked handled with the start: a later change of it asks for another rotation.
    return { kind: 'start', reason, state: { ...state, next, stage: 'trust-new', stageSince: now, bundledAt: undefined, ...(state.trigger !== undefined ? { handled: state.trigger } : {}) } };
  }
  if (state.stage === 'trust-new') {
    if (progress.lacking.length) return { kind: 'wait', waiting: `${describe(progress.lacking)} still without the new CA in ca.crt` };
    if (!state.bundledAt) return { kind: 'record', state: { ...state, bundledAt: now } };
    const at = new Date(state.bundledAt.getTime() + graceMs);
    if (now < at) return { kind: 'wait', waiting: `applications load the new ca.crt until ${at.toISOString()}`, at };
    const next = state.next as NonNullable<CaSecretState['next']>;
    return { kind: 'sign-new', state: { ...state, signing: next, next: undefined, previous: state.signing.certPem, stage: 'sign-new', stageSince: now, bundledAt: undefined } };
  }
  if (!state.stageSince) return { kind: 'record', state: { ...state, stageSince: now } };
  if (progress.notMoved.length) return { kind: 'wait', waiting: `${describe(progress.notMoved)} still serving a certificate of the old CA` };
  const at = new Date(state.stageSince.getTime() + graceMs);
  if (now < at) return { kind: 'wait', waiting: `the old CA stays trusted until ${at.toISOString()}`, at };
  return { kind: 'drop', state: { ...state, previous: undefined, stage: 'idle', stageSince: undefined } };
}

function describe(names: string[]): string {
  const shown = names.slice(0, 5).join(', ');
  return names.length > 5 ? `${shown} and ${names.length - 5} more` : shown;
}

function notAfter(certPem: string): Date | undefined {
  try {
    return new Date(new X509Certificate(certPem).validTo);
  } catch {
    return undefined;
  }
}
