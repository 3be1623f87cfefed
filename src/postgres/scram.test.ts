import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { Client, escapeIdentifier, escapeLiteral } from 'pg';
import { startPostgres, type TestPostgres } from '../../test/support/postgres-server.js';
import { scramVerifier } from './scram.js';

let server: TestPostgres;
let admin: Client;

beforeAll(async () => {
  server = await startPostgres();
  admin = new Client({ host: server.host, port: server.port, user: server.user, password: server.password, database: 'postgres' });
  await admin.connect();
}, 120_000);

afterAll(async () => {
  await admin?.end();
  await server?.stop();
});

async function login(user: string, password: string): Promise<void> {
  const c = new Client({ host: server.host, port: server.port, user, password, database: 'postgres' });
  await c.connect();
  await c.end();
}

describe('scramVerifier', () => {
  it('has PostgreSQL’s format and a fresh salt each time', async () => {
    const v = await scramVerifier('secret');
    expect(v).toMatch(/^SCRAM-SHA-256\$4096:[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$/);
    expect(await scramVerifier('secret')).not.toBe(v);
  });

  it('computes exactly what PostgreSQL itself stores for the same salt', async () => {
    const password = 'Correct-Horse-Battery-Staple-42';
    await admin.query(`CREATE ROLE server_hashed LOGIN PASSWORD ${escapeLiteral(password)}`);
    const { rows } = await admin.query<{ v: string }>(`SELECT rolpassword AS v FROM pg_authid WHERE rolname = 'server_hashed'`);
    const stored = rows[0]!.v;
    const [, iterations, salt] = /^SCRAM-SHA-256\$(\d+):([^$]+)\$/.exec(stored)!;
    expect(await scramVerifier(password, { iterations: Number(iterations), salt: Buffer.from(salt!, 'base64') })).toBe(stored);
    expect(await scramVerifier('another', { iterations: Number(iterations), salt: Buffer.from(salt!, 'base64') })).not.toBe(stored);
  });

  it('lets a role log in with the password, and not with a wrong one', async () => {
    const password = 'Xy7pQ2mN9rT4vW8z';
    await admin.query(`CREATE ROLE scram_login LOGIN PASSWORD ${escapeLiteral(await scramVerifier(password))}`);
    await expect(login('scram_login', password)).resolves.toBeUndefined();
    await expect(login('scram_login', 'Xy7pQ2mN9rT4vW8Z')).rejects.toMatchObject({ code: '28P01' });
  });

  it('works with other iteration counts and with printable ASCII punctuation', async () => {
    const password = `p@ss w0rd!"'$\\;--`;
    await admin.query(`CREATE ROLE ${escapeIdentifier('scram_iter')} LOGIN PASSWORD ${escapeLiteral(await scramVerifier(password, { iterations: 10_000 }))}`);
    await expect(login('scram_iter', password)).resolves.toBeUndefined();
  });

  it('refuses passwords clients would not hash alike', async () => {
    await expect(scramVerifier('')).rejects.toThrow(/empty/);
    await expect(scramVerifier('pässwort')).rejects.toThrow(/non-ASCII/);
    await expect(scramVerifier('a\u0000b')).rejects.toThrow(/NUL/);
    await expect(scramVerifier('x', { iterations: 0 })).rejects.toThrow(/iterations/);
  });
});
