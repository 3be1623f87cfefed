import { describe, expect, it } from '@jest/globals';
import type { ServerContext } from '../types.js';
import { backupScript } from '../common/backup-script.js';
import { buildReleaseBackupCronJob } from './bucket-backups.js';

const ctx: ServerContext = {
  namespace: 'team-a',
  name: 'orders',
  uid: 'uid-1',
  generation: 1,
  spec: { size: { storageGB: 8 }, credentialsSecret: 'c' },
  resolved: { version: '16', sizeClass: 'small' },
  adminPassword: 'secret-password-1',
  adminSecret: { name: 'hybridcloud-pgserver-orders', passwordKey: 'password' },
  owner: { apiVersion: 'hybridcloud.maibornwolff.de/v1alpha1', kind: 'PostgreSQLServer', name: 'orders', uid: 'uid-1', controller: true, blockOwnerDeletion: true },
  labels: { 'app.kubernetes.io/instance': 'orders-postgresql', 'hybridcloud.maibornwolff.de/server': 'orders' },
  state: {},
};
const target = { bucket: 'b', endpoint: '', region: 'us-east-1', prefix: '{namespace}/{name}/', forcePathStyle: false, credentialsSecret: 's3-keys', image: 'registry.example/operator:1' };
const input = { release: 'orders-postgresql', values: { image: { registry: 'docker.io', repository: 'bitnamilegacy/postgresql', tag: '16' } }, port: 5432, target, scratchGB: 16 };
const plan = { schedule: '0 2 * * *', retentionDays: 3 };

describe("the operator's backup CronJob of a release (backups to a bucket)", () => {
  it("dumps with the release's image as Bitnami's user through its Service, then uploads with the operator image", () => {
    const cron = buildReleaseBackupCronJob(ctx, plan, input);
    expect(cron.metadata).toMatchObject({ name: 'orders-postgresql-backup', namespace: 'team-a', ownerReferences: [ctx.owner] });
    const pod = cron.spec!.jobTemplate.spec!.template.spec!;
    const dump = pod.initContainers![0]!;
    expect([dump.image, dump.command]).toEqual(['docker.io/bitnamilegacy/postgresql:16', ['sh', '-c', backupScript(3)]]);
    expect(dump.env).toContainEqual({ name: 'PGHOST', value: 'orders-postgresql.team-a.svc' });
    expect(pod.containers.map((c) => c.image)).toEqual(['registry.example/operator:1']);
    expect(pod.securityContext).toMatchObject({ runAsUser: 1001, fsGroup: 1001 });
    expect(JSON.stringify(cron)).not.toContain('secret-password-1');
  });

  it('with TLS verifies the server: only ca.crt of the release certificate mounted, verify-full', () => {
    const pod = buildReleaseBackupCronJob({ ...ctx, state: { tls: { enabled: true, require: true, generation: 1 } } }, plan, input).spec!.jobTemplate.spec!.template.spec!;
    expect(pod.volumes).toContainEqual({ name: 'server-ca', secret: { secretName: 'orders-postgresql-tls', items: [{ key: 'ca.crt', path: 'ca.crt' }] } });
    expect(pod.initContainers![0]!.env).toEqual(expect.arrayContaining([{ name: 'PGSSLMODE', value: 'verify-full' }, { name: 'PGSSLROOTCERT', value: '/tls/ca.crt' }]));
    expect(pod.initContainers![0]!.volumeMounts).toContainEqual({ name: 'server-ca', mountPath: '/tls', readOnly: true });
  });
});
