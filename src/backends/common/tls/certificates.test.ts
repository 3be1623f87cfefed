import { createPrivateKey, X509Certificate } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { certificateFacts, createCa, issueServerCertificate } from './certificates.js';

describe('certificates', () => {
  const ca = createCa('test CA');
  const names = ['pg-postgresql', 'pg-postgresql.team', 'pg-postgresql.team.svc', 'pg-postgresql.team.svc.cluster.local'];

  it('makes a CA that may sign certificates and nothing else', () => {
    const cert = new X509Certificate(ca.certPem);
    expect(cert.ca).toBe(true);
    expect(cert.checkIssued(cert)).toBe(true);
    expect(new Date(cert.validTo).getTime()).toBeGreaterThan(Date.now() + 9 * 365 * 86_400_000);
  });

  it('issues a server certificate for the Service names, signed by the CA', () => {
    const leaf = issueServerCertificate(ca, names, 30);
    const facts = certificateFacts(leaf.certPem, ca.certPem);
    expect(facts?.dnsNames).toEqual(names);
    expect(facts?.issuedByCa).toBe(true);
    expect(facts!.notAfter.getTime()).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    const cert = new X509Certificate(leaf.certPem);
    expect(cert.ca).toBe(false);
    expect(cert.checkHost('pg-postgresql.team.svc')).toBe('pg-postgresql.team.svc');
    expect(cert.checkPrivateKey(createPrivateKey(leaf.keyPem))).toBe(true);
  });

  it('tells a certificate of another CA and a PEM that is none', () => {
    const other = createCa('other');
    expect(certificateFacts(issueServerCertificate(other, names, 1).certPem, ca.certPem)?.issuedByCa).toBe(false);
    expect(certificateFacts('not a certificate', ca.certPem)).toBeUndefined();
  });
});
