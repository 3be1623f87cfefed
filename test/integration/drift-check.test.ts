/**
 * Drift in seconds: a database or role dropped by hand comes back within the drift check's
 * interval (the resync is set far away, so only the check can find it), at one catalogue query per
 * server per interval and no API writes while nothing drifted.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { countWrites } from '../support/fake-apiserver/index.js';
import { Harness, OPERATOR_CLIENT, waitFor } from '../support/operator-harness.js';
import { loopbackStatefulSet } from '../support/loopback-statefulset.js';

const INTERVAL_SECONDS = 1;
const NAMES = ['drift-a', 'drift-b', 'drift-c'];

const SERVER = `apiVersion: hybridcloud.maibornwolff.de/v1alpha1
kind: PostgreSQLServer
metadata: { name: drift }
spec: { size: { storageGB: 1 }, credentialsSecret: drift-admin }`;

const database = (name: string) => `apiVersion: hybridcloud.maibornwolff.de/v1alpha1
kind: PostgreSQLDatabase
metadata: { name: ${name} }
spec: { serverRef: { name: drift }, credentialsSecret: ${name}-creds }`;

describe('drift check', () => {
  let h: Harness;
  const checks: string[] = [];

  beforeAll(async () => {
    h = await Harness.start({
      backendOverrides: loopbackStatefulSet,
      config: { reconcile: { resync_seconds: 3600, drift_check_seconds: INTERVAL_SECONDS } },
      hooks: { driftChecked: (result) => checks.push(result) },
    });
    await h.apply([SERVER, ...NAMES.map(database)].join('\n---\n'));
    for (const name of NAMES) await h.waitForReady('PostgreSQLDatabase', name);
    await h.operator!.whenIdle();
  });

  afterAll(async () => {
    await h?.stop();
  });

  it('costs one query per server per interval and no API writes while nothing drifted', async () => {
    await new Promise((r) => setTimeout(r, 1500));
    h.api.resetCounts();
    checks.length = 0;
    await new Promise((r) => setTimeout(r, 3500 * INTERVAL_SECONDS));
    // Three databases on one server: three checks in 3.5 intervals, not nine.
    expect(checks.length).toBeGreaterThanOrEqual(2);
    expect(checks.length).toBeLessThanOrEqual(4);
    expect(new Set(checks)).toEqual(new Set(['in_place']));
    expect(countWrites(h.api.requestCountsFor(OPERATOR_CLIENT))).toBe(0);
  });

  it('recreates a database dropped by hand within the interval, with a Warning event', async () => {
    const started = Date.now();
    await h.kubelet.query('DROP DATABASE drift_b WITH (FORCE)');
    await waitFor(async () => (await h.kubelet.query("SELECT 1 FROM pg_database WHERE datname = 'drift_b'")).rowCount === 1, 10_000, () => 'database recreated');
    expect(Date.now() - started).toBeLessThan(INTERVAL_SECONDS * 1000 + 3000);
    await waitFor(async () => (await h.events('drift-b')).some((e) => e.reason === 'DatabaseRecreated' && e.type === 'Warning'), 10_000, () => 'event');
    expect(checks).toContain('drifted');
    // Only the drifted database was reconciled: the others have no such event.
    expect((await h.events('drift-a')).map((e) => e.reason)).not.toContain('DatabaseRecreated');
  });

  it('recreates a role dropped by hand within the interval, with its password from the Secret', async () => {
    await h.kubelet.query('ALTER DATABASE drift_c OWNER TO postgres');
    await h.kubelet.query('DROP ROLE drift_c');
    const started = Date.now();
    await waitFor(async () => (await h.kubelet.query("SELECT 1 FROM pg_roles WHERE rolname = 'drift_c'")).rowCount === 1, 10_000, () => 'role recreated');
    expect(Date.now() - started).toBeLessThan(INTERVAL_SECONDS * 1000 + 3000);
    await waitFor(async () => (await h.events('drift-c')).some((e) => e.reason === 'RoleRecreated' && e.type === 'Warning'), 10_000, () => 'event');
    await waitFor(async () => (await h.kubelet.query("SELECT pg_get_userbyid(datdba) AS o FROM pg_database WHERE datname = 'drift_c'")).rows[0]?.o === 'drift_c', 10_000, () => 'owner back');
    const data = (await h.secret('drift-c-creds'))!;
    const app = new pg.Client({ host: data.host, port: Number(data.port), user: data.username, password: data.password, database: data.dbname });
    await app.connect();
    await app.end();
  });
});
