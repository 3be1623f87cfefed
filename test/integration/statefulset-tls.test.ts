import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type pg from 'pg';
import { mergePatchOptions } from '../../src/k8s/patch.js';
import { tryLogin } from '../../src/postgres/login.js';
import { issueServerCertificate } from '../../src/backends/common/tls/certificates.js';
import { OperatorCa } from '../../src/backends/common/tls/operator-ca.js';
import { serviceDnsNames } from '../../src/backends/common/tls/server-certificate.js';
import { configFrom, Harness, testConfig, waitFor } from '../support/operator-harness.js';
import { makeTestCa } from '../support/test-ca.js';
import { loginWithSecret, peerCertificateSerial } from '../support/tls-login.js';

const SERVER = `apiVersion: hybridcloud.maibornwolff.de/v1alpha1
kind: PostgreSQLServer
metadata: { name: tlsteam }
spec: { size: { storageGB: 1 }, credentialsSecret: tlsteam-admin }
---
apiVersion: hybridcloud.maibornwolff.de/v1alpha1
kind: PostgreSQLDatabase
metadata: { name: tlsapp }
spec: { serverRef: { name: tlsteam }, credentialsSecret: tlsapp-creds }`;

const CA_SECRET = 'hybrid-cloud-postgresql-operator-ca';

describe('statefulset TLS: the operator CA, verify-full logins, pg_hba, renewal by reload', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await Harness.start({ config: { tls: { enabled: true } } });
    await h.apply(SERVER);
    await h.waitForReady('PostgreSQLDatabase', 'tlsapp');
  }, 60_000);

  afterAll(async () => {
    await h?.stop();
  });

  it('publishes verify-full with the CA; a login verifying the Service name works, for the admin and the app', async () => {
    const admin = await h.secret('tlsteam-admin');
    const app = await h.secret('tlsapp-creds');
    const ca = await h.secret(CA_SECRET);
    expect(admin).toMatchObject({ sslmode: 'verify-full', host: 'tlsteam-postgresql.default.svc', 'ca.crt': ca?.['tls.crt'] });
    expect(app).toMatchObject({ sslmode: 'verify-full', 'ca.crt': ca?.['tls.crt'] });
    for (const data of [admin!, app!]) {
      const client = await loginWithSecret(data, h.pg.port);
      expect((await client.query('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()')).rows[0].ssl).toBe(true);
      await client.end();
    }
    // The operator's own login proof (takeover) reaches the server by address and verifies the Service name.
    const conn = { host: '127.0.0.1', port: h.pg.port, user: admin!.username!, password: admin!.password!, database: 'postgres', sslmode: 'verify-full' as const, caCert: ca!['tls.crt'] };
    expect(await tryLogin({ ...conn, tlsServerName: admin!.host })).toEqual({ result: 'ok' });
    // The certificate is the server's own, for its Service names, kept in a Secret of its own.
    const tls = await h.kube.core.readNamespacedSecret({ name: 'tlsteam-postgresql-tls', namespace: 'default' });
    expect(tls.type).toBe('kubernetes.io/tls');
    expect(tls.metadata?.ownerReferences?.[0]?.name).toBe('tlsteam');
  });

  it('refuses plain TCP (require_tls), a client trusting another CA, and a name the certificate does not carry', async () => {
    const app = (await h.secret('tlsapp-creds'))!;
    await expect(loginWithSecret(app, h.pg.port, { sslmode: 'disable' })).rejects.toThrow(/no encryption/);
    const other = await makeTestCa([]);
    await expect(loginWithSecret(app, h.pg.port, { ca: other.caPem })).rejects.toThrow(/self.signed|unable to verify|certificate/i);
    await expect(loginWithSecret({ ...app, host: 'elsewhere.default.svc' }, h.pg.port)).rejects.toThrow(/altnames|Hostname/i);
  });

  it('lets a role with an md5 password hash log in over TLS (PostgreSQL 13 images hash the admin password with md5)', async () => {
    const admin = (await h.secret('tlsteam-admin'))!;
    const client = await loginWithSecret(admin, h.pg.port);
    await client.query("SET password_encryption = 'md5'");
    await client.query("CREATE ROLE legacy_md5 LOGIN PASSWORD 'legacy-password-1'");
    await client.end();
    const legacy = await loginWithSecret({ ...admin, username: 'legacy_md5', password: 'legacy-password-1', dbname: 'postgres' }, h.pg.port);
    expect((await legacy.query('SELECT current_user')).rows[0].current_user).toBe('legacy_md5');
    await legacy.end();
  });

  it('mounts the certificate into the pod with a key mode PostgreSQL accepts, and pg_hba from a ConfigMap', async () => {
    const sts = await h.kube.apps.readNamespacedStatefulSet({ name: 'tlsteam-postgresql', namespace: 'default' });
    const pod = sts.spec!.template.spec!;
    expect(pod.volumes?.find((v) => v.name === 'tls')?.secret).toEqual({ secretName: 'tlsteam-postgresql-tls', defaultMode: 0o640 });
    expect(pod.securityContext?.fsGroup).toBe(999);
    expect(pod.containers[0]?.args).toEqual(expect.arrayContaining(['ssl=on', 'hba_file=/etc/postgresql/hba/pg_hba.conf']));
    const hba = await h.kube.core.readNamespacedConfigMap({ name: 'tlsteam-postgresql-hba', namespace: 'default' });
    expect(hba.data?.['pg_hba.conf']).toContain('hostssl all all all md5\nhost all all all reject');
  });

  it('renews a certificate close to expiry and reloads PostgreSQL: open connections stay, new ones get the new certificate', async () => {
    const app = (await h.secret('tlsapp-creds'))!;
    const open = await loginWithSecret(app, h.pg.port);
    const before = peerCertificateSerial(open);
    // A certificate that expires tomorrow, as if a year had passed.
    const ca = (await h.secret(CA_SECRET))!;
    const soon = issueServerCertificate({ certPem: ca['tls.crt']!, keyPem: ca['tls.key']! }, serviceDnsNames('tlsteam-postgresql', 'default'), 1);
    await h.kube.core.patchNamespacedSecret(
      { name: 'tlsteam-postgresql-tls', namespace: 'default', body: { stringData: { 'tls.crt': soon.certPem, 'tls.key': soon.keyPem } } },
      mergePatchOptions(),
    );
    h.operator!['servers'].enqueue('default', 'tlsteam');
    let after = before;
    await waitFor(async () => {
      const fresh = await loginWithSecret(app, h.pg.port).catch(() => undefined);
      if (!fresh) return false;
      after = peerCertificateSerial(fresh);
      await fresh.end();
      return after !== before && after !== new X509Certificate(soon.certPem).serialNumber;
    }, 30_000, () => 'a new certificate served');
    expect((await open.query('SELECT 1 AS one')).rows[0].one).toBe(1);
    await open.end();
    const server = await h.get<{ status: { backendState: { tls: { serial: string } } } }>('PostgreSQLServer', 'tlsteam');
    expect(server?.status.backendState.tls.serial).toBe(after);
  });

  it("never takes over a pg_hba ConfigMap that is not the server's: a clear condition instead", async () => {
    await h.kube.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'squat-postgresql-hba' }, data: { 'pg_hba.conf': 'foreign' } } });
    await h.apply(`apiVersion: hybridcloud.maibornwolff.de/v1alpha1
kind: PostgreSQLServer
metadata: { name: squat }
spec: { size: { storageGB: 1 }, credentialsSecret: squat-admin }`);
    const ready = await h.waitForReady('PostgreSQLServer', 'squat', 'False', 'InvalidName');
    expect(ready.message).toMatch(/ConfigMap squat-postgresql-hba exists and does not belong to this server/);
    const cm = await h.kube.core.readNamespacedConfigMap({ name: 'squat-postgresql-hba', namespace: 'default' });
    expect(cm.data).toEqual({ 'pg_hba.conf': 'foreign' });
  });

  it('makes the CA once, however many operators race to make it', async () => {
    const racers = [0, 1, 2, 3].map(() => new OperatorCa(h.kube, 'default', 'race-ca'));
    const got = await Promise.all(racers.map((r) => r.get()));
    expect(new Set(got.map((c) => c.certPem)).size).toBe(1);
    const stored = await h.secret('race-ca');
    expect(stored?.['tls.crt']).toBe(got[0]?.certPem);
  });
});

