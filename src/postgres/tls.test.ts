import { describe, it, expect } from '@jest/globals';
import { sslOptions } from './tls.js';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('sslOptions', () => {
  it('uses plain TCP for disable and prefer', () => {
    expect(sslOptions('disable')).toBe(false);
    expect(sslOptions('prefer', CA)).toBe(false);
  });

  it('encrypts without checking the certificate for require', () => {
    expect(sslOptions('require', CA)).toEqual({ rejectUnauthorized: false });
  });

  it('checks the chain but not the host name for verify-ca', () => {
    const opts = sslOptions('verify-ca', CA);
    expect(opts).toMatchObject({ rejectUnauthorized: true, ca: CA });
    expect(opts && opts.checkServerIdentity?.('other.example', {} as never)).toBeUndefined();
  });

  it('checks chain and host name for verify-full', () => {
    const opts = sslOptions('verify-full', CA);
    expect(opts).toEqual({ rejectUnauthorized: true, ca: CA });
  });

  it('falls back to the system CAs when no CA is given', () => {
    expect(sslOptions('verify-full')).toEqual({ rejectUnauthorized: true });
  });

  it('checks the given server name rather than the host connected to (a port-forward)', () => {
    const opts = sslOptions('verify-full', CA, 'pg.team.svc');
    expect(opts).toMatchObject({ rejectUnauthorized: true, ca: CA, servername: 'pg.team.svc' });
    const cert = { subject: { CN: 'pg.team.svc' }, subjectaltname: 'DNS:pg.team.svc' } as never;
    expect(opts && opts.checkServerIdentity?.('127.0.0.1', cert)).toBeUndefined();
    expect(opts && opts.checkServerIdentity?.('127.0.0.1', { subject: { CN: 'x' }, subjectaltname: 'DNS:other.svc' } as never)).toMatchObject({ message: expect.stringContaining('pg.team.svc') });
  });
});
