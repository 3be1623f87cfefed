import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { E2eScenario } from './support/scenario.js';
import { serverManifest } from './support/manifests.js';
import { describeE2E } from './support/settings.js';

/**
 * The label operator/action=retry (which makes the operator send a change again after it stopped
 * with NotConverging) is understood on every backend: on a Ready server it clears the update
 * attempts, is removed, and is no "unsupported action" for the backend.
 */
describeE2E('e2e: the retry label', () => {
  let s: E2eScenario;

  beforeAll(async () => {
    s = await E2eScenario.setup({ server: 'retried' });
  });

  afterAll(async () => {
    await s?.teardown();
  });

  it('removes the label with a Retrying event; the server stays Ready', async () => {
    await s.create(serverManifest('retried'));
    await s.waitForReady('PostgreSQLServer', 'retried');
    await s.label('PostgreSQLServer', 'retried', { 'operator/action': 'retry' });
    await s.waitUntil(async () => !(await s.get('PostgreSQLServer', 'retried'))?.metadata.labels?.['operator/action'], () => 'the retry label to be removed');
    await s.waitForEvent('retried', 'Normal', 'Retrying');
    expect((await s.ready('PostgreSQLServer', 'retried'))?.status).toBe('True');
    expect((await s.events('retried')).some((e) => e.reason === 'UnsupportedAction')).toBe(false);
  });
});
