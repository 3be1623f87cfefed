import { expect, it } from '@jest/globals';
import { serverManifest } from './support/manifests.js';
import { describeE2E } from './support/settings.js';
import { useScenario } from './support/use-scenario.js';

/**
 * The label operator/action=retry (which makes the operator send a change again after it stopped
 * with NotConverging) is understood on every backend: on a Ready server it clears the update
 * attempts, is removed, and is no "unsupported action" for the backend.
 */
describeE2E('e2e: the retry label', () => {
  const s = useScenario({ server: 'retried' });

  it('removes the label with a Retrying event; the server stays Ready', async () => {
    await s.create(serverManifest('retried'));
    await s.waitForReady('PostgreSQLServer', 'retried');
    await s.label('PostgreSQLServer', 'retried', { 'operator/action': 'retry' });
    await s.waitForActionDone('PostgreSQLServer', 'retried');
    await s.waitForEvent('retried', 'Normal', 'Retrying');
    expect((await s.ready('PostgreSQLServer', 'retried'))?.status).toBe('True');
    expect((await s.events('retried')).some((e) => e.reason === 'UnsupportedAction')).toBe(false);
  });
});
