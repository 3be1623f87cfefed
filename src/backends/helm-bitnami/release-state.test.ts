import { describe, it, expect } from '@jest/globals';
import { chartVersionOf, statefulSetState } from './release-state.js';

describe('statefulSetState', () => {
  it('is not ready without a StatefulSet or a ready pod', () => {
    expect(statefulSetState(undefined).ready).toBe(false);
    expect(statefulSetState({ metadata: { generation: 1 } })).toEqual({ ready: false, summary: '0/1 ready' });
    expect(statefulSetState({ metadata: { generation: 1 }, spec: { replicas: 1 } as never, status: { replicas: 1, readyReplicas: 0, observedGeneration: 1 } })).toEqual({ ready: false, summary: '0/1 ready' });
  });

  it('is ready with a ready pod on the current generation', () => {
    expect(statefulSetState({ metadata: { generation: 2 }, status: { replicas: 1, readyReplicas: 1, observedGeneration: 2, currentRevision: 'r2', updateRevision: 'r2' } }).ready).toBe(true);
  });

  it('is not ready while a change rolls out (the old pod still answers)', () => {
    expect(statefulSetState({ metadata: { generation: 3 }, status: { replicas: 1, readyReplicas: 1, observedGeneration: 2 } })).toEqual({ ready: false, summary: '1/1 ready, rolling out a change' });
    expect(statefulSetState({ metadata: { generation: 3 }, status: { replicas: 1, readyReplicas: 1, observedGeneration: 3, currentRevision: 'a', updateRevision: 'b' } }).ready).toBe(false);
  });
});

describe('chartVersionOf', () => {
  it('takes the version from helm history\'s chart column', () => {
    expect(chartVersionOf('postgresql-17.1.0')).toBe('17.1.0');
    expect(chartVersionOf('my-postgresql-mirror-17.1.0-rc.1')).toBe('17.1.0-rc.1');
    expect(chartVersionOf('postgresql')).toBe('');
  });
});
