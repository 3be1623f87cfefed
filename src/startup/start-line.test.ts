import { describe, expect, it } from '@jest/globals';
import { startLine } from './start-line.js';

describe('the start line', () => {
  const base = { version: '1.2.3', leaseNamespace: 'ops', server: 'https://10.0.0.1:443', kubeSource: 'in-cluster service account' };

  it('names the version, backend, watched namespaces, leader election and the API server', () => {
    const config = { backend: 'awsrds', watch_namespaces: ['team-a', 'team-b'], leader_election: { enabled: true, lease_name: 'hcpo' } as never };
    expect(startLine({ ...base, config })).toBe(
      'hybrid-cloud-postgresql-operator 1.2.3: backend awsrds, watching namespaces team-a, team-b, leader election on (Lease ops/hcpo), API server https://10.0.0.1:443 (in-cluster service account)',
    );
  });

  it('says "all namespaces" and "leader election off" for the local defaults', () => {
    const config = { backend: 'statefulset', watch_namespaces: [], leader_election: { enabled: false } as never };
    expect(startLine({ ...base, config })).toContain('backend statefulset, watching all namespaces, leader election off, API server');
  });
});
