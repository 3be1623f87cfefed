import { describe, expect, it } from '@jest/globals';
import { X509Certificate } from 'node:crypto';
import { RDS_GLOBAL_CA_BUNDLE } from './rds-ca-bundle.js';

describe('RDS global CA bundle', () => {
  const pems = RDS_GLOBAL_CA_BUNDLE.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];

  it('holds the self-signed RDS root CAs of every region, none expiring within five years', () => {
    expect(pems.length).toBeGreaterThanOrEqual(90);
    const horizon = Date.now() + 5 * 365 * 24 * 3600 * 1000;
    for (const pem of pems) {
      const cert = new X509Certificate(pem);
      expect(cert.subject).toContain('OU=Amazon RDS');
      expect(cert.verify(cert.publicKey)).toBe(true);
      expect(new Date(cert.validTo).getTime()).toBeGreaterThan(horizon);
    }
  });

  it('covers the regions operators use most', () => {
    const subjects = pems.map((p) => new X509Certificate(p).subject).join('\n');
    for (const region of ['eu-central-1', 'eu-west-1', 'us-east-1', 'us-west-2', 'ap-southeast-1']) {
      expect(subjects).toContain(`Amazon RDS ${region} Root CA RSA2048 G1`);
    }
  });
});
