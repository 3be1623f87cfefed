import { expect, it } from '@jest/globals';
import { SIMPLE } from './support/manifests.js';
import { describeE2E, e2eBackends } from './support/settings.js';
import { simpleExampleReady, useScenario } from './support/use-scenario.js';

/**
 * TLS of an in-cluster server (the operator's defaults), on each in-cluster backend: client pods
 * log in with the Secret's sslmode verify-full and ca.crt, and a client without TLS is refused by
 * pg_hba.
 */
for (const backend of e2eBackends()) {
  describeE2E(`e2e: TLS from the operator CA (${backend})`, () => {
    const s = useScenario({ server: SIMPLE.server, backend }, simpleExampleReady);

    it('publishes verify-full with the CA; a client pod logs in verifying the server, over TLS', async () => {
      expect((await s.get('PostgreSQLServer', SIMPLE.server))?.status?.backend).toBe(backend);
      for (const name of [SIMPLE.serverSecret, SIMPLE.databaseSecret]) {
        const data = await s.secret(name);
        expect(data).toMatchObject({ sslmode: 'verify-full' });
        expect(data?.['ca.crt']).toContain('BEGIN CERTIFICATE');
      }
      const login = await s.login(SIMPLE.databaseSecret, 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
      expect(login).toMatchObject({ phase: 'Succeeded' });
      expect(login.logs).toContain('login:demoservice@demoservice');
      expect(login.logs.split('\n')[0]?.trim()).toBe('t');
    });

    it('refuses a client without TLS', async () => {
      const plain = await s.psql(SIMPLE.databaseSecret, "PGSSLMODE=disable psql -X -tA -c 'SELECT 1'", 'plain');
      expect(plain.phase).toBe('Failed');
      expect(plain.logs).toMatch(/no encryption|pg_hba\.conf/);
    });
  });
}
