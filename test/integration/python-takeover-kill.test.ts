import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { Harness, testConfig, waitFor } from '../support/operator-harness.js';
import { freePort } from '../support/free-port.js';
import { OperatorProcess } from '../support/operator-process.js';
import { ADMIN, ADMIN_PASSWORD, createStored, kopfCr, pythonCredentialsSecret, pythonDatabases, pythonTmpSecret, runningServer } from '../support/python-operator-fixtures.js';

const CONFIG = { backends: { statefulset: { admin_username: ADMIN } }, python_takeover: { operator_namespace: 'default' } };

type Cr = { metadata: { finalizers?: string[] }; status?: { adoption?: unknown } };

/**
 * The takeover survives a kill at its most delicate moments: the operator process (as production
 * runs it) is SIGKILLed right after a Secret of the Python operator got its ownerReference (the
 * takeover not yet recorded) and right after a pending password was stored (not yet applied).
 * After the restart everything is taken over, the proven passwords were never re-set and the
 * recovered one logs in.
 */
describe('takeover from the Python operator, killed in the middle', () => {
  let h: Harness;
  const processes: OperatorProcess[] = [];
  let verifier = '';

  let httpPort = 0;
  const start = (): OperatorProcess => {
    // Each process serves health on a free port (another process may hold 8080; a busy port ends the operator).
    const p = new OperatorProcess(h.api.kubeConfig(), testConfig(h.pg.port, { ...CONFIG, http_port: httpPort }));
    processes.push(p);
    p.start();
    return p;
  };
  /**
   * Kills the running process the moment `when` sees a stored change; returns whether it did (the
   * moment may have passed already in an earlier run, whose reconciles overlap).
   */
  const killWhen = (p: OperatorProcess, when: (obj: { kind?: string; metadata: { name?: string; ownerReferences?: unknown[] }; data?: Record<string, string> }) => boolean): Promise<boolean> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        stop();
        resolve(false);
      }, 20_000);
      const stop = h.api.onChange(({ object }) => {
        if (!when(object as never)) return;
        stop();
        clearTimeout(timer);
        void p.kill().then(() => resolve(true));
      });
    });

  beforeAll(async () => {
    h = await Harness.start({ config: CONFIG });
    httpPort = await freePort();
    await h.stopOperator();
    await pythonDatabases(h, [['kept_app', 'kept-password-1'], ['reset_app', 'forgotten']]);
    await createStored(h, kopfCr('PostgreSQLServer', 'legacy', { size: { class: 'small', storageGB: 10 }, credentialsSecret: 'legacy-postgres-credentials' }));
    await h.create(pythonCredentialsSecret('legacy-postgres-credentials', { username: ADMIN, password: ADMIN_PASSWORD, dbname: 'postgres', host: 'legacy-postgresql.default.svc.cluster.local' }));
    await runningServer(h, 'legacy');
    await createStored(h, kopfCr('PostgreSQLDatabase', 'kept-app', { serverRef: { name: 'legacy' }, credentialsSecret: 'kept-app-credentials' }));
    await h.create(pythonCredentialsSecret('kept-app-credentials', { username: 'kept_app', password: 'kept-password-1', dbname: 'kept_app', host: 'legacy-postgresql.default.svc.cluster.local' }));
    await createStored(h, kopfCr('PostgreSQLDatabase', 'reset-app', { serverRef: { name: 'legacy' }, credentialsSecret: 'reset-app-credentials' }));
    await h.create(pythonTmpSecret('default', 'pgdb-default-reset-app-tmp', 'recovered-password-2'));
    verifier = (await h.kubelet.query("SELECT rolpassword FROM pg_authid WHERE rolname = 'kept_app'")).rows[0].rolpassword;
  }, 60_000);

  afterAll(async () => {
    for (const p of processes) {
      await p.kill();
      p.cleanup();
    }
    await h?.stop();
  });

  it('killed after adopting a Secret and after storing a pending password, then restarted: all taken over', async () => {
    const adopted = (o: { kind?: string; metadata: { name?: string; ownerReferences?: unknown[] } }) => o.kind === 'Secret' && o.metadata.name === 'kept-app-credentials' && (o.metadata.ownerReferences?.length ?? 0) > 0;
    const pendingStored = (o: { kind?: string; metadata: { name?: string }; data?: Record<string, string> }) => o.kind === 'Secret' && o.metadata.name === 'hybridcloud-pgdatabase-reset-app' && o.data?.['pending-password'] !== undefined;
    expect(await killWhen(start(), adopted)).toBe(true);
    // The first run may have stored it already: then the second run is killed once it had its chance.
    if (!(await killWhen(start(), pendingStored))) await processes.at(-1)!.kill();
    start();
    await h.waitForReady('PostgreSQLDatabase', 'kept-app', 'True', undefined, 60_000);
    await h.waitForReady('PostgreSQLDatabase', 'reset-app', 'True', undefined, 60_000);
    for (const [kind, name] of [['PostgreSQLServer', 'legacy'], ['PostgreSQLDatabase', 'kept-app'], ['PostgreSQLDatabase', 'reset-app']] as const) {
      const cr = (await h.get<Cr>(kind, name))!;
      expect(cr.metadata.finalizers).toEqual(['hybridcloud.maibornwolff.de/finalizer']);
      expect(cr.status?.adoption).toMatchObject({ from: 'python-operator' });
    }
    expect((await h.kubelet.query("SELECT rolpassword FROM pg_authid WHERE rolname = 'kept_app'")).rows[0].rolpassword).toBe(verifier);
    expect((await h.secret('kept-app-credentials'))?.password).toBe('kept-password-1');
    expect((await h.secret('reset-app-credentials'))?.password).toBe('recovered-password-2');
    const client = new pg.Client({ host: '127.0.0.1', port: h.pg.port, user: 'reset_app', password: 'recovered-password-2', database: 'reset_app' });
    await client.connect();
    await client.end();
    await waitFor(async () => (await h.secret('hybridcloud-pgdatabase-reset-app'))?.['pending-password'] === undefined, 10_000, () => 'pending password completed');
  }, 120_000);
});
