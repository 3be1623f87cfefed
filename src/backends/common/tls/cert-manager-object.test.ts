import { describe, expect, it } from '@jest/globals';
import { desiredCertificate, readyState, specDifferences, type CertificateObject } from './cert-manager-object.js';

const wish = {
  namespace: 'team',
  secretName: 'pg-postgresql-tls',
  dnsNames: ['pg-postgresql', 'pg-postgresql.team'],
  owner: { apiVersion: 'hybridcloud.maibornwolff.de/v1alpha1', kind: 'PostgreSQLServer', name: 'pg', uid: 'u1' },
  labels: { 'hybridcloud.maibornwolff.de/server': 'pg' },
  validDays: 365,
  renewBeforeDays: 30,
};
const issuer = { name: 'platform-ca', kind: 'ClusterIssuer', group: 'cert-manager.io' };
const at = (iso: string) => new Date(iso);

describe('the Certificate of a server', () => {
  it('asks for the Service names, the lifetime in hours and a fresh key, owned by the server', () => {
    const cert = desiredCertificate(wish, issuer);
    expect(cert.metadata.ownerReferences).toEqual([wish.owner]);
    expect(cert.spec).toMatchObject({ secretName: 'pg-postgresql-tls', commonName: 'pg-postgresql', duration: '8760h', renewBefore: '720h', issuerRef: issuer, privateKey: { rotationPolicy: 'Always' } });
  });

  it('tells which fields of a stored spec differ, whatever the order of keys', () => {
    const stored = JSON.parse(JSON.stringify(desiredCertificate(wish, issuer).spec));
    stored.issuerRef = { group: 'cert-manager.io', kind: 'ClusterIssuer', name: 'platform-ca' };
    expect(specDifferences(stored, wish, issuer)).toEqual([]);
    expect(specDifferences(stored, { ...wish, validDays: 90 }, issuer)).toEqual(['duration']);
    expect(specDifferences(stored, wish, { ...issuer, name: 'other' })).toEqual(['issuerRef']);
  });

  it("reads cert-manager's status: Ready only for the current generation; why not, and since when", () => {
    const base: CertificateObject = { metadata: { name: 'c', generation: 2, creationTimestamp: '2026-01-01T00:00:00Z' }, spec: desiredCertificate(wish, issuer).spec };
    expect(readyState({ ...base, status: { conditions: [{ type: 'Ready', status: 'True', observedGeneration: 2 }] } }, at('2026-01-02T00:00:00Z')).ready).toBe(true);
    const older = readyState({ ...base, status: { conditions: [{ type: 'Ready', status: 'True', observedGeneration: 1, lastTransitionTime: '2026-01-01T00:01:00Z' }] } }, at('2026-01-02T00:00:00Z'));
    expect(older).toEqual({ ready: false, why: 'Ready=True (for an older spec)', since: at('2026-01-02T00:00:00Z') });
    const failing = readyState({
      ...base,
      status: {
        conditions: [
          { type: 'Ready', status: 'False', reason: 'DoesNotExist', message: 'Issuing certificate as Secret does not exist', observedGeneration: 2, lastTransitionTime: '2026-01-01T00:05:00Z' },
          { type: 'Issuing', status: 'False', reason: 'Failed', message: 'The certificate request has failed to complete and will be retried' },
        ],
      },
    }, at('2026-01-02T00:00:00Z'));
    expect(failing).toEqual({
      ready: false,
      why: 'Ready=False DoesNotExist: Issuing certificate as Secret does not exist; Issuing failed: The certificate request has failed to complete and will be retried',
      since: at('2026-01-01T00:05:00Z'),
    });
    expect(readyState(base, at('2026-01-02T00:00:00Z'))).toEqual({ ready: false, why: 'no Ready condition yet', since: at('2026-01-01T00:00:00Z') });
  });
});
