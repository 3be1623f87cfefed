import { expect, it } from '@jest/globals';
import { mergePatchOptions } from '../../src/k8s/patch.js';
import { SIMPLE } from './support/manifests.js';
import { describeE2E, e2eBackends } from './support/settings.js';
import { simpleExampleReady, useScenario } from './support/use-scenario.js';

const CA_SECRET = 'e2e-rotation-ca';
const STAGE = 'hybridcloud.maibornwolff.de/rotation-stage';

/**
 * CA rotation (ADR 0024) with a CA of the scenario's own (in its namespace, so no other scenario's
 * CA moves) and one-minute grace periods: client pods log in after each stage with the Secret as
 * it is then; a copy of the Secret taken before the rotation is refused once the server presents
 * the new CA's certificate; the stages are events on the CA Secret, the move one on the server.
 * On each in-cluster backend (statefulset reloads, helmbitnami restarts the pod in stage 2).
 */
for (const backend of e2eBackends()) {
  describeE2E(`e2e: CA rotation without downtime (${backend})`, () => {
    // The scenario's own CA in its namespace, with one-minute grace periods.
    const s = useScenario({ server: SIMPLE.server, backend, startOperator: false }, async (scenario) => {
      scenario.operator.reconfigure((c) => {
        c.tls = { namespace: scenario.namespace, ca_secret: CA_SECRET, ca_rotation_grace_hours: 1 / 60, ca_rotation_check_seconds: 5 };
      });
      scenario.operator.start();
      await simpleExampleReady(scenario);
    });

    const stage = async () => (await s.readSecret(CA_SECRET))?.metadata?.annotations?.[STAGE] ?? 'idle';

    it('moves every Secret and the server to a new CA in three stages; apps that re-read ca.crt keep logging in', async () => {
      const oldCa = (await s.secret(CA_SECRET))!['tls.crt']!;
      const before = (await s.secret(SIMPLE.databaseSecret))!;
      await s.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'old-copy' }, stringData: before });
      await s.kube.core.patchNamespacedSecret(
        { name: CA_SECRET, namespace: s.namespace, body: { metadata: { annotations: { 'hybridcloud.maibornwolff.de/rotate': 'e2e' } } } },
        mergePatchOptions(),
      );
      await s.waitUntil(async () => ((await s.secret(SIMPLE.databaseSecret))?.['ca.crt']?.match(/BEGIN CERTIFICATE/g)?.length === 2) || undefined, () => 'the app Secret trusting both CAs');
      expect(await stage()).toBe('trust-new');
      expect(await s.login('old-copy')).toMatchObject({ phase: 'Succeeded' });
      expect(await s.login(SIMPLE.databaseSecret)).toMatchObject({ phase: 'Succeeded' });

      await s.waitForEvent(SIMPLE.server, 'Normal', 'CertificateMovedToNewCA');
      expect(await s.login(SIMPLE.databaseSecret)).toMatchObject({ phase: 'Succeeded' });
      expect((await s.login('old-copy')).phase).toBe('Failed');

      await s.waitUntil(async () => ((await stage()) === 'idle' && (await s.secret(SIMPLE.databaseSecret))?.['ca.crt'] !== before['ca.crt']) || undefined, () => 'the rotation finished');
      const newCa = (await s.secret(CA_SECRET))!['tls.crt']!;
      expect(newCa).not.toBe(oldCa);
      await s.waitUntil(async () => ((await s.secret(SIMPLE.databaseSecret))?.['ca.crt'] === newCa) || undefined, () => 'the app Secret with the new CA only');
      expect(await s.login(SIMPLE.databaseSecret)).toMatchObject({ phase: 'Succeeded' });
      expect(await s.login(SIMPLE.serverSecret)).toMatchObject({ phase: 'Succeeded' });
      const reasons = (await s.events(CA_SECRET)).map((e) => e.reason);
      expect(reasons).toEqual(expect.arrayContaining(['CARotationStarted', 'CARotationTrusted', 'CARotationSigning', 'CARotationFinished']));
    });
  });
}
