/**
 * Nothing half-made survives a delete (issue 25): a PostgreSQLDatabase the server refuses is
 * refused before anything is created where the server can tell in advance (a collation it does not
 * have, an extension it lacks), and what a failed reconcile did create (its login role, made before
 * CREATE DATABASE failed) is dropped when the CR is deleted. Real operator, real PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { Harness, waitFor } from '../support/operator-harness.js';

const SERVER = 'leftovers';
const STEP_MS = 60_000;

describe('a refused database leaves nothing behind', () => {
  let h: Harness;
  let admin: pg.Client;

  const roles = async (name: string) => (await admin.query<{ rolname: string }>('SELECT rolname FROM pg_roles WHERE rolname = $1', [name])).rows.map((r) => r.rolname);
  const databases = async (name: string) => (await admin.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname = $1', [name])).rows.map((r) => r.datname);

  function database(name: string, database: Record<string, unknown>): Record<string, unknown> {
    return {
      apiVersion: 'hybridcloud.maibornwolff.de/v1alpha1',
      kind: 'PostgreSQLDatabase',
      metadata: { name, namespace: 'default' },
      spec: { serverRef: { name: SERVER }, credentialsSecret: `${name}-credentials`, database },
    };
  }

  async function deleteAndWaitGone(name: string): Promise<void> {
    await h.delete('PostgreSQLDatabase', name);
    await waitFor(async () => (await h.get('PostgreSQLDatabase', name)) === undefined, STEP_MS, () => `PostgreSQLDatabase ${name} gone`);
  }

  beforeAll(async () => {
    h = await Harness.start();
    await h.create({
      apiVersion: 'hybridcloud.maibornwolff.de/v1alpha1',
      kind: 'PostgreSQLServer',
      metadata: { name: SERVER, namespace: 'default' },
      spec: { version: 16, size: { class: 'small', storageGB: 10 }, credentialsSecret: `${SERVER}-credentials` },
    });
    await h.waitForReady('PostgreSQLServer', SERVER, 'True', 'Available', STEP_MS);
    const creds = await h.secret(`${SERVER}-credentials`);
    admin = new pg.Client({ host: h.pg.host, port: h.pg.port, user: creds!.username, password: creds!.password, database: 'postgres' });
    await admin.connect();
  }, STEP_MS);

  afterAll(async () => {
    await admin?.end();
    await h?.stop();
  });

  it('refuses a collation the server lacks before creating the role; deleting it leaves nothing', async () => {
    await h.create(database('nocollation', { collation: 'xx_XX.utf8' }));
    const refused = await h.waitForReady('PostgreSQLDatabase', 'nocollation', 'False', 'InvalidSpec', STEP_MS);
    expect(refused.message).toBe('cannot create the database: the server has no collation "xx_XX.utf8"');
    expect(await roles('nocollation')).toEqual([]);
    await deleteAndWaitGone('nocollation');
    expect(await roles('nocollation')).toEqual([]);
    expect(await databases('nocollation')).toEqual([]);
  }, STEP_MS * 2);

  it('refuses an extension the server does not have before creating anything', async () => {
    await h.patch('PostgreSQLServer', SERVER, { spec: { extensions: ['no_such_extension'] } });
    await h.create(database('noextension', { extensions: ['no_such_extension'] }));
    // The statefulset backend allows the extensions of its config; this one is not even allowed.
    const refused = await h.waitForReady('PostgreSQLDatabase', 'noextension', 'False', undefined, STEP_MS);
    expect(refused.reason).toMatch(/ExtensionNotAllowed/);
    expect(await roles('noextension')).toEqual([]);
    await deleteAndWaitGone('noextension');
  }, STEP_MS * 2);

  it('drops the role a failed CREATE DATABASE left behind (claimed for the CR) when the CR is deleted', async () => {
    // LATIN1 is an encoding and C.utf8 a locale the server has, but not together: only CREATE
    // DATABASE can tell, after the role was made.
    await h.create(database('mismatch', { charset: 'LATIN1', collation: 'C.utf8' }));
    const refused = await h.waitForReady('PostgreSQLDatabase', 'mismatch', 'False', 'InvalidSpec', STEP_MS);
    expect(refused.message).toMatch(/does not match locale/);
    expect(await roles('mismatch')).toEqual(['mismatch']);
    await deleteAndWaitGone('mismatch');
    expect(await roles('mismatch')).toEqual([]);
    expect(await databases('mismatch')).toEqual([]);
    expect((await h.events('mismatch')).map((e) => e.reason)).toContain('Deleted');
  }, STEP_MS * 2);

  it('drops the leftover role of a database from another namespace under its cross-namespace name', async () => {
    await h.kube.core.createNamespace({ body: { metadata: { name: 'team-x' } } });
    await h.patch('PostgreSQLServer', SERVER, { spec: { sharing: { namespaces: ['team-x'] } } });
    const other = database('mismatch', { charset: 'LATIN1', collation: 'C.utf8' }) as { metadata: Record<string, unknown>; spec: Record<string, unknown> };
    other.metadata.namespace = 'team-x';
    other.spec.serverRef = { name: SERVER, namespace: 'default' };
    await h.create(other);
    await waitFor(async () => (await roles('team_x__mismatch')).length === 1, STEP_MS, () => 'role team_x__mismatch made');
    await h.delete('PostgreSQLDatabase', 'mismatch', 'team-x');
    await waitFor(async () => (await h.get('PostgreSQLDatabase', 'mismatch', 'team-x')) === undefined, STEP_MS, () => 'team-x/mismatch gone');
    expect(await roles('team_x__mismatch')).toEqual([]);
  }, STEP_MS * 2);

  it('never drops a role of the same name it did not make', async () => {
    await admin.query("CREATE ROLE someoneelse LOGIN PASSWORD 'not-the-operators'");
    await h.create(database('someoneelse', { charset: 'LATIN1', collation: 'C.utf8' }));
    await h.waitForReady('PostgreSQLDatabase', 'someoneelse', 'False', 'InvalidSpec', STEP_MS);
    await deleteAndWaitGone('someoneelse');
    expect(await roles('someoneelse')).toEqual(['someoneelse']);
  }, STEP_MS * 2);
});
