import { describe, expect, it } from '@jest/globals';
import { parseAdminSecret } from './admin-secret.js';

const base = { host: 'pg.example.com', port: '6432', username: 'admin', password: 'secret-pw' };

describe('parseAdminSecret', () => {
  it('reads the libpq-style keys with safe defaults (verify-full, database postgres, port 5432)', () => {
    expect(parseAdminSecret(base, { confidential: false })).toEqual({
      connection: { host: 'pg.example.com', port: 6432, user: 'admin', password: 'secret-pw', database: 'postgres', sslmode: 'verify-full', caCert: undefined, confidential: false },
    });
    const { port: _port, ...noPort } = base;
    expect(parseAdminSecret({ ...noPort, dbname: 'defaultdb', sslmode: 'require' }, { confidential: false })).toMatchObject({ connection: { port: 5432, database: 'defaultdb', sslmode: 'require' } });
  });

  it('lets a config-declared server fix host, port and sslmode', () => {
    const parsed = parseAdminSecret({ ...base, host: 'elsewhere' }, { fixed: { host: 'central', port: 5433, sslmode: 'verify-ca' }, confidential: true });
    expect(parsed).toMatchObject({ connection: { host: 'central', port: 5433, sslmode: 'verify-ca', confidential: true } });
  });

  it.each([
    [{ ...base, host: 'bad host; drop' }, /key host/],
    [{ ...base, port: '99999' }, /key port must be a TCP port/],
    [{ ...base, sslmode: 'allow-anything' }, /key sslmode must be one of/],
    [{ ...base, 'ca.crt': 'not a pem' }, /key ca.crt must hold PEM/],
    [{ ...base, password: '' }, /keys username and password are required/],
  ])('refuses %j', (data, problem) => {
    const parsed = parseAdminSecret(data, { confidential: false });
    expect('problem' in parsed && parsed.problem).toMatch(problem);
  });
});
