import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type * as k8s from '@kubernetes/client-node';
import { KubeConfig } from '../k8s/kubernetes-client.js';
import { StartupError } from './startup-error.js';

/** Where a pod's service account is mounted (client-node and client-go read the same path). */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface KubeConfigEnv {
  env: Readonly<Record<string, string | undefined>>;
  /** A directory standing in for / when looking for the service account (tests). */
  root?: string;
}

export interface LoadedKubeConfig {
  kc: k8s.KubeConfig;
  /** Where it came from, for the start line and messages: a file, or "in-cluster service account". */
  source: string;
}

/**
 * The kube context, found where client-node's `loadFromDefault` looks (KUBECONFIG, else
 * ~/.kube/config, else the pod's service account), but strict: where it would fall back to
 * http://localhost:8080, or fail with a file system error deep in the client, this throws a
 * StartupError that says what was looked for and what is wrong.
 */
export function findKubeConfig({ env, root = '' }: KubeConfigEnv): LoadedKubeConfig {
  const listed = (env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
  if (listed.length > 0) return { kc: fromFiles(listed), source: listed.join(delimiter) };
  const home = env.HOME ? join(env.HOME, '.kube', 'config') : undefined;
  if (home && existsSync(home)) return { kc: fromFiles([home]), source: home };
  const token = `${root}${SERVICE_ACCOUNT_DIR}/token`;
  if (existsSync(token)) return { kc: inCluster(env, root), source: 'in-cluster service account' };
  throw new StartupError(
    `no Kubernetes cluster configured: KUBECONFIG is not set, ${home ?? '~/.kube/config (HOME is not set)'} does not exist, and there is no in-cluster service account (${token}); ` +
      'set KUBECONFIG to a kubeconfig file, create ~/.kube/config (e.g. kind create cluster), or run the operator in a pod',
  );
}

function fromFiles(files: string[]): k8s.KubeConfig {
  const kc = new KubeConfig();
  files.forEach((file, i) => {
    if (!existsSync(file)) {
      throw new StartupError(`the kubeconfig file ${file} does not exist (KUBECONFIG names it): fix KUBECONFIG or create the file`);
    }
    try {
      if (i === 0) kc.loadFromFile(file);
      else {
        const more = new KubeConfig();
        more.loadFromFile(file);
        kc.mergeConfig(more);
      }
    } catch (err) {
      throw new StartupError(`the kubeconfig file ${file} is not valid: ${oneLine(err)}`);
    }
  });
  checkCurrentContext(kc, files.join(delimiter));
  return kc;
}

function checkCurrentContext(kc: k8s.KubeConfig, source: string): void {
  const name = kc.getCurrentContext();
  if (!name) throw new StartupError(`the kubeconfig ${source} has no current-context: choose one with kubectl config use-context NAME`);
  const context = kc.getContextObject(name);
  if (!context) throw new StartupError(`the kubeconfig ${source} names current-context "${name}", which it does not define: choose one with kubectl config use-context NAME`);
  const cluster = kc.getCluster(context.cluster);
  if (!cluster?.server) throw new StartupError(`the kubeconfig ${source}: context "${name}" names cluster "${context.cluster}", which has no server address`);
}

function inCluster(env: KubeConfigEnv['env'], root: string): k8s.KubeConfig {
  if (!env.KUBERNETES_SERVICE_HOST || !env.KUBERNETES_SERVICE_PORT) {
    throw new StartupError(`a service account is mounted at ${root}${SERVICE_ACCOUNT_DIR} but KUBERNETES_SERVICE_HOST/KUBERNETES_SERVICE_PORT are not set: run the operator in a pod, or set KUBECONFIG`);
  }
  const kc = new KubeConfig();
  // client-node reads KUBERNETES_SERVICE_HOST/PORT from process.env and the mount below `root` itself.
  kc.loadFromCluster(root);
  return kc;
}

/** An error's message on one line (YAML parser messages carry a code frame over several). */
export function oneLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n').map((l) => l.trim()).filter(Boolean)[0] ?? message;
}
