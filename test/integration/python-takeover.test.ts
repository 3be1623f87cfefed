import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { stringify } from 'yaml';
import pg from 'pg';
import { runMigrate } from '../../src/migrate/command.js';
import { mergePatchOptions } from '../../src/k8s/patch.js';
import { isNotFound } from '../../src/k8s/clients.js';
import { createStatefulSetBackend } from '../../src/backends/statefulset/index.js';
import type { Adoption } from '../../src/api/types.js';
import type { Endpoint, ServerBackend, ServerContext, ServerObservation } from '../../src/backends/types.js';
import { Harness, OPERATOR_CLIENT, testConfig, waitFor } from '../support/operator-harness.js';
import { ADMIN, ADMIN_PASSWORD, createStored, kopfCr, pythonCredentialsSecret, pythonDatabases, pythonTmpSecret, runningServer } from '../support/python-operator-fixtures.js';

/**
 * Taking over, in place, what the Python (kopf) operator left: the handler side, with the
 * in-cluster backend standing in for a server that runs (the per-backend "keep what runs" choices
 * have their own tests). Every object is made the way the Python operator made it (see
 * test/support/python-operator-fixtures.ts), with the operator stopped, then this operator starts.
 */

const execFileAsync = promisify(execFile);
const CONFIG = { backends: { statefulset: { admin_username: ADMIN } }, python_takeover: { operator_namespace: 'hybridcloud' } };

/** Calls of the backend's methods that change a server, by method. */
const mutatingCalls: Record<string, number> = {};
/** The `ctx.adoption` each observe was given. */
const observedAdoptions: Array<Adoption | undefined> = [];
const DIFFERENCE = 'kept until the spec changes: image docker.io/library/postgres:15 → docker.io/library/postgres:17';

/**
 * The backend's side of the adoption contract (src/backends/types.ts), played around the real
 * statefulset backend: while the generation is the adopted one, it names a setting it keeps as it
 * runs. It counts every call that would change a server.
 */
function keepingWhatRuns(real: ServerBackend): ServerBackend {
  const count = (method: string): void => {
    mutatingCalls[method] = (mutatingCalls[method] ?? 0) + 1;
  };
  return Object.assign(Object.create(real) as ServerBackend, {
    observe: async (ctx: ServerContext) => {
      observedAdoptions.push(ctx.adoption);
      const observed = await real.observe(ctx);
      return ctx.adoption && ctx.generation === ctx.adoption.generation ? { ...observed, adoptionDifferences: [DIFFERENCE] } : observed;
    },
    create: (ctx: ServerContext) => (count('create'), real.create(ctx)),
    update: (ctx: ServerContext, o: ServerObservation) => (count('update'), real.update(ctx, o)),
    setAdminPassword: (ctx: ServerContext, p: string, e: Endpoint | undefined) => (count('setAdminPassword'), real.setAdminPassword(ctx, p, e)),
  });
}

type Cr = { metadata: { uid: string; finalizers?: string[]; generation?: number; labels?: Record<string, string> }; status?: Record<string, unknown> };

async function login(port: number, user: string, password: string, database: string): Promise<void> {
  const client = new pg.Client({ host: '127.0.0.1', port, user, password, database });
  await client.connect();
  await client.end();
}

