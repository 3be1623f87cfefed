import { describe, expect, it } from '@jest/globals';
import type { ServerContext } from '../types.js';
import { buildService, buildStatefulSet, parameterArgs, pvcName, SPEC_HASH_ANNOTATION, workloadName, type PodSettings } from './manifests.js';
import { gibibytes } from './index.js';

const ctx: ServerContext = {
  namespace: 'team-a',
  name: 'demoteam',
  uid: 'uid-1',
  generation: 1,
  spec: { size: { storageGB: 20 }, credentialsSecret: 'c', serverParameters: { work_mem: '8MB', max_connections: 50 } },
  resolved: { version: '17', sizeClass: 'small' },
  adminPassword: 'secret-password-1',
  adminSecret: { name: 'hybridcloud-pgserver-demoteam', passwordKey: 'password' },
  owner: { apiVersion: 'hybridcloud.maibornwolff.de/v1alpha1', kind: 'PostgreSQLServer', name: 'demoteam', uid: 'uid-1', controller: true, blockOwnerDeletion: true },
  labels: { 'app.kubernetes.io/managed-by': 'hybrid-cloud-postgresql-operator', 'hybridcloud.maibornwolff.de/server': 'demoteam' },
  state: {},
};
const pod: PodSettings = { image: 'docker.io/library/postgres:17', cpu: '500m', memory: '512Mi', adminUsername: 'pgadmin', storageClass: 'fast', serviceType: 'ClusterIP', parametersAsArgs: true };

describe('statefulset manifests', () => {
  const sts = buildStatefulSet(ctx, pod);
  const container = sts.spec!.template.spec!.containers[0]!;

  it('names objects like the reference Quickstart expects', () => {
    expect(workloadName('demoteam')).toBe('demoteam-postgresql');
    expect(pvcName('demoteam')).toBe('data-demoteam-postgresql-0');
    expect(sts.spec!.template.metadata!.labels!['app.kubernetes.io/instance']).toBe('demoteam-postgresql');
    expect(workloadName('x'.repeat(80)).length).toBeLessThanOrEqual(52);
  });

  it('takes the admin password from the operator Secret, never as a literal', () => {
    const env = Object.fromEntries(container.env!.map((e) => [e.name, e]));
    expect(env.POSTGRES_USER?.value).toBe('pgadmin');
    expect(env.POSTGRES_PASSWORD?.value).toBeUndefined();
    expect(env.POSTGRES_PASSWORD?.valueFrom?.secretKeyRef).toEqual({ name: 'hybridcloud-pgserver-demoteam', key: 'password' });
    expect(JSON.stringify(sts)).not.toContain('secret-password-1');
  });

  it('sizes pod and volume from class and spec, with the storage class and owner', () => {
    expect(container.resources).toEqual({ requests: { cpu: '500m', memory: '512Mi' }, limits: { memory: '512Mi' } });
    expect(sts.spec!.volumeClaimTemplates![0]!.spec).toMatchObject({ storageClassName: 'fast', resources: { requests: { storage: '20Gi' } } });
    expect(sts.spec!.volumeClaimTemplates![0]!.metadata!.labels!['hybridcloud.maibornwolff.de/server']).toBe('demoteam');
    expect(sts.metadata!.ownerReferences).toEqual([ctx.owner]);
    expect(sts.spec!.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
  });

  it('runs hardened: non-root, read-only root filesystem, no capabilities, RuntimeDefault seccomp, probes', () => {
    expect(sts.spec!.template.spec!.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 999, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(container.readinessProbe!.exec!.command).toEqual(['pg_isready', '-U', 'pgadmin', '-d', 'postgres', '-h', '127.0.0.1', '-p', '5432']);
  });

  it('passes server parameters as sorted -c arguments (servers made before ALTER SYSTEM) and changes the hash when they change', () => {
    expect(container.args).toEqual(['postgres', '-c', 'max_connections=50', '-c', 'work_mem=8MB']);
    expect(parameterArgs(undefined)).toEqual([]);
    const other = buildStatefulSet({ ...ctx, spec: { ...ctx.spec, serverParameters: { work_mem: '16MB' } } }, pod);
    expect(other.metadata!.annotations![SPEC_HASH_ANNOTATION]).not.toBe(sts.metadata!.annotations![SPEC_HASH_ANNOTATION]);
    expect(buildStatefulSet(ctx, pod).metadata!.annotations![SPEC_HASH_ANNOTATION]).toBe(sts.metadata!.annotations![SPEC_HASH_ANNOTATION]);
    const newImage = buildStatefulSet(ctx, { ...pod, image: 'mirror.example/postgres:17' });
    expect(newImage.metadata!.annotations![SPEC_HASH_ANNOTATION]).not.toBe(sts.metadata!.annotations![SPEC_HASH_ANNOTATION]);
  });

  it('leaves parameters out of the pod when they are applied with ALTER SYSTEM; a restart token rolls it', () => {
    const sql = buildStatefulSet(ctx, { ...pod, parametersAsArgs: false });
    expect(sql.spec!.template.spec!.containers[0]!.args).toEqual(['postgres']);
    const restarted = buildStatefulSet(ctx, { ...pod, parametersAsArgs: false, restartToken: 'abc' });
    expect(restarted.spec!.template.metadata!.annotations).toEqual({ 'hybridcloud.maibornwolff.de/restart-token': 'abc' });
    expect(restarted.metadata!.annotations![SPEC_HASH_ANNOTATION]).not.toBe(sql.metadata!.annotations![SPEC_HASH_ANNOTATION]);
  });

  it('builds the Service on the selector of the pods', () => {
    const svc = buildService(ctx, { ...pod, serviceType: 'LoadBalancer' });
    expect(svc.spec).toMatchObject({ type: 'LoadBalancer', selector: sts.spec!.selector!.matchLabels, ports: [{ port: 5432, targetPort: 5432 }] });
  });

  it('reads storage quantities in GiB', () => {
    expect(gibibytes('20Gi')).toBe(20);
    expect(gibibytes('1Ti')).toBe(1024);
    expect(gibibytes('512Mi')).toBe(0.5);
    expect(gibibytes('bogus')).toBeNaN();
  });
});
