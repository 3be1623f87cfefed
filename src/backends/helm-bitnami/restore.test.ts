import { describe, expect, it } from '@jest/globals';
import type { ServerContext } from '../types.js';
import { restoreScript } from '../common/backup-script.js';
import { buildReleaseRestoreJob, releaseImage, restoreJobName } from './restore.js';

const ctx: ServerContext = {
  namespace: 'team-a',
  name: 'demoteam-restored',
  uid: 'u2',
  generation: 1,
  spec: { size: { storageGB: 12 }, credentialsSecret: 'c', restoreFrom: { server: 'demoteam', backup: '20261206T020000Z' } },
  resolved: { version: '17' },
  adminPassword: 'not-in-any-manifest',
  adminSecret: { name: 'hybridcloud-pgserver-demoteam-restored', passwordKey: 'password' },
  owner: { apiVersion: 'hybridcloud.maibornwolff.de/v1alpha1', kind: 'PostgreSQLServer', name: 'demoteam-restored', uid: 'u2' },
  labels: { 'app.kubernetes.io/instance': 'demoteam-restored-postgresql', 'hybridcloud.maibornwolff.de/server': 'demoteam-restored' },
  state: {},
};

describe('helmbitnami restore Job', () => {
  it("runs the release's image as the chart composes it", () => {
    expect(releaseImage({ image: { tag: '17' } })).toBe('docker.io/bitnami/postgresql:17');
    expect(releaseImage({ image: { tag: '16', registry: 'mirror.example', repository: 'bitnamilegacy/postgresql' } })).toBe('mirror.example/bitnamilegacy/postgresql:16');
    expect(releaseImage({ global: { imageRegistry: 'global.example' }, image: { tag: '17', registry: 'docker.io' } })).toBe('global.example/bitnami/postgresql:17');
  });

  it("restores from the source release's backup claim into the new release, as the chart's user, with the operator's Secret", () => {
    const job = buildReleaseRestoreJob(ctx, ctx.spec.restoreFrom!, { image: { tag: '17' } }, 5432);
    const pod = job.spec!.template.spec!;
    const container = pod.containers[0]!;
    const env = Object.fromEntries(container.env!.map((e) => [e.name, e]));
    expect(job.metadata!.name).toBe(restoreJobName('demoteam-restored-postgresql'));
    expect(pod.volumes).toContainEqual({ name: 'backup', persistentVolumeClaim: { claimName: 'demoteam-postgresql-pgdumpall', readOnly: true } });
    expect(container.command).toEqual(['sh', '-c', restoreScript()]);
    expect(env.PGHOST?.value).toBe('demoteam-restored-postgresql.team-a.svc');
    expect(env.PGUSER?.value).toBe('postgres');
    expect(env.BACKUP_NAME?.value).toBe('20261206T020000Z');
    expect(env.PGPASSWORD?.valueFrom?.secretKeyRef).toEqual({ name: 'hybridcloud-pgserver-demoteam-restored', key: 'password' });
    expect(pod.securityContext).toMatchObject({ runAsUser: 1001, fsGroup: 1001, runAsNonRoot: true });
    expect(JSON.stringify(job)).not.toContain('not-in-any-manifest');
    // Its pod is never behind the release's Services (they select on the instance label).
    expect(job.spec!.template.metadata!.labels!['app.kubernetes.io/instance']).toBeUndefined();
  });
});