describe('takeover from the Python operator (statefulset backend, real PostgreSQL)', () => {
  let h: Harness;
  const verifiers = async (): Promise<Record<string, string>> => {
    const rows = await h.kubelet.query("SELECT rolname, rolpassword FROM pg_authid WHERE rolname IN ($1, 'legacy_app', 'pending_app') ORDER BY 1", [ADMIN]);
    return Object.fromEntries(rows.rows.map((r: { rolname: string; rolpassword: string }) => [r.rolname, r.rolpassword]));
  };
  let before: Record<string, string>;
  let migrateBefore: { code: number; text: string };

  /** `migrate`, in process, against what the fixtures left. */
  async function migrate(): Promise<{ code: number; text: string }> {
    let text = '';
    const out = new Writable({
      write: (chunk: Buffer, _enc, done) => {
        text += chunk.toString('utf8');
        done();
      },
    });
    const code = await runMigrate({ config: h.config, kc: h.api.kubeConfig(undefined, 'migrate'), out, backendOverrides: { statefulset: async (deps) => keepingWhatRuns(await createStatefulSetBackend(deps)) } });
    observedAdoptions.length = 0;
    return { code, text };
  }
  /** The block of lines `migrate` printed for one CR. */
  const blockOf = (text: string, header: string): string => text.split(/\n(?=\S)/).find((b) => b.startsWith(`${header}\n`)) ?? '';

  beforeAll(async () => {
    h = await Harness.start({
      config: CONFIG,
      backendOverrides: () => ({ statefulset: async (deps) => keepingWhatRuns(await createStatefulSetBackend(deps)) }),
    });
    await h.stopOperator();
    await h.kube.core.createNamespace({ body: { metadata: { name: 'hybridcloud' } } });
    // The server and what the Python operator did in it (hybridcloud/backends/pgclient.py).
    await pythonDatabases(h, [['legacy_app', 'app-password-q1'], ['pending_app', 'lost-password'], ['wrong_app', 'right-password'], ['orphan_app', 'orphan-password'], ['early_app', 'early-password']]);

    await createStored(h, kopfCr('PostgreSQLServer', 'legacy', { size: { class: 'small', storageGB: 10 }, credentialsSecret: 'legacy-postgres-credentials' }));
    await h.create(pythonCredentialsSecret('legacy-postgres-credentials', { username: ADMIN, password: ADMIN_PASSWORD, dbname: 'postgres', host: 'legacy-postgresql.default.svc.cluster.local' }));
    await runningServer(h, 'legacy');
    await createStored(h, kopfCr('PostgreSQLDatabase', 'legacy-app', { serverRef: { name: 'legacy' }, credentialsSecret: 'legacy-app-credentials' }));
    await h.create(pythonCredentialsSecret('legacy-app-credentials', { username: 'legacy_app', password: 'app-password-q1', dbname: 'legacy_app', host: 'legacy-postgresql.default.svc.cluster.local' }));
    // Caught between its tmp Secret and its credentials Secret (or in a password reset).
    await createStored(h, kopfCr('PostgreSQLDatabase', 'pending-app', { serverRef: { name: 'legacy' }, credentialsSecret: 'pending-app-credentials' }));
    await h.create(pythonTmpSecret('hybridcloud', 'pgdb-default-pending-app-tmp', 'tmp-password-r1'));
    // A Secret whose password is not the role's.
    await createStored(h, kopfCr('PostgreSQLDatabase', 'wrong-app', { serverRef: { name: 'legacy' }, credentialsSecret: 'wrong-app-credentials' }));
    await h.create(pythonCredentialsSecret('wrong-app-credentials', { username: 'wrong_app', password: 'not-the-password', dbname: 'wrong_app', host: 'x' }));
    // A new CR (never handled by the Python operator) naming somebody's Secret.
    await h.apply(`apiVersion: hybridcloud.maibornwolff.de/v1alpha1
kind: PostgreSQLDatabase
metadata: { name: stranger-app }
spec: { serverRef: { name: legacy }, credentialsSecret: somebodys-secret }`);
    await h.create(pythonCredentialsSecret('somebodys-secret', { username: 'stranger_app', password: 'x', dbname: 'x', host: 'x' }));
    // A server whose Secret does not log in, and a database on it.
    await createStored(h, kopfCr('PostgreSQLServer', 'blocked', { size: { class: 'small', storageGB: 10 }, credentialsSecret: 'blocked-postgres-credentials' }));
    await h.create(pythonCredentialsSecret('blocked-postgres-credentials', { username: ADMIN, password: 'stale-admin-password', dbname: 'postgres', host: 'blocked-postgresql.default.svc.cluster.local' }));
    await runningServer(h, 'blocked');
    await createStored(h, kopfCr('PostgreSQLDatabase', 'orphan-app', { serverRef: { name: 'blocked' }, credentialsSecret: 'orphan-app-credentials' }));
    await h.create(pythonCredentialsSecret('orphan-app-credentials', { username: 'orphan_app', password: 'orphan-password', dbname: 'orphan_app', host: 'x' }));
    // A server whose Secret cannot be proven: it does not run (anymore).
    await createStored(h, kopfCr('PostgreSQLServer', 'ghost', { size: { class: 'small', storageGB: 10 }, credentialsSecret: 'ghost-postgres-credentials' }));
    await h.create(pythonCredentialsSecret('ghost-postgres-credentials', { username: ADMIN, password: 'ghost-password', dbname: 'postgres', host: 'ghost-postgresql.default.svc.cluster.local' }));
    h.kubelet.ignore.add('default/ghost-postgresql');
    // A stored CR without spec.size.storageGB (the Python CRD did not require it).
    await createStored(h, kopfCr('PostgreSQLServer', 'sizeless', { size: { class: 'small' }, credentialsSecret: 'sizeless-credentials' }));

    // Deleted while no operator ran: only kopf's finalizer holds it.
    await createStored(h, kopfCr('PostgreSQLDatabase', 'early-app', { serverRef: { name: 'legacy' }, credentialsSecret: 'early-app-credentials' }));
    await h.create(pythonCredentialsSecret('early-app-credentials', { username: 'early_app', password: 'early-password', dbname: 'early_app', host: 'x' }));
    await h.delete('PostgreSQLDatabase', 'early-app');

    before = await verifiers();
    h.api.resetCounts();
    migrateBefore = await migrate();
    await h.startOperator();
  }, 60_000);

  afterAll(async () => {
    await h?.stop();
  });

  it('migrate, before: per CR what the takeover will do, non-zero because some would block; read-only', async () => {
    const { code, text } = migrateBefore;
    expect(code).toBe(1);
    expect(blockOf(text, 'PostgreSQLServer default/legacy')).toMatch(/adopted \(proof: login as pyadmin ok\)[\s\S]*differs from what runs: kept until the spec changes: image [\s\S]*finalizer: kopf.zalando.org\/KopfFinalizerMarker replaced[\s\S]*=> will be taken over/);
    expect(blockOf(text, 'PostgreSQLDatabase default/legacy-app')).toMatch(/adopted \(proof: login as role legacy_app ok\)[\s\S]*database owner: pyadmin → legacy_app[\s\S]*=> will be taken over/);
    expect(blockOf(text, 'PostgreSQLDatabase default/pending-app')).toMatch(/password source: the Python operator's tmp Secret hybridcloud\/pgdb-default-pending-app-tmp, applied to the role first/);
    expect(blockOf(text, 'PostgreSQLDatabase default/wrong-app')).toMatch(/BLOCKED: Secret wrong-app-credentials does not log in as role wrong_app/);
    expect(blockOf(text, 'PostgreSQLDatabase default/stranger-app')).toMatch(/not from the Python operator[\s\S]*BLOCKED: Secret somebodys-secret belongs to nobody/);
    expect(blockOf(text, 'PostgreSQLServer default/blocked')).toMatch(/BLOCKED: Secret blocked-postgres-credentials does not log in as pyadmin/);
    expect(blockOf(text, 'PostgreSQLDatabase default/orphan-app')).toMatch(/BLOCKED: PostgreSQLServer blocked is missing, not running or not taken over/);
    expect(blockOf(text, 'PostgreSQLDatabase default/early-app')).toMatch(/being deleted: this operator carries out the deletion/);
    expect(blockOf(text, 'PostgreSQLServer default/sizeless')).toMatch(/BLOCKED: spec.size.storageGB is missing/);
    expect(blockOf(text, 'PostgreSQLServer default/ghost')).toMatch(/server: does not exist[\s\S]*BLOCKED: Secret ghost-postgres-credentials cannot be proven by a login as the admin \(the server does not exist\); annotate the PostgreSQLServer with hybridcloud.maibornwolff.de\/adopt-unproven-secret=true/);
    expect(text).toMatch(/^Summary: 4 to take over, 6 blocked, 0 already taken over, 1 not from the Python operator$/m);
    // Read-only: nothing written by migrate.
    expect(Object.keys(h.api.requestCountsFor('migrate')).filter((k) => /^(POST|PUT|PATCH|DELETE)/.test(k))).toEqual([]);
  });

  it('takes the server over: Ready, Secret adopted with its values kept, status.adoption, kopf finalizer replaced', async () => {
    await h.waitForReady('PostgreSQLServer', 'legacy');
    const server = (await h.get<Cr>('PostgreSQLServer', 'legacy'))!;
    expect(server.metadata.finalizers).toEqual(['hybridcloud.maibornwolff.de/finalizer']);
    expect(server.status?.adoption).toMatchObject({ from: 'python-operator', generation: server.metadata.generation });
    expect(server.status?.deployment).toMatchObject({ status: 'finished' });
    const secret = await h.kube.core.readNamespacedSecret({ name: 'legacy-postgres-credentials', namespace: 'default' });
    expect(secret.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'PostgreSQLServer', name: 'legacy', uid: server.metadata.uid });
    expect(secret.metadata?.labels?.['app.kubernetes.io/managed-by']).toBe('hybrid-cloud-postgresql-operator');
    const data = (await h.secret('legacy-postgres-credentials'))!;
    expect(data).toMatchObject({ username: ADMIN, password: ADMIN_PASSWORD, dbname: 'postgres', host: 'legacy-postgresql.default.svc.cluster.local', port: '5432', sslmode: 'disable' });
    expect(data.uri).toBe(`postgresql://${ADMIN}:${ADMIN_PASSWORD}@legacy-postgresql.default.svc.cluster.local:5432/postgres?sslmode=disable`);
    const events = await h.events('legacy');
    expect(events.find((e) => e.reason === 'SecretAdopted')?.message).toMatch(/proof: it logs in as pyadmin/);
    expect(events.map((e) => e.reason)).toContain('TakenOver');
  });

  it("takes a database over with the app's password unchanged: no ALTER ROLE, the app still logs in", async () => {
    await h.waitForReady('PostgreSQLDatabase', 'legacy-app');
    const after = await verifiers();
    expect(after[ADMIN]).toBe(before[ADMIN]);
    expect(after.legacy_app).toBe(before.legacy_app);
    await login(h.pg.port, 'legacy_app', 'app-password-q1', 'legacy_app');
    const db = (await h.get<Cr>('PostgreSQLDatabase', 'legacy-app'))!;
    expect(db.metadata.finalizers).toEqual(['hybridcloud.maibornwolff.de/finalizer']);
    expect(db.status?.adoption).toMatchObject({ from: 'python-operator' });
    const data = (await h.secret('legacy-app-credentials'))!;
    expect(data).toMatchObject({ username: 'legacy_app', password: 'app-password-q1', dbname: 'legacy_app', host: 'legacy-postgresql.default.svc.cluster.local', port: '5432', sslmode: 'disable' });
    const secret = await h.kube.core.readNamespacedSecret({ name: 'legacy-app-credentials', namespace: 'default' });
    expect(secret.metadata?.ownerReferences?.[0]?.uid).toBe(db.metadata.uid);
    // Owned by the admin as the Python operator left it; handed to the role, with an event saying so.
    const owner = await h.kubelet.query("SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = 'legacy_app'");
    expect(owner.rows[0].owner).toBe('legacy_app');
    expect((await h.events('legacy-app')).find((e) => e.reason === 'OwnerChanged')?.message).toMatch(/was owned by pyadmin/);
  });

  it('passes the adoption to the backend from the first observe on, and reports each difference once', async () => {
    const server = (await h.get<Cr>('PostgreSQLServer', 'legacy'))!;
    // Before the takeover was recorded, the first observe already had it (provisional, same generation).
    expect(observedAdoptions[0]).toMatchObject({ from: 'python-operator', generation: server.metadata.generation });
    expect(server.status?.adoption).toMatchObject({ differencesReported: [DIFFERENCE] });
    h.operator!['servers'].enqueue('default', 'legacy'); // what the periodic resync does
    await new Promise((r) => setTimeout(r, 300));
    await h.operator!.whenIdle();
    const events = (await h.kube.core.listNamespacedEvent({ namespace: 'default' })).items.filter((e) => e.involvedObject.name === 'legacy' && e.reason === 'AdoptionDifference');
    expect(events.map((e) => [e.message, e.count ?? 1])).toEqual([[expect.stringContaining(DIFFERENCE), 1]]);
  });

  it('makes no mutating call on the running server (StatefulSet, Service, volume claims)', async () => {
    await h.operator!.whenIdle();
    expect(mutatingCalls).toEqual({});
    const made = h.api.requestCountsFor(OPERATOR_CLIENT);
    // Backups (ADR 0020) are one of the settings kept until the spec changes: no CronJob, no claim yet.
    const mutating = Object.keys(made).filter((k) => /^(POST|PUT|PATCH|DELETE) (statefulsets|services|persistentvolumeclaims|cronjobs)/.test(k));
    expect(mutating).toEqual([]);
  });

  it("takes the tmp Secret's password, applies it to the existing role, then publishes it", async () => {
    await h.waitForReady('PostgreSQLDatabase', 'pending-app');
    const data = (await h.secret('pending-app-credentials'))!;
    expect(data.password).toBe('tmp-password-r1');
    await login(h.pg.port, 'pending_app', 'tmp-password-r1', 'pending_app');
  });

  it('refuses a Python Secret that does not log in, and a stranger Secret on a CR the Python operator never handled', async () => {
    const wrong = await h.waitForReady('PostgreSQLDatabase', 'wrong-app', 'False', 'SecretConflict');
    expect(wrong.message).toMatch(/does not log in as role wrong_app/);
    const stranger = await h.waitForReady('PostgreSQLDatabase', 'stranger-app', 'False', 'SecretConflict');
    expect(stranger.message).toMatch(/shows no sign of the Python operator/);
    for (const name of ['wrong-app-credentials', 'somebodys-secret']) {
      const s = await h.kube.core.readNamespacedSecret({ name, namespace: 'default' });
      expect(s.metadata?.ownerReferences ?? []).toEqual([]);
    }
    const blocked = await h.waitForReady('PostgreSQLServer', 'blocked', 'False', 'SecretConflict');
    expect(blocked.message).toMatch(/does not log in as pyadmin/);
    // Not taken over: kopf's finalizer stays (a rollback finds it), ours sits beside it.
    const cr = (await h.get<Cr>('PostgreSQLServer', 'blocked'))!;
    expect(cr.metadata.finalizers).toEqual(expect.arrayContaining(['kopf.zalando.org/KopfFinalizerMarker', 'hybridcloud.maibornwolff.de/finalizer']));
    expect(cr.status?.adoption).toBeUndefined();
  });

  it('adopts a Secret that cannot be proven only when the CR opts in with the annotation', async () => {
    const refused = await h.waitForReady('PostgreSQLServer', 'ghost', 'False', 'SecretConflict');
    expect(refused.message).toMatch(/cannot be proven by a login as the admin: the server does not exist; .* annotate this PostgreSQLServer with hybridcloud.maibornwolff.de\/adopt-unproven-secret=true/);
    expect((await h.kube.core.readNamespacedSecret({ name: 'ghost-postgres-credentials', namespace: 'default' })).metadata?.ownerReferences ?? []).toEqual([]);
    await h.patch('PostgreSQLServer', 'ghost', { metadata: { annotations: { 'hybridcloud.maibornwolff.de/adopt-unproven-secret': 'true' } } });
    await waitFor(async () => ((await h.kube.core.readNamespacedSecret({ name: 'ghost-postgres-credentials', namespace: 'default' })).metadata?.ownerReferences ?? []).length === 1, 20_000, () => 'ghost Secret adopted');
    const adopted = (await h.events('ghost')).find((e) => e.reason === 'SecretAdopted');
    expect(adopted).toMatchObject({ type: 'Warning' });
    expect(adopted?.message).toMatch(/without proof, as the annotation .* asks \(the server does not exist\)/);
    expect((await h.secret('ghost-postgres-credentials'))?.password).toBe('ghost-password');
  });

  it('reports a stored CR without spec.size.storageGB as InvalidSpec, with our finalizer on it', async () => {
    const ready = await h.waitForReady('PostgreSQLServer', 'sizeless', 'False', 'InvalidSpec');
    expect(ready.message).toMatch(/spec.size.storageGB: required/);
    expect((await h.get<Cr>('PostgreSQLServer', 'sizeless'))!.metadata.finalizers).toContain('hybridcloud.maibornwolff.de/finalizer');
    await h.delete('PostgreSQLServer', 'sizeless');
    await waitFor(async () => (await h.get('PostgreSQLServer', 'sizeless')) === undefined, 20_000, () => 'sizeless server released');
  });

  it('keeps a Python-made database whose server is blocked until it can be dropped (never released without SQL)', async () => {
    await h.delete('PostgreSQLDatabase', 'orphan-app');
    const ready = await h.waitForReady('PostgreSQLDatabase', 'orphan-app', 'False', 'DeletionBlocked');
    expect(ready.message).toMatch(/created by the Python operator and is dropped once PostgreSQLServer blocked is ready/);
    expect((await h.kubelet.query("SELECT 1 FROM pg_database WHERE datname = 'orphan_app'")).rowCount).toBe(1);
    // The server's Secret corrected: the server is taken over, and the database is dropped by name.
    await h.kube.core.patchNamespacedSecret({ name: 'blocked-postgres-credentials', namespace: 'default', body: { stringData: { password: ADMIN_PASSWORD } } }, mergePatchOptions());
    h.operator!['servers'].enqueue('default', 'blocked'); // what the periodic resync does
    await waitFor(async () => (await h.get('PostgreSQLDatabase', 'orphan-app')) === undefined, 30_000, () => 'orphan-app released');
    const left = await h.kubelet.query("SELECT (SELECT count(*) FROM pg_database WHERE datname = 'orphan_app') + (SELECT count(*) FROM pg_roles WHERE rolname = 'orphan_app') AS n");
    expect(Number(left.rows[0].n)).toBe(0);
  });

  it('deletes a CR deleted before this operator ever ran (only kopf finalizer): the database dropped by name', async () => {
    await waitFor(async () => (await h.get('PostgreSQLDatabase', 'early-app')) === undefined, 30_000, () => 'early-app released');
    const left = await h.kubelet.query("SELECT (SELECT count(*) FROM pg_database WHERE datname = 'early_app') + (SELECT count(*) FROM pg_roles WHERE rolname = 'early_app') AS n");
    expect(Number(left.rows[0].n)).toBe(0);
  });

  it('deletes a server the Python operator made (status without backend) that is deleted before the takeover: its StatefulSet goes, then the CR', async () => {
    await h.stopOperator();
    try {
      const stored = kopfCr('PostgreSQLServer', 'early', { size: { class: 'small', storageGB: 10 }, credentialsSecret: 'early-postgres-credentials' });
      delete (stored.status as { backend?: string }).backend;
      await createStored(h, stored);
      await runningServer(h, 'early');
      await h.delete('PostgreSQLServer', 'early');
    } finally {
      await h.startOperator();
    }
    await waitFor(async () => (await h.get('PostgreSQLServer', 'early')) === undefined, 30_000, () => 'early server gone');
    const sts = await h.kube.apps.readNamespacedStatefulSet({ name: 'early-postgresql', namespace: 'default' }).catch((err: unknown) => (isNotFound(err) ? undefined : Promise.reject(err)));
    expect(sts).toBeUndefined();
    expect((await h.events('early')).map((e) => e.reason)).toContain('Deleted');
  });

  it('resets the password of a taken-over database: password and PGPASSWORD both new, both log in', async () => {
    await h.waitForReady('PostgreSQLDatabase', 'legacy-app');
    const before = (await h.secret('legacy-app-credentials'))!;
    await h.patch('PostgreSQLDatabase', 'legacy-app', { metadata: { labels: { 'operator/action': 'reset-password' } } });
    await waitFor(async () => !(await h.get<Cr>('PostgreSQLDatabase', 'legacy-app'))?.metadata.labels?.['operator/action'], 20_000, () => 'reset label removed');
    const after = (await h.secret('legacy-app-credentials'))!;
    expect(after.password).not.toBe(before.password);
    expect(after.PGPASSWORD).toBe(after.password);
    expect(after.PGUSER).toBe(after.username);
    expect(after.uri).toContain(`:${encodeURIComponent(after.password!)}@`);
    await login(h.pg.port, after.PGUSER!, after.PGPASSWORD!, 'legacy_app');
    expect(after).toMatchObject({ host: before.host, sslmode: before.sslmode });
  });

  it('deletes an adopted database by the name the Python operator used; its Secret goes with it', async () => {
    await h.delete('PostgreSQLDatabase', 'legacy-app');
    await waitFor(async () => (await h.get('PostgreSQLDatabase', 'legacy-app')) === undefined, 20_000, () => 'legacy-app gone');
    const left = await h.kubelet.query("SELECT (SELECT count(*) FROM pg_database WHERE datname = 'legacy_app') + (SELECT count(*) FROM pg_roles WHERE rolname = 'legacy_app') AS n");
    expect(Number(left.rows[0].n)).toBe(0);
    await waitFor(async () => (await h.secret('legacy-app-credentials')) === undefined, 20_000, () => 'Secret collected with its owner');
  });

  it('migrate from the command line, after the takeover: taken over, the refused ones still blocking', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hcpo-migrate-'));
    try {
      writeFileSync(join(dir, 'kubeconfig'), h.api.kubeConfig(undefined, 'migrate').exportConfig());
      writeFileSync(join(dir, 'config.yaml'), stringify(testConfig(h.pg.port, CONFIG)));
      // Not spawnSync: the fake API server answers from this process.
      const run = await execFileAsync(process.execPath, ['dist/src/main.js', 'migrate', '--config', join(dir, 'config.yaml')], {
        env: { PATH: process.env.PATH ?? '', KUBECONFIG: join(dir, 'kubeconfig') },
        timeout: 60_000,
      }).then(
        (r) => ({ stdout: r.stdout, status: 0 }),
        (err: { stdout?: string; code?: number }) => ({ stdout: err.stdout ?? '', status: err.code }),
      );
      expect(run.stdout).toMatch(/PostgreSQLServer default\/legacy\n( {2}.*\n)* {2}=> already taken over/);
      expect(run.stdout).toMatch(/PostgreSQLDatabase default\/wrong-app\n( {2}.*\n)* {2}BLOCKED: Secret wrong-app-credentials does not log in/);
      expect(run.status).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rolls back as the README says: our finalizer removed, the Python keys and values as they were', async () => {
    await h.stopOperator();
    const cr = (await h.get<Cr>('PostgreSQLServer', 'legacy'))!;
    // README "Rolling back": remove this operator's finalizer; the Python operator's kopf adds its own again.
    const finalizers = (cr.metadata.finalizers ?? []).filter((f) => f !== 'hybridcloud.maibornwolff.de/finalizer');
    await h.patch('PostgreSQLServer', 'legacy', { metadata: { finalizers: [...finalizers, 'kopf.zalando.org/KopfFinalizerMarker'] } });
    // What the Python operator reads: determine_resource_password takes `password` from the credentials Secret.
    expect(await h.secret('legacy-postgres-credentials')).toMatchObject({ username: ADMIN, password: ADMIN_PASSWORD, dbname: 'postgres', host: 'legacy-postgresql.default.svc.cluster.local', port: '5432', sslmode: 'disable' });
    await login(h.pg.port, ADMIN, ADMIN_PASSWORD, 'postgres');
    // Its delete handler then runs and removes kopf's finalizer: nothing of ours holds the CR.
    await h.delete('PostgreSQLServer', 'legacy');
    await h.patch('PostgreSQLServer', 'legacy', { metadata: { finalizers: null } });
    await waitFor(async () => (await h.get('PostgreSQLServer', 'legacy')) === undefined, 10_000, () => 'server gone without this operator');
  });
});
