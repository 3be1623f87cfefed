/**
 * Drives a rotation of the operator's CA (ADR 0024) on the leading replica: every
 * `tls.ca_rotation_check_seconds` it reads the CA Secret, reads the progress its stage needs, and
 * writes the one transition due (see ca-rotation.ts for the stages). Level-based: it keeps no
 * state of its own beyond what it already announced, so a restart, a kill or a new leader takes
 * up where the CA Secret says. Each stage is a log line and a Normal event on the CA Secret, and so
 * is what it waits for whenever that changes; each server that moved to the new CA gets a Normal event.
 */
import type { Logger } from 'pino';
import type { PostgreSQLServer } from '../api/types.js';
import { SERVER_KIND, API_VERSION } from '../api/constants.js';
import { nextRotationStep, type RotationStep } from '../backends/common/tls/ca-rotation.js';
import { fingerprint, type CaSecretState } from '../backends/common/tls/ca-secret.js';
import type { OperatorCa } from '../backends/common/tls/operator-ca.js';
import type { TlsSettings } from '../config/sections/tls.js';
import type { EventRecorder, EventTarget } from '../k8s/events.js';
import { readRotationProgress, type MovedServer, type ProgressSources, type SecretOwner } from './ca-rotation-progress.js';

export interface CaRotationOptions extends Omit<ProgressSources, 'caSecret'> {
  ca: OperatorCa;
  settings: TlsSettings;
  events: EventRecorder;
  log: Logger;
  /** A stage changed the bundle or the signing CA: reconcile every server and database now, not at their resync. */
  onStageChanged(): void;
  /** Reconcile these CRs now: their Secrets still lack the bundle (an enqueue lost to a restart, a reconcile that came too early). */
  reconcile(owners: SecretOwner[]): void;
  clock?: () => Date;
}

export class CaRotation {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running = false;
  /** Servers announced as moved, per new CA (uid|fingerprint): one event each. */
  private readonly announced = new Set<string>();
  private lastWaiting?: string;

  constructor(private readonly opts: CaRotationOptions) {}

  start(): void {
    if (this.running || !this.opts.settings.enabled) return;
    this.running = true;
    this.schedule();
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** One look: at most one transition written (exposed for tests; the timer calls it). */
  async check(): Promise<RotationStep> {
    const { ca, settings } = this.opts;
    // No CA yet (no in-cluster server ever needed one): nothing to rotate, and none is made here.
    const state = await ca.current();
    if (!state) return { kind: 'wait' };
    const progress = await readRotationProgress({ ...this.opts, caSecret: `${ca.namespace}/${ca.secretName}` }, state);
    if (state.stage === 'sign-new') this.announceMoves(progress.moved, state);
    const step = nextRotationStep(state, progress, settings, this.now());
    if (step.kind === 'wait') {
      if (step.waiting && step.waiting !== this.lastWaiting) {
        this.opts.log.info({ stage: state.stage }, `CA rotation waits: ${step.waiting}`);
        void this.opts.events.record(this.caTarget(state), 'Normal', 'CARotationWaiting', `stage ${state.stage} waits: ${step.waiting}`);
      }
      this.lastWaiting = step.waiting;
      if (progress.lackingOwners.length) this.opts.reconcile(progress.lackingOwners);
      return step;
    }
    // Lost to another writer: the next look reads what it wrote.
    if (!(await ca.transition(state, step.state))) return { kind: 'wait', waiting: 'the CA Secret changed meanwhile' };
    this.lastWaiting = undefined;
    this.report(step, state);
    if (step.kind === 'record') return step;
    // Read what was written before the reconciles start, so they publish the new bundle.
    await ca.current();
    this.opts.onStageChanged();
    return step;
  }

  private report(step: Exclude<RotationStep, { kind: 'wait' }>, before: CaSecretState): void {
    const after = step.state;
    const hours = this.opts.settings.ca_rotation_grace_hours;
    const messages: Record<typeof step.kind, [string, string]> = {
      start: ['CARotationStarted', `CA rotation started (${step.kind === 'start' ? step.reason : ''}): new CA ${fingerprint(after.next?.certPem ?? '')} is trusted next to the current one; every ca.crt becomes both`],
      record: after.stage === 'trust-new'
        ? ['CARotationTrusted', `every Secret trusts both CAs; servers switch to the new CA after ${hours} h (applications must load the new ca.crt by then)`]
        : ['CARotationSigning', `stage start recorded; the old CA stays trusted for ${hours} h after it`],
      'sign-new': ['CARotationSigning', `server certificates are now issued by the new CA ${fingerprint(after.signing.certPem)}; the old CA stays trusted until every server serves the new one`],
      drop: ['CARotationFinished', `every server serves a certificate of the new CA; the old CA ${fingerprint(before.previous ?? '')} is dropped from every ca.crt`],
    };
    const [reason, message] = messages[step.kind];
    this.opts.log.info({ stage: after.stage, reason }, message);
    void this.opts.events.record(this.caTarget(before), 'Normal', reason, message);
  }

  private announceMoves(moved: MovedServer[], state: CaSecretState): void {
    const ca = fingerprint(state.signing.certPem);
    for (const { server, serial } of moved) {
      const key = `${server.metadata.uid ?? ''}|${ca}`;
      if (this.announced.has(key)) continue;
      this.announced.add(key);
      const message = `the server's certificate moved to the new CA ${ca} (serial ${serial})`;
      this.opts.log.info({ server: `${server.metadata.namespace}/${server.metadata.name}` }, message);
      void this.opts.events.record(serverTarget(server), 'Normal', 'CertificateMovedToNewCA', message);
    }
  }

  private caTarget(state: CaSecretState): EventTarget {
    const { namespace, secretName } = this.opts.ca;
    return { apiVersion: 'v1', kind: 'Secret', metadata: { name: secretName, namespace, ...(state.uid ? { uid: state.uid } : {}) } };
  }

  private now(): Date {
    return this.opts.clock?.() ?? new Date();
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.check()
        .catch((err: unknown) => this.opts.log.warn({ err }, 'CA rotation check failed; trying again at the next one'))
        .finally(() => {
          if (this.running) this.schedule();
        });
    }, this.opts.settings.ca_rotation_check_seconds * 1000);
    this.timer.unref?.();
  }
}

function serverTarget(server: PostgreSQLServer): EventTarget {
  const { name, namespace, uid } = server.metadata;
  return { apiVersion: API_VERSION, kind: SERVER_KIND, metadata: { name, namespace, ...(uid ? { uid } : {}) } };
}
