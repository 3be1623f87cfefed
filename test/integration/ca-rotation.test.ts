import { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type pg from 'pg';
import { mergePatchOptions } from '../../src/k8s/patch.js';
import { OperatorCa } from '../../src/backends/common/tls/operator-ca.js';
import { createCa } from '../../src/backends/common/tls/certificates.js';
import { Harness, waitFor } from '../support/operator-harness.js';
import { loginWithSecret } from '../support/tls-login.js';

const SERVER = `apiVersion: hybridcloud.maibornwolff.de/v1alpha1
kind: PostgreSQLServer
metadata: { name: rot }
spec: { size: { storageGB: 1 }, credentialsSecret: rot-admin }
---
apiVersion: hybridcloud.maibornwolff.de/v1alpha1
kind: PostgreSQLDatabase
metadata: { name: rotapp }
spec: { serverRef: { name: rot }, credentialsSecret: rotapp-creds }`;

const CA_SECRET = 'hybrid-cloud-postgresql-operator-ca';
const STAGE = 'hybridcloud.maibornwolff.de/rotation-stage';
/** Seconds of each grace period: long enough to log in during stage 1, short enough for a test. */
const GRACE_SECONDS = 4;

/** Which CA signed the certificate the server presented to this client. */
function peerIssuedBy(client: pg.Client, caPem: string): boolean {
  const stream = (client as unknown as { connection: { stream: TLSSocket } }).connection.stream;
  const peer = new X509Certificate(stream.getPeerCertificate(true).raw);
  return peer.verify(new X509Certificate(caPem).publicKey);
}

async function canLogIn(data: Record<string, string>, port: number): Promise<boolean> {
  const client = await loginWithSecret(data, port).catch(() => undefined);
  await client?.end();
  return client !== undefined;
}

describe('CA rotation in stages, without downtime for applications', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await Harness.start({ config: { tls: { enabled: true, ca_rotation_grace_hours: GRACE_SECONDS / 3600, ca_rotation_check_seconds: 0.2 } } });
    await h.apply(SERVER);
    await h.waitForReady('PostgreSQLDatabase', 'rotapp');
  }, 60_000);

  afterAll(async () => {
    await h?.stop();
  });

  const caSecret = async () => (await h.kube.core.readNamespacedSecret({ name: CA_SECRET, namespace: 'default' }));
  const stageOf = async () => (await caSecret()).metadata?.annotations?.[STAGE] ?? 'idle';
  const rotate = (value: string) =>
    h.kube.core.patchNamespacedSecret({ name: CA_SECRET, namespace: 'default', body: { metadata: { annotations: { 'hybridcloud.maibornwolff.de/rotate': value } } } }, mergePatchOptions());

  it('trusts both CAs, then serves the new one, then drops the old: old clients work until stage 2, re-read ones throughout, open connections stay', async () => {
    const oldCa = (await h.secret(CA_SECRET))!['tls.crt']!;
    const oldOnly = (await h.secret('rotapp-creds'))!;
    expect(oldOnly['ca.crt']).toBe(oldCa);
    const open = await loginWithSecret(oldOnly, h.pg.port);
    open.on('error', () => undefined);

    await rotate('2026-12');
    // Stage 1: a new CA next to the old one; every ca.crt becomes both.
    await waitFor(async () => (await h.secret(CA_SECRET))?.['next.crt'] !== undefined, 10_000, () => 'a new CA in the CA Secret');
    const newCa = (await h.secret(CA_SECRET))!['next.crt']!;
    expect(newCa).not.toBe(oldCa);
    const bundle = oldCa + newCa;
    // The grace period starts only once every Secret carries both.
    await waitFor(async () => (await caSecret()).metadata?.annotations?.['hybridcloud.maibornwolff.de/rotation-bundled-at'] !== undefined, 15_000, () => 'every Secret with both CAs');
    expect(await stageOf()).toBe('trust-new');
    const reread = (await h.secret('rotapp-creds'))!;
    expect(reread['ca.crt']).toBe(bundle);
    expect((await h.secret('rot-admin'))?.['ca.crt']).toBe(bundle);
    expect((await h.secret('rot-postgresql-tls'))?.['ca.crt']).toBe(bundle);
    // Stage 1 to its end: the server presents the old CA's certificate, which both clients accept.
    const inStageOne = await loginWithSecret(oldOnly, h.pg.port);
    expect(peerIssuedBy(inStageOne, oldCa)).toBe(true);
    await inStageOne.end();
    let stageOneLogins = 0;
    const stageOneEnds = Date.now() + 30_000;
    while ((await stageOf()) === 'trust-new') {
      expect(Date.now()).toBeLessThan(stageOneEnds);
      expect(await canLogIn(oldOnly, h.pg.port)).toBe(true);
      expect(await canLogIn(reread, h.pg.port)).toBe(true);
      stageOneLogins++;
    }
    expect(stageOneLogins).toBeGreaterThan(3);

    // Stage 2: the new CA signs; the server certificate is re-issued and reloaded. The re-read
    // client logs in all along.
    expect(await stageOf()).toBe('sign-new');
    expect((await h.secret(CA_SECRET))?.['tls.crt']).toBe(newCa);
    expect((await h.secret(CA_SECRET))?.['previous.crt']).toBe(oldCa);
    await waitFor(async () => {
      const client = await loginWithSecret(reread, h.pg.port);
      const moved = peerIssuedBy(client, newCa);
      await client.end();
      return moved;
    }, 40_000, () => 'the server presenting a certificate of the new CA');
    // The swap changed no ca.crt: the re-issue is stage 2's only change.
    expect((await h.secret('rotapp-creds'))?.['ca.crt']).toBe(bundle);
    // The client that did not reload within the grace period is now refused: that is what it is for.
    await expect(loginWithSecret(oldOnly, h.pg.port)).rejects.toThrow(/self.signed|unable to verify|certificate/i);
    expect((await open.query('SELECT 1 AS one')).rows[0].one).toBe(1);

    // Stage 3: every server moved and the grace passed: the old CA leaves every bundle.
    const stageTwoEnds = Date.now() + 40_000;
    while ((await h.secret(CA_SECRET))?.['previous.crt'] !== undefined) {
      expect(Date.now()).toBeLessThan(stageTwoEnds);
      expect(await canLogIn(reread, h.pg.port)).toBe(true);
    }
    expect(await stageOf()).toBe('idle');
    await waitFor(async () => (await h.secret('rotapp-creds'))?.['ca.crt'] === newCa, 15_000, () => 'the app Secret with the new CA only');
    await waitFor(async () => (await h.secret('rot-postgresql-tls'))?.['ca.crt'] === newCa, 15_000, () => 'the certificate Secret with the new CA only');
    expect(await canLogIn(reread, h.pg.port)).toBe(true);
    expect(await canLogIn((await h.secret('rotapp-creds'))!, h.pg.port)).toBe(true);
    expect(await canLogIn((await h.secret('rot-admin'))!, h.pg.port)).toBe(true);
    expect((await open.query('SELECT 2 AS two')).rows[0].two).toBe(2);
    await open.end();

    const caEvents = await h.events(CA_SECRET);
    expect(caEvents.filter((e) => e.type === 'Normal').map((e) => e.reason)).toEqual(
      expect.arrayContaining(['CARotationStarted', 'CARotationTrusted', 'CARotationSigning', 'CARotationFinished']),
    );
    const serverEvents = await h.events('rot');
    expect(serverEvents).toContainEqual(expect.objectContaining({ type: 'Normal', reason: 'CertificateMovedToNewCA' }));
    expect(h.logLines.some((l) => l.includes('CA rotation started'))).toBe(true);
    await h.waitForReady('PostgreSQLServer', 'rot');
  }, 150_000);

  it('takes up where the CA Secret says after a kill in stage 1 and in stage 2, with the CA it made', async () => {
    const before = (await h.secret(CA_SECRET))!['tls.crt']!;
    await rotate('second');
    await waitFor(async () => (await stageOf()) === 'trust-new', 10_000, () => 'stage trust-new');
    const made = (await h.secret(CA_SECRET))!['next.crt']!;
    await h.stopOperator();
    await h.startOperator();
    await waitFor(async () => (await stageOf()) === 'sign-new', 30_000, () => 'stage sign-new after a restart');
    expect((await h.secret(CA_SECRET))?.['tls.crt']).toBe(made);
    await h.stopOperator();
    await h.startOperator();
    await waitFor(async () => (await stageOf()) === 'idle', 60_000, () => 'the rotation finished after a second restart');
    const after = (await h.secret(CA_SECRET))!;
    expect(after['tls.crt']).toBe(made);
    expect(after['tls.crt']).not.toBe(before);
    expect((await caSecret()).metadata?.annotations?.['hybridcloud.maibornwolff.de/rotation-handled']).toBe('second');
    await waitFor(async () => (await h.secret('rotapp-creds'))?.['ca.crt'] === made, 15_000, () => 'the app Secret with the newest CA');
    expect(await canLogIn((await h.secret('rotapp-creds'))!, h.pg.port)).toBe(true);
    // The same annotation value does not rotate again.
    await new Promise((r) => setTimeout(r, 1000));
    expect((await h.secret(CA_SECRET))?.['next.crt']).toBeUndefined();
  }, 150_000);

  it('puts a CA Secret deleted by hand back with the CA it held, not a new one that would cut clients off', async () => {
    const held = (await h.secret(CA_SECRET))!;
    await h.kube.core.deleteNamespacedSecret({ name: CA_SECRET, namespace: 'default' });
    h.operator!['servers'].enqueue('default', 'rot');
    await waitFor(async () => {
      h.operator!['servers'].enqueue('default', 'rot');
      return (await h.secret(CA_SECRET)) !== undefined;
    }, 30_000, () => 'the CA Secret back');
    const back = (await h.secret(CA_SECRET))!;
    expect(back['tls.crt']).toBe(held['tls.crt']);
    expect(back['tls.key']).toBe(held['tls.key']);
    expect(await canLogIn((await h.secret('rotapp-creds'))!, h.pg.port)).toBe(true);
  }, 60_000);

  it('lets exactly one of two replicas write a stage decided from the same reading', async () => {
    await h.stopOperator();
    const [a, b] = [new OperatorCa(h.kube, 'default', CA_SECRET), new OperatorCa(h.kube, 'default', CA_SECRET)];
    const read = await a.state();
    const results = await Promise.all([a, b].map((ca) => ca.transition(read, { ...read, next: createCa('racer'), stage: 'trust-new', stageSince: new Date() })));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect((await b.state()).stage).toBe('trust-new');
  });

  it('reads the servers of stage 2 from the watch cache: a look costs no GET per server', async () => {
    // Stage sign-new held (long grace, no timer): the look is called by hand, reconciles paused.
    const ca = new OperatorCa(h.kube, 'default', CA_SECRET);
    const read = await ca.state();
    expect(read.stage).toBe('trust-new');
    expect(await ca.transition(read, { ...read, signing: read.next!, next: undefined, previous: read.signing.certPem, stage: 'sign-new', stageSince: new Date() })).toBe(true);
    await h.startOperator({ ...h.config, tls: { ...h.config.tls, ca_rotation_grace_hours: 1, ca_rotation_check_seconds: 3600 } });
    await h.operator!.whenIdle();
    h.operator!.pauseReconciling();
    const gets = () => h.api.requestCounts()['GET postgresqlservers'] ?? 0;
    const before = gets();
    for (let i = 0; i < 3; i++) expect((await h.operator!.caRotation.check()).kind).toBe('wait');
    expect(gets() - before).toBe(0);
  }, 60_000);
});

