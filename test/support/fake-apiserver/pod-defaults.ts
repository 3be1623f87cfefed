import { isRecord } from './types.js';

type Obj = Record<string, unknown>;

const setIfMissing = (o: Obj, key: string, value: unknown): void => {
  if (o[key] === undefined) o[key] = value;
};

function probeDefaults(probe: unknown): void {
  if (!isRecord(probe)) return;
  setIfMissing(probe, 'timeoutSeconds', 1);
  setIfMissing(probe, 'periodSeconds', 10);
  setIfMissing(probe, 'successThreshold', 1);
  setIfMissing(probe, 'failureThreshold', 3);
  if (isRecord(probe.httpGet)) setIfMissing(probe.httpGet, 'scheme', 'HTTP');
}

function containerDefaults(c: unknown): void {
  if (!isRecord(c)) return;
  setIfMissing(c, 'terminationMessagePath', '/dev/termination-log');
  setIfMissing(c, 'terminationMessagePolicy', 'File');
  const image = typeof c.image === 'string' ? c.image : '';
  const tag = image.includes('@') ? 'digest' : (/:([^/:]+)$/.exec(image)?.[1] ?? 'latest');
  setIfMissing(c, 'imagePullPolicy', tag === 'latest' ? 'Always' : 'IfNotPresent');
  setIfMissing(c, 'resources', {});
  for (const p of Array.isArray(c.ports) ? c.ports : []) if (isRecord(p)) setIfMissing(p, 'protocol', 'TCP');
  for (const e of Array.isArray(c.env) ? c.env : []) {
    if (isRecord(e) && isRecord(e.valueFrom) && isRecord(e.valueFrom.fieldRef)) setIfMissing(e.valueFrom.fieldRef, 'apiVersion', 'v1');
  }
  probeDefaults(c.livenessProbe);
  probeDefaults(c.readinessProbe);
  probeDefaults(c.startupProbe);
}

function volumeDefaults(v: unknown): void {
  if (!isRecord(v)) return;
  for (const source of ['secret', 'configMap', 'downwardAPI', 'projected']) {
    if (isRecord(v[source])) setIfMissing(v[source], 'defaultMode', 420);
  }
}

/**
 * The API server's defaults for a PodSpec (the commonly visible ones). Without them an operator
 * that compares its desired StatefulSet with the stored one would look converged here and loop
 * forever against a real cluster.
 */
export function podSpecDefaults(spec: unknown): void {
  if (!isRecord(spec)) return;
  setIfMissing(spec, 'restartPolicy', 'Always');
  setIfMissing(spec, 'terminationGracePeriodSeconds', 30);
  setIfMissing(spec, 'dnsPolicy', 'ClusterFirst');
  setIfMissing(spec, 'securityContext', {});
  setIfMissing(spec, 'schedulerName', 'default-scheduler');
  if (typeof spec.serviceAccountName === 'string') setIfMissing(spec, 'serviceAccount', spec.serviceAccountName);
  for (const c of Array.isArray(spec.containers) ? spec.containers : []) containerDefaults(c);
  for (const c of Array.isArray(spec.initContainers) ? spec.initContainers : []) containerDefaults(c);
  for (const v of Array.isArray(spec.volumes) ? spec.volumes : []) volumeDefaults(v);
}
