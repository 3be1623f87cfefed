import { podSpecDefaults } from './pod-defaults.js';
import type { KubeObject, ResourceType } from './types.js';
import { isRecord } from './types.js';

type Obj = Record<string, unknown>;
const setIfMissing = (o: Obj, key: string, value: unknown): void => {
  if (o[key] === undefined) o[key] = value;
};
const specOf = (obj: KubeObject): Obj => {
  if (!isRecord(obj.spec)) obj.spec = {};
  return obj.spec as Obj;
};

function secretDefaults(obj: KubeObject): void {
  // stringData is write-only: the real server folds it into data (base64) and never returns it.
  if (isRecord(obj.stringData)) {
    const data = isRecord(obj.data) ? { ...obj.data } : {};
    for (const [k, v] of Object.entries(obj.stringData)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
    obj.data = data;
  }
  delete obj.stringData;
  setIfMissing(obj, 'type', 'Opaque');
}

function namespaceDefaults(obj: KubeObject): void {
  obj.metadata.labels = { ...obj.metadata.labels, 'kubernetes.io/metadata.name': obj.metadata.name ?? '' };
  setIfMissing(specOf(obj), 'finalizers', ['kubernetes']);
}

let nextClusterIp = 1;
function serviceDefaults(obj: KubeObject, old?: KubeObject): void {
  const spec = specOf(obj);
  setIfMissing(spec, 'type', 'ClusterIP');
  setIfMissing(spec, 'sessionAffinity', 'None');
  setIfMissing(spec, 'internalTrafficPolicy', 'Cluster');
  setIfMissing(spec, 'ipFamilies', ['IPv4']);
  setIfMissing(spec, 'ipFamilyPolicy', 'SingleStack');
  // Allocated values survive updates that omit them, as in the real service registry.
  const oldSpec = old && isRecord(old.spec) ? old.spec : undefined;
  if (spec.clusterIP === undefined || spec.clusterIP === '') {
    spec.clusterIP = oldSpec?.clusterIP ?? `10.96.${Math.floor(nextClusterIp / 250)}.${(nextClusterIp++ % 250) + 1}`;
  }
  setIfMissing(spec, 'clusterIPs', [spec.clusterIP]);
  for (const p of Array.isArray(spec.ports) ? spec.ports : []) {
    if (!isRecord(p)) continue;
    setIfMissing(p, 'protocol', 'TCP');
    setIfMissing(p, 'targetPort', p.port);
  }
}

function pvcTemplateDefaults(pvc: unknown): void {
  if (!isRecord(pvc)) return;
  setIfMissing(pvc, 'apiVersion', 'v1');
  setIfMissing(pvc, 'kind', 'PersistentVolumeClaim');
  if (isRecord(pvc.spec)) setIfMissing(pvc.spec, 'volumeMode', 'Filesystem');
  setIfMissing(pvc, 'status', { phase: 'Pending' });
}

function statefulSetDefaults(obj: KubeObject): void {
  const spec = specOf(obj);
  setIfMissing(spec, 'replicas', 1);
  setIfMissing(spec, 'podManagementPolicy', 'OrderedReady');
  setIfMissing(spec, 'updateStrategy', { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
  setIfMissing(spec, 'revisionHistoryLimit', 10);
  setIfMissing(spec, 'persistentVolumeClaimRetentionPolicy', { whenDeleted: 'Retain', whenScaled: 'Retain' });
  if (isRecord(spec.template)) podSpecDefaults(spec.template.spec);
  for (const t of Array.isArray(spec.volumeClaimTemplates) ? spec.volumeClaimTemplates : []) pvcTemplateDefaults(t);
}

function cronJobDefaults(obj: KubeObject): void {
  const spec = specOf(obj);
  setIfMissing(spec, 'suspend', false);
  setIfMissing(spec, 'concurrencyPolicy', 'Allow');
  setIfMissing(spec, 'successfulJobsHistoryLimit', 3);
  setIfMissing(spec, 'failedJobsHistoryLimit', 1);
  // The real defaulter leaves the template's Job fields alone (the Job gets them when it is created)
  // and defaults only the pod spec inside it.
  const job = isRecord(spec.jobTemplate) && isRecord(spec.jobTemplate.spec) ? spec.jobTemplate.spec : undefined;
  if (job && isRecord(job.template)) podSpecDefaults(job.template.spec);
}

function jobSpecDefaults(spec: Obj): void {
  setIfMissing(spec, 'parallelism', 1);
  setIfMissing(spec, 'completions', 1);
  setIfMissing(spec, 'backoffLimit', 6);
  setIfMissing(spec, 'completionMode', 'NonIndexed');
  setIfMissing(spec, 'suspend', false);
  if (isRecord(spec.template)) podSpecDefaults(spec.template.spec);
}

/**
 * Jobs: as the real job strategy on create (no manualSelector), the selector and the pod
 * template's labels name the Job's uid and name — the `job-name` label its pods carry.
 */
function jobDefaults(obj: KubeObject, old?: KubeObject): void {
  const spec = specOf(obj);
  jobSpecDefaults(spec);
  if (old || spec.manualSelector === true || !isRecord(spec.template)) return;
  const uid = obj.metadata.uid ?? '';
  const name = obj.metadata.name ?? '';
  const template = spec.template as Obj;
  const meta = isRecord(template.metadata) ? template.metadata : (template.metadata = {});
  (meta as Obj).labels = { ...((meta as Obj).labels as Obj | undefined), 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': name, 'controller-uid': uid, 'job-name': name };
  spec.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
}

/** Per-type defaulting the real server applies on every write (a representative subset). */
export function applyBuiltinDefaults(t: ResourceType, obj: KubeObject, old?: KubeObject): void {
  switch (`${t.group}/${t.plural}`) {
    case '/secrets': return secretDefaults(obj);
    case '/namespaces': return namespaceDefaults(obj);
    case '/services': return serviceDefaults(obj, old);
    case '/pods': return podSpecDefaults(specOf(obj));
    case '/persistentvolumeclaims': setIfMissing(specOf(obj), 'volumeMode', 'Filesystem'); return;
    case 'apps/statefulsets': return statefulSetDefaults(obj);
    case 'batch/cronjobs': return cronJobDefaults(obj);
    case 'batch/jobs': return jobDefaults(obj, old);
  }
}

/** The status a newly created object of a status-subresource type starts with (create may not set it). */
export function initialStatus(t: ResourceType): unknown {
  switch (`${t.group}/${t.plural}`) {
    case '/namespaces': return { phase: 'Active' };
    case '/services': return { loadBalancer: {} };
    case '/pods': return { phase: 'Pending' };
    case '/persistentvolumeclaims': return { phase: 'Pending' };
    case 'apps/statefulsets': return { replicas: 0, availableReplicas: 0 };
    case 'batch/cronjobs': return {};
    case 'batch/jobs': return {};
    default: return undefined;
  }
}