describe('statefulset TLS for servers that exist: kept until the spec changes', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await Harness.start();
    await h.apply(SERVER);
    await h.waitForReady('PostgreSQLDatabase', 'tlsapp');
  }, 60_000);

  afterAll(async () => {
    await h?.stop();
  });

  it('a restart with TLS on keeps a plain server plain; its next spec change turns TLS on', async () => {
    expect((await h.secret('tlsteam-admin'))?.sslmode).toBe('disable');
    await h.stopOperator();
    await h.startOperator(configFrom(testConfig(h.pg.port, { tls: { enabled: true } })));
    h.operator!['servers'].enqueue('default', 'tlsteam');
    await new Promise((r) => setTimeout(r, 1500));
    await h.operator!.whenIdle();
    expect((await h.secret('tlsteam-admin'))?.sslmode).toBe('disable');
    const plain = await loginWithSecret((await h.secret('tlsapp-creds'))!, h.pg.port);
    await plain.end();

    await h.patch('PostgreSQLServer', 'tlsteam', { spec: { size: { storageGB: 2 } } });
    await waitFor(async () => (await h.secret('tlsteam-admin'))?.sslmode === 'verify-full', 30_000, () => 'admin Secret with verify-full');
    await waitFor(async () => (await h.secret('tlsapp-creds'))?.sslmode === 'verify-full', 30_000, () => 'app Secret with verify-full');
    let client: pg.Client | undefined;
    await waitFor(async () => {
      client = await loginWithSecret((await h.secret('tlsapp-creds'))!, h.pg.port).catch(() => undefined);
      return client !== undefined;
    }, 20_000, () => 'verify-full login');
    await client?.end();
  });
});