describe('CA rotation started by the CA nearing its expiry', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await Harness.start({ config: { tls: { enabled: true, ca_renew_before_days: 365, ca_rotation_grace_hours: 1 / 3600, ca_rotation_check_seconds: 0.2 } } });
  }, 60_000);

  afterAll(async () => {
    await h?.stop();
  });

  it('makes no CA while no server needs one, and rotates one that expires within ca_renew_before_days by itself', async () => {
    await new Promise((r) => setTimeout(r, 1000));
    expect(await h.secret(CA_SECRET)).toBeUndefined();
    // A CA made nine and a half years ago: half a year left.
    const ageing = createCa('ageing CA', new Date(Date.now() - 9.5 * 365 * 86_400_000));
    await h.kube.core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: CA_SECRET }, type: 'kubernetes.io/tls', stringData: { 'tls.crt': ageing.certPem, 'tls.key': ageing.keyPem } } });
    await h.apply(SERVER);
    await waitFor(async () => (await h.secret(CA_SECRET))?.['tls.crt'] !== ageing.certPem && (await h.secret(CA_SECRET))?.['previous.crt'] === undefined, 60_000, () => 'the ageing CA replaced');
    const freshPem = (await h.secret(CA_SECRET))!['tls.crt']!;
    const fresh = new X509Certificate(freshPem);
    expect(new Date(fresh.validTo).getTime()).toBeGreaterThan(Date.now() + 9 * 365 * 86_400_000);
    expect((await h.events(CA_SECRET)).find((e) => e.reason === 'CARotationStarted')?.message).toMatch(/the CA expires/);
    await h.waitForReady('PostgreSQLDatabase', 'rotapp');
    await waitFor(async () => (await h.secret('rotapp-creds'))?.['ca.crt'] === freshPem, 20_000, () => 'the app Secret with the new CA only');
    expect(await canLogIn((await h.secret('rotapp-creds'))!, h.pg.port)).toBe(true);
  }, 120_000);
});
