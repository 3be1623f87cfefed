import type { V1EnvVar, V1Pod } from '@kubernetes/client-node';
import { isNotFound, type KubeClients } from '../../../src/k8s/clients.js';
import { eventually, randomSuffix } from './wait.js';

const CA_MOUNT = '/credentials';

/**
 * The client environment an application builds from a credentials Secret: libpq's PG* variables
 * from the documented keys, and the ready-made connection string. Nothing else is known to the pod.
 */
export function credentialsEnv(secretName: string): V1EnvVar[] {
  const fromSecret = (name: string, key: string): V1EnvVar => ({ name, valueFrom: { secretKeyRef: { name: secretName, key } } });
  return [
    fromSecret('PGHOST', 'hostname'),
    fromSecret('PGPORT', 'port'),
    fromSecret('PGDATABASE', 'dbname'),
    fromSecret('PGUSER', 'username'),
    fromSecret('PGPASSWORD', 'password'),
    fromSecret('PGSSLMODE', 'sslmode'),
    fromSecret('DATABASE_URL', 'uri'),
    { name: 'PGCONNECT_TIMEOUT', value: '20' },
    // The CA to verify the server with (sslmode verify-full), where the Secret carries one.
    { name: 'PGSSLROOTCERT', value: `${CA_MOUNT}/ca.crt` },
  ];
}

/**
 * A one-shot pod of the PostgreSQL image that runs `script` (sh) with a credentials Secret as its
 * environment. It first waits until the server accepts connections (pg_isready does not log in, so
 * a wrong password still fails the script), so a Service whose endpoints lag a second is no flake.
 * Non-root and without privileges, so it also runs under the `restricted` Pod Security level.
 */
export function psqlPodManifest(opts: { name: string; image: string; secretName: string; script: string; deadlineSeconds: number; envFrom?: boolean }): V1Pod {
  const script = ['set -e', 'until pg_isready -q -t 5; do sleep 2; done', opts.script].join('\n');
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: opts.name, labels: { 'app.kubernetes.io/name': 'hcpo-e2e-psql' } },
    spec: {
      restartPolicy: 'Never',
      // Counted from the pod's start, image pull included: a pod that hangs still ends.
      activeDeadlineSeconds: opts.deadlineSeconds,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: { runAsNonRoot: true, runAsUser: 999, runAsGroup: 999, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'psql',
          image: opts.image,
          command: ['sh', '-c', script],
          // envFrom: the Secret's own PG* keys and nothing else, as `envFrom` gives them to an app.
          ...(opts.envFrom ? { envFrom: [{ secretRef: { name: opts.secretName } }], env: [{ name: 'PGCONNECT_TIMEOUT', value: '20' }] } : { env: credentialsEnv(opts.secretName) }),
          resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '128Mi' } },
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
          volumeMounts: [{ name: 'credentials', mountPath: CA_MOUNT, readOnly: true }],
        },
      ],
      // Only ca.crt, and only if the Secret has it (cloud backends without a private CA, TLS off).
      volumes: [{ name: 'credentials', secret: { secretName: opts.secretName, items: [{ key: 'ca.crt', path: 'ca.crt' }], optional: true } }],
    },
  };
}

export interface PsqlResult {
  phase: 'Succeeded' | 'Failed';
  /** What the script printed (stdout and stderr). */
  logs: string;
}

/** Runs a psql pod to its end and returns how it ended and what it printed; the pod is deleted. */
export async function runPsqlPod(
  kube: KubeClients,
  namespace: string,
  opts: { purpose: string; image: string; secretName: string; script: string; timeoutMs: number; envFrom?: boolean },
): Promise<PsqlResult> {
  const name = `psql-${opts.purpose}-${randomSuffix(5)}`.slice(0, 63);
  await kube.core.createNamespacedPod({ namespace, body: psqlPodManifest({ ...opts, name, deadlineSeconds: Math.ceil(opts.timeoutMs / 1000) }) });
  let last: V1Pod | undefined;
  try {
    const phase = await eventually(
      async () => {
        last = await kube.core.readNamespacedPod({ name, namespace });
        const p = last.status?.phase;
        return p === 'Succeeded' || p === 'Failed' ? p : undefined;
      },
      { timeoutMs: opts.timeoutMs, what: () => `psql pod ${name} to finish (${describePod(last)})`, intervalMs: 2000 },
    );
    const logs = await kube.core.readNamespacedPodLog({ name, namespace, container: 'psql' }).catch((err: unknown) => `(no logs: ${(err as Error).message})`);
    return { phase, logs };
  } finally {
    await kube.core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 0 }).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
  }
}

/** Why a pod is where it is (phase, and a waiting reason such as ImagePullBackOff). */
function describePod(pod: V1Pod | undefined): string {
  if (!pod) return 'not seen yet';
  const waiting = pod.status?.containerStatuses?.[0]?.state?.waiting;
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
  return [pod.status?.phase, waiting && `${waiting.reason}: ${waiting.message ?? ''}`, scheduled && `unschedulable: ${scheduled.message}`].filter(Boolean).join(', ');
}
