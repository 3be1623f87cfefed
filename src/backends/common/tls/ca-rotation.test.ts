import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import type * as k8s from '@kubernetes/client-node';
import { createCa } from './certificates.js';
import { nextRotationStep, rotationTrigger, type RotationProgress } from './ca-rotation.js';
import { caSecretContent, parseCaSecret, ROTATE_ANNOTATION, trustBundle, type CaSecretState } from './ca-secret.js';

const HOUR = 3_600_000;
const settings = { ca_renew_before_days: 365, ca_rotation_grace_hours: 2 };
const none: RotationProgress = { lacking: [], notMoved: [] };
const old = createCa('old CA');
const t0 = new Date('2030-01-01T00:00:00Z');
const at = (hours: number) => new Date(t0.getTime() + hours * HOUR);

/** What the CA Secret would hold after writing `state` (the round trip every transition makes). */
function stored(state: CaSecretState, resourceVersion = '1'): CaSecretState {
  const { stringData, annotations } = caSecretContent(state);
  const data = Object.fromEntries(Object.entries(stringData).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
  const kept = Object.entries({ ...(state.trigger !== undefined ? { [ROTATE_ANNOTATION]: state.trigger } : {}), ...annotations }).filter((e): e is [string, string] => e[1] !== null);
  const parsed = parseCaSecret({ metadata: { resourceVersion, annotations: Object.fromEntries(kept) }, data } as k8s.V1Secret);
  if ('problem' in parsed) throw new Error(parsed.problem);
  return parsed;
}

describe('the CA rotation stages', () => {
  it('starts on a new value of the rotate annotation, once per value', () => {
    const idle = stored({ signing: old, stage: 'idle', trigger: 'one' });
    const start = nextRotationStep(idle, none, settings, t0);
    expect(start.kind).toBe('start');
    const trusting = stored((start as { state: CaSecretState }).state);
    expect(trusting).toMatchObject({ stage: 'trust-new', handled: 'one', stageSince: t0 });
    expect(trusting.signing).toEqual(old);
    expect(new X509Certificate(trusting.next!.certPem).ca).toBe(true);
    // Both CAs are trusted; the old one still signs.
    expect(trustBundle(trusting)).toBe(old.certPem + trusting.next!.certPem);
    // The same value does not start another rotation once this one is over.
    expect(rotationTrigger({ ...idle, handled: 'one' }, settings, t0)).toBeUndefined();
    expect(rotationTrigger({ ...idle, handled: 'one', trigger: 'two' }, settings, t0)).toMatch(/rotate="two"/);
  });

  it('starts by itself when the CA is within ca_renew_before_days of expiry', () => {
    const ageing = { signing: createCa('ageing', new Date(Date.now() - 9.5 * 365 * 24 * HOUR)), stage: 'idle' as const };
    expect(rotationTrigger(ageing, settings, new Date())).toMatch(/the CA expires/);
    expect(rotationTrigger({ signing: old, stage: 'idle' }, settings, new Date())).toBeUndefined();
  });

  it('waits for every Secret to trust both CAs, then for the grace period, before the new CA signs', () => {
    const trusting = stored((nextRotationStep(stored({ signing: old, stage: 'idle', trigger: 'x' }), none, settings, t0) as { state: CaSecretState }).state);
    expect(nextRotationStep(trusting, { ...none, lacking: ['team/app-creds'] }, settings, at(5))).toEqual({ kind: 'wait', waiting: 'team/app-creds still without the new CA in ca.crt' });
    const record = nextRotationStep(trusting, none, settings, at(5));
    expect(record.kind).toBe('record');
    const bundled = stored((record as { state: CaSecretState }).state);
    expect(bundled.bundledAt).toEqual(at(5));
    // The grace period runs from when the last Secret had the bundle, not from the start.
    expect(nextRotationStep(bundled, none, settings, at(6.9))).toMatchObject({ kind: 'wait', at: at(7) });
    const swap = nextRotationStep(bundled, none, settings, at(7));
    expect(swap.kind).toBe('sign-new');
    const signing = stored((swap as { state: CaSecretState }).state);
    expect(signing).toMatchObject({ stage: 'sign-new', previous: old.certPem, stageSince: at(7) });
    expect(signing.signing).toEqual(trusting.next);
    expect(signing.next).toBeUndefined();
    // Oldest first: the swap changes no ca.crt.
    expect(trustBundle(signing)).toBe(trustBundle(trusting));
  });

  it('drops the old CA once every server serves the new one and the grace period passed', () => {
    const next = createCa('new CA');
    const signing = stored({ signing: next, previous: old.certPem, stage: 'sign-new', stageSince: t0 });
    expect(nextRotationStep(signing, { ...none, notMoved: ['team/pg'] }, settings, at(10))).toMatchObject({ kind: 'wait', waiting: 'team/pg still serving a certificate of the old CA' });
    expect(nextRotationStep(signing, none, settings, at(1))).toMatchObject({ kind: 'wait', at: at(2) });
    const drop = nextRotationStep(signing, none, settings, at(2));
    expect(drop.kind).toBe('drop');
    const done = stored((drop as { state: CaSecretState }).state);
    expect(done).toMatchObject({ stage: 'idle', signing: next });
    expect(done.previous).toBeUndefined();
    expect(trustBundle(done)).toBe(next.certPem);
  });

  it('reads the stage from the keys, whatever the annotations say, and refuses a Secret without the CA', () => {
    const data = { 'tls.crt': Buffer.from(old.certPem).toString('base64'), 'tls.key': Buffer.from(old.keyPem).toString('base64') };
    expect(parseCaSecret({ metadata: { annotations: { 'hybridcloud.maibornwolff.de/rotation-stage': 'sign-new' } }, data })).toMatchObject({ stage: 'idle' });
    expect(parseCaSecret({ data: { 'tls.crt': data['tls.crt'] } })).toEqual({ problem: 'lacks tls.crt or tls.key' });
  });
});
