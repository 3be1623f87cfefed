import { describe, expect, it } from '@jest/globals';
import type { E2eScenario } from './support/scenario.js';
import { SIMPLE } from './support/manifests.js';
import { describeE2E } from './support/settings.js';
import { simpleExampleReady, useScenario } from './support/use-scenario.js';

const GROUP = 'cert-manager.io';
const VERSION = 'v1';
const ISSUER = 'hcpo-e2e-ca';
const ROOT_SECRET = 'hcpo-e2e-root-ca';

/** Needs cert-manager in the cluster: runs only when the tester says so (E2E_CERT_MANAGER=1). */
const describeWithCertManager = process.env.E2E_CERT_MANAGER === '1' ? describeE2E : describe.skip;

/**
 * TLS from a cert-manager issuer (tls.issuer, ADR 0022): the scenario's namespace gets cert-manager's
 * usual CA bootstrap (a selfSigned Issuer, a CA Certificate, a `ca` Issuer of it); the operator,
 * configured with that Issuer, makes a Certificate per server, and client pods log in verifying
 * the server with the ca.crt cert-manager wrote.
 */
/** cert-manager's usual CA bootstrap in the scenario's namespace, then the operator and the Quickstart. */
async function issuerThenQuickstart(s: E2eScenario): Promise<void> {
  const create = (plural: string, body: Record<string, unknown>) =>
    s.kube.custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: s.namespace, plural, body: { apiVersion: `${GROUP}/${VERSION}`, ...body } });
  await create('issuers', { kind: 'Issuer', metadata: { name: 'hcpo-e2e-selfsigned' }, spec: { selfSigned: {} } });
  await create('certificates', {
    kind: 'Certificate',
    metadata: { name: ROOT_SECRET },
    spec: { isCA: true, commonName: 'hcpo e2e CA', secretName: ROOT_SECRET, privateKey: { algorithm: 'RSA', size: 2048 }, issuerRef: { name: 'hcpo-e2e-selfsigned', kind: 'Issuer', group: GROUP } },
  });
  await create('issuers', { kind: 'Issuer', metadata: { name: ISSUER }, spec: { ca: { secretName: ROOT_SECRET } } });
  s.operator.start();
  await simpleExampleReady(s);
}

describeWithCertManager('e2e: TLS from a cert-manager Issuer', () => {
  const s = useScenario({ server: SIMPLE.server, startOperator: false, config: { tls: { enabled: true, issuer: { name: ISSUER, kind: 'Issuer' } } } }, issuerThenQuickstart);

  it("makes a Ready Certificate owned by the server; the Secrets publish verify-full with the issuer's CA", async () => {
    const server = await s.get('PostgreSQLServer', SIMPLE.server);
    const cert = (await s.kube.custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: s.namespace, plural: 'certificates', name: `${SIMPLE.server}-postgresql-tls` })) as {
      metadata: { ownerReferences?: Array<{ uid: string }> };
      spec: { issuerRef: { name: string } };
      status?: { conditions?: Array<{ type: string; status: string }> };
    };
    expect(cert.metadata.ownerReferences?.map((o) => o.uid)).toEqual([server?.metadata.uid]);
    expect(cert.spec.issuerRef.name).toBe(ISSUER);
    expect(cert.status?.conditions).toContainEqual(expect.objectContaining({ type: 'Ready', status: 'True' }));
    const root = (await s.secret(ROOT_SECRET))!;
    for (const name of [SIMPLE.serverSecret, SIMPLE.databaseSecret]) {
      expect(await s.secret(name)).toMatchObject({ sslmode: 'verify-full', 'ca.crt': root['ca.crt'] });
    }
  });

  it('a client pod logs in verifying the server over TLS; a client without TLS is refused', async () => {
    const login = await s.login(SIMPLE.databaseSecret, 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    expect(login).toMatchObject({ phase: 'Succeeded' });
    expect(login.logs.split('\n')[0]?.trim()).toBe('t');
    const plain = await s.psql(SIMPLE.databaseSecret, "PGSSLMODE=disable psql -X -tA -c 'SELECT 1'", 'plain');
    expect(plain.phase).toBe('Failed');
  });
});
