import { describe, it, expect } from '@jest/globals';
import { X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { AZURE_CA_BUNDLE } from './ca-bundle.js';

// Published SHA-256 fingerprints of the roots Microsoft lists for Flexible Server.
const EXPECTED: Record<string, string> = {
  'DigiCert Global Root G2': 'CB:3C:CB:B7:60:31:E5:E0:13:8F:8D:D3:9A:23:F9:DE:47:FF:C3:5E:43:C1:14:4C:EA:27:D4:6A:5A:B1:CB:5F',
  'Microsoft RSA Root Certificate Authority 2017': 'C7:41:F7:0F:4B:2A:8D:88:BF:2E:71:C1:41:22:EF:53:EF:10:EB:A0:CF:A5:E6:4C:FA:20:F4:18:85:30:73:E0',
  'DigiCert Global Root CA': '43:48:A0:E9:44:4C:78:CB:26:5E:05:8D:5E:89:44:B4:D8:4F:96:62:BD:26:DB:25:7F:89:34:A4:43:C7:01:61',
};

describe('AZURE_CA_BUNDLE', () => {
  const pems = AZURE_CA_BUNDLE.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];

  it('holds exactly the three documented root CAs', () => {
    const found = Object.fromEntries(pems.map((pem) => {
      const cert = new X509Certificate(pem);
      const cn = /CN=([^\n]+)/.exec(cert.subject)?.[1] ?? '';
      return [cn, cert.fingerprint256];
    }));
    expect(found).toEqual(EXPECTED);
    for (const pem of pems) expect(new X509Certificate(pem).ca).toBe(true);
  });

  it('loads as a TLS trust store', () => {
    expect(() => createSecureContext({ ca: AZURE_CA_BUNDLE })).not.toThrow();
  });
});
