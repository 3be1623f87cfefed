import type { OperatorConfig } from '../config/types.js';

export interface StartFacts {
  version: string;
  config: Pick<OperatorConfig, 'backend' | 'watch_namespaces' | 'leader_election'>;
  leaseNamespace: string;
  server: string;
  /** Where the kube context came from (a kubeconfig file, or the in-cluster service account). */
  kubeSource: string;
}

/** The one line the operator prints once its start-up checks have passed: what runs, and where. */
export function startLine(f: StartFacts): string {
  const namespaces = f.config.watch_namespaces.length ? `namespaces ${f.config.watch_namespaces.join(', ')}` : 'all namespaces';
  const le = f.config.leader_election;
  const election = le.enabled ? `leader election on (Lease ${f.leaseNamespace}/${le.lease_name})` : 'leader election off';
  return `hybrid-cloud-postgresql-operator ${f.version}: backend ${f.config.backend}, watching ${namespaces}, ${election}, API server ${f.server} (${f.kubeSource})`;
}
