import { expect, it } from '@jest/globals';
import type { MaintenanceStatus, Weekday } from '../../src/api/types.js';
import { serverManifest } from './support/manifests.js';
import { describeE2E, POSTGRES_MAJOR } from './support/settings.js';
import { useScenario } from './support/use-scenario.js';

const WEEKDAYS: Weekday[] = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
/** Three days from now: closed for the whole scenario. */
const CLOSED = { weekday: WEEKDAYS[(new Date().getUTCDay() + 3) % 7]!, starttime: '03:00' };
/** Never pulled: the scenario checks that it is held, then takes it back. */
const HELD_TAG = `${POSTGRES_MAJOR}-held-for-the-window`;

/**
 * A new image in the operator's config waits for a server's maintenance window (ADR 0021): the
 * pod keeps running the old image, `status.maintenance` names the new one and when the window
 * opens, a `MaintenanceScheduled` event says so; taking the config change back clears it.
 */
describeE2E('e2e: a new image waits for the maintenance window', () => {
  const name = 'windowed';
  const s = useScenario({ server: name }, async () => {
    await s.create(serverManifest(name, { maintenance: { window: CLOSED } }));
    await s.waitForReady('PostgreSQLServer', name);
  });
  const pod = () => s.kube.core.readNamespacedPod({ name: `${name}-postgresql-0`, namespace: s.namespace });
  const maintenance = async () => (await s.get('PostgreSQLServer', name))?.status?.maintenance as MaintenanceStatus | undefined;
  const setTag = (tag: string) => (config: Record<string, unknown>) => {
    ((config.backends as { statefulset: { image: { tags: Record<string, string> } } }).statefulset.image.tags)[POSTGRES_MAJOR] = tag;
  };

  it('holds the image: the pod keeps running, status.maintenance says what and when', async () => {
    const before = await pod();
    await s.operator.restartWith((config) => {
      config.handler_on_resume = true;
      setTag(HELD_TAG)(config);
    });
    const held = await s.waitUntil(maintenance, () => 'status.maintenance');
    expect(held).toEqual({ pending: [`image ${s.postgresImage} → ${s.postgresImage.replace(/:[^:]+$/, `:${HELD_TAG}`)}`], scheduledFor: expect.stringMatching(/T03:00:00\.000Z$/), window: `${CLOSED.weekday} 03:00 UTC` });
    await s.waitForEvent(name, 'Normal', 'MaintenanceScheduled');
    expect((await s.ready('PostgreSQLServer', name))?.status).toBe('True');
    const after = await pod();
    expect(after.metadata?.uid).toBe(before.metadata?.uid);
    expect(after.spec?.containers[0]?.image).toBe(s.postgresImage);
  });

  it('clears status.maintenance when nothing waits any more', async () => {
    await s.operator.restartWith(setTag(POSTGRES_MAJOR));
    await s.waitUntil(async () => (await maintenance()) === undefined, () => 'status.maintenance cleared');
    expect((await s.ready('PostgreSQLServer', name))?.status).toBe('True');
  });
});
