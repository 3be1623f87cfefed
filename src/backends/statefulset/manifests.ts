import { createHash } from 'node:crypto';
import type * as k8s from '@kubernetes/client-node';
import { GROUP } from '../../api/constants.js';
import type { ServerContext } from '../types.js';
import { byCodeUnits } from '../../util/order.js';

export const PORT = 5432;
export const DATA_VOLUME = 'data';
const DATA_MOUNT = '/var/lib/postgresql/data';
export const SPEC_HASH_ANNOTATION = `${GROUP}/spec-hash`;

/** What the StatefulSet needs beyond the context: resolved from the config and the class. */
export interface PodSettings {
  image: string;
  cpu: string;
  memory: string;
  adminUsername: string;
  storageClass?: string;
  serviceType: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
  /** TLS on: the certificate Secret and the ConfigMap with pg_hba.conf. Off: the pod as before TLS. */
  tls?: { certSecret: string; hbaConfigMap: string; hbaHash: string };
  /** Server parameters as `-c` options (servers made before they were applied with ALTER SYSTEM). */
  parametersAsArgs?: boolean;
  /** A new token restarts the pod (a parameter that needs a restart, or operator/action: restart). */
  restartToken?: string;
}

/** The pod template annotation whose new value restarts the pod. */
export const RESTART_ANNOTATION = `${GROUP}/restart-token`;

const TLS_MOUNT = '/etc/postgresql/tls';
const HBA_MOUNT = '/etc/postgresql/hba';
export const HBA_FILE = 'pg_hba.conf';
const HBA_HASH_ANNOTATION = `${GROUP}/hba-hash`;
/** The key is root:postgres 0640 with fsGroup 999, as PostgreSQL accepts a root-owned key (0640 or less). */
const KEY_MODE = 0o640;

export const tlsSecretName = (server: string): string => `${workloadName(server)}-tls`;
export const hbaConfigMapName = (server: string): string => `${workloadName(server)}-hba`;

/** `-c` arguments that turn TLS on and point PostgreSQL at the mounted files. */
function tlsArgs(): string[] {
  return ['-c', 'ssl=on', '-c', `ssl_cert_file=${TLS_MOUNT}/tls.crt`, '-c', `ssl_key_file=${TLS_MOUNT}/tls.key`, '-c', `hba_file=${HBA_MOUNT}/${HBA_FILE}`];
}

/** `<server>-postgresql`: the Quickstart's `app.kubernetes.io/instance=demoteam-postgresql` pods. */
export function workloadName(server: string): string {
  return `${server}-postgresql`.slice(0, 52).replace(/[-.]+$/, '');
}

export const pvcName = (server: string): string => `${DATA_VOLUME}-${workloadName(server)}-0`;

export function selectorLabels(ctx: ServerContext): Record<string, string> {
  return { [`${GROUP}/server`]: ctx.labels[`${GROUP}/server`] ?? ctx.name, 'app.kubernetes.io/instance': workloadName(ctx.name) };
}

/** `-c name=value` arguments for the spec's server parameters, in a stable order. */
export function parameterArgs(parameters: Record<string, string | number> | undefined): string[] {
  return Object.entries(parameters ?? {})
    .sort(([a], [b]) => byCodeUnits(a, b))
    .flatMap(([k, v]) => ['-c', `${k}=${v}`]);
}

export function buildStatefulSet(ctx: ServerContext, pod: PodSettings): k8s.V1StatefulSet {
  const name = workloadName(ctx.name);
  const labels = { ...ctx.labels, ...selectorLabels(ctx) };
  const template = podTemplate(ctx, pod, labels);
  const sts: k8s.V1StatefulSet = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name, namespace: ctx.namespace, labels, ownerReferences: [ctx.owner] },
    spec: {
      replicas: 1,
      serviceName: name,
      selector: { matchLabels: selectorLabels(ctx) },
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate' },
      // PVCs are kept when the StatefulSet goes: data outlives mistakes unless pvc_cleanup says so.
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
      template,
      volumeClaimTemplates: [
        {
          metadata: { name: DATA_VOLUME, labels },
          spec: {
            accessModes: ['ReadWriteOnce'],
            ...(pod.storageClass ? { storageClassName: pod.storageClass } : {}),
            resources: { requests: { storage: `${ctx.spec.size.storageGB}Gi` } },
          },
        },
      ],
    },
  };
  sts.metadata!.annotations = { [SPEC_HASH_ANNOTATION]: specHash(template) };
  return sts;
}

function podTemplate(ctx: ServerContext, pod: PodSettings, labels: Record<string, string>): k8s.V1PodTemplateSpec {
  const probe = (period: number, failures: number): k8s.V1Probe => ({
    exec: { command: ['pg_isready', '-U', pod.adminUsername, '-d', 'postgres', '-h', '127.0.0.1', '-p', String(PORT)] },
    periodSeconds: period,
    timeoutSeconds: 5,
    failureThreshold: failures,
  });
  const tls = pod.tls;
  const annotations = { ...(tls ? { [HBA_HASH_ANNOTATION]: tls.hbaHash } : {}), ...(pod.restartToken ? { [RESTART_ANNOTATION]: pod.restartToken } : {}) };
  return {
    metadata: { labels, ...(Object.keys(annotations).length ? { annotations } : {}) },
    spec: {
      enableServiceLinks: false,
      automountServiceAccountToken: false,
      securityContext: { runAsUser: 999, runAsGroup: 999, fsGroup: 999, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'postgres',
          image: pod.image,
          args: ['postgres', ...(tls ? tlsArgs() : []), ...(pod.parametersAsArgs ? parameterArgs(ctx.spec.serverParameters) : [])],
          ports: [{ name: 'postgres', containerPort: PORT }],
          env: [
            { name: 'POSTGRES_USER', value: pod.adminUsername },
            // Read by the image only when the data directory is initialised; resets use SQL.
            { name: 'POSTGRES_PASSWORD', valueFrom: { secretKeyRef: { name: ctx.adminSecret.name, key: ctx.adminSecret.passwordKey } } },
            { name: 'POSTGRES_DB', value: 'postgres' },
            { name: 'PGDATA', value: `${DATA_MOUNT}/pgdata` },
          ],
          resources: { requests: { cpu: pod.cpu, memory: pod.memory }, limits: { memory: pod.memory } },
          readinessProbe: probe(5, 3),
          livenessProbe: { ...probe(15, 6), initialDelaySeconds: 30 },
          startupProbe: probe(5, 120),
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
          volumeMounts: [
            { name: DATA_VOLUME, mountPath: DATA_MOUNT },
            { name: 'run', mountPath: '/var/run/postgresql' },
            { name: 'tmp', mountPath: '/tmp' },
            ...(tls ? [{ name: 'tls', mountPath: TLS_MOUNT, readOnly: true }, { name: 'hba', mountPath: HBA_MOUNT, readOnly: true }] : []),
          ],
        },
      ],
      volumes: [
        { name: 'run', emptyDir: {} },
        { name: 'tmp', emptyDir: {} },
        ...(tls
          ? [
              { name: 'tls', secret: { secretName: tls.certSecret, defaultMode: KEY_MODE } },
              { name: 'hba', configMap: { name: tls.hbaConfigMap } },
            ]
          : []),
      ],
    },
  };
}

export function buildService(ctx: ServerContext, pod: PodSettings): k8s.V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: workloadName(ctx.name), namespace: ctx.namespace, labels: { ...ctx.labels, ...selectorLabels(ctx) }, ownerReferences: [ctx.owner] },
    spec: {
      type: pod.serviceType,
      selector: selectorLabels(ctx),
      ports: [{ name: 'postgres', port: PORT, targetPort: PORT, protocol: 'TCP' }],
    },
  };
}

/** The ConfigMap with pg_hba.conf of a server with TLS. */
export function buildHbaConfigMap(ctx: ServerContext, hba: string): k8s.V1ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: hbaConfigMapName(ctx.name), namespace: ctx.namespace, labels: { ...ctx.labels, ...selectorLabels(ctx) }, ownerReferences: [ctx.owner] },
    data: { [HBA_FILE]: hba },
  };
}

export function contentHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** Whether a StatefulSet's pod runs with the operator's TLS (what an existing server runs). */
export function runsTls(sts: k8s.V1StatefulSet): { enabled: boolean; require: boolean } {
  const args = sts.spec?.template.spec?.containers[0]?.args ?? [];
  return { enabled: args.includes('ssl=on'), require: false };
}

/** A stable hash of the pod template: a config change (image, class) or spec change rolls the pod. */
export function specHash(template: k8s.V1PodTemplateSpec): string {
  return createHash('sha256').update(JSON.stringify(template)).digest('hex').slice(0, 16);
}
