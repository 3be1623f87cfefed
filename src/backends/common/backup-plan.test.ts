import { describe, expect, it } from '@jest/globals';
import type * as k8s from '@kubernetes/client-node';
import type { ServerSpec } from '../../api/types.js';
import { backupPlan, backupStatus } from './backup-plan.js';

const section = { enabled: true, schedule: '', retention_days: 7, storage_gb: null, storage_class: '' };
const spec = (over: Partial<ServerSpec> = {}): ServerSpec => ({ size: { storageGB: 1 }, credentialsSecret: 'c', ...over });

describe('backupPlan', () => {
  it('is nightly at 02:00 UTC with the config retention by default', () => {
    expect(backupPlan(spec(), section)).toEqual({ schedule: '0 2 * * *', retentionDays: 7 });
  });
  it('takes spec.backup.retentionDays; 0 or a disabled config turn backups off', () => {
    expect(backupPlan(spec({ backup: { retentionDays: 14 } }), section)?.retentionDays).toBe(14);
    expect(backupPlan(spec({ backup: { retentionDays: 0 } }), section)).toBeUndefined();
    expect(backupPlan(spec(), { ...section, enabled: false })).toBeUndefined();
  });
  it("runs daily at the start of the maintenance window, unless the config's schedule says otherwise", () => {
    const windowed = spec({ maintenance: { window: { weekday: 'Wed', starttime: '03:30' } } });
    expect(backupPlan(windowed, section)?.schedule).toBe('30 3 * * *');
    expect(backupPlan(windowed, { ...section, schedule: '15 1 * * *' })?.schedule).toBe('15 1 * * *');
  });
});

const job = (name: string, type: 'Complete' | 'Failed', at: string): k8s.V1Job => ({
  metadata: { name },
  status: { conditions: [{ type, status: 'True', lastTransitionTime: new Date(at), ...(type === 'Failed' ? { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' } : {}) }], ...(type === 'Complete' ? { completionTime: new Date(at) } : {}) },
});
const pod = (jobName: string, message: string): k8s.V1Pod => ({
  metadata: { name: `${jobName}-x`, labels: { 'job-name': jobName }, creationTimestamp: new Date() },
  status: { containerStatuses: [{ name: 'pg-dump', image: '', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, message } } }] },
});
const REPORT = '{"backup":"20261206T020000Z","sizeBytes":4096,"backups":["20261206T020000Z","20261205T020000Z"]}';

describe('backupStatus', () => {
  const plan = { schedule: '0 2 * * *', retentionDays: 7 };

  it('reports the newest successful backup from its pod\'s termination message', () => {
    const status = backupStatus(plan, [job('b-1', 'Complete', '2026-12-05T02:01:00Z'), job('b-2', 'Complete', '2026-12-06T02:01:00Z')], [pod('b-1', '{"backup":"20261205T020000Z","sizeBytes":1,"backups":[]}'), pod('b-2', REPORT)]);
    expect(status).toEqual({
      schedule: '0 2 * * *',
      retentionDays: 7,
      lastSuccessful: { name: '20261206T020000Z', time: '2026-12-06T02:01:00.000Z', sizeBytes: 4096 },
      backups: ['20261206T020000Z', '20261205T020000Z'],
    });
  });

  it('reports a failure newer than the last success, with the end of its log', () => {
    const status = backupStatus(plan, [job('b-2', 'Complete', '2026-12-06T02:01:00Z'), job('b-3', 'Failed', '2026-12-07T02:05:00Z')], [pod('b-2', REPORT), pod('b-3', 'pg_dump: error: connection to server failed\nFATAL: password authentication failed')]);
    expect(status.lastFailure).toEqual({ job: 'b-3', time: '2026-12-07T02:05:00.000Z', message: 'pg_dump: error: connection to server failed | FATAL: password authentication failed' });
    expect(status.lastSuccessful?.name).toBe('20261206T020000Z');
  });

  it('forgets a failure once a later backup succeeded; falls back to the Job\'s reason without a pod', () => {
    expect(backupStatus(plan, [job('b-3', 'Failed', '2026-12-07T02:05:00Z'), job('b-4', 'Complete', '2026-12-08T02:01:00Z')], [pod('b-4', REPORT)]).lastFailure).toBeUndefined();
    expect(backupStatus(plan, [job('b-3', 'Failed', '2026-12-07T02:05:00Z')], []).lastFailure?.message).toBe('Job has reached the specified backoff limit');
  });

  it('ignores running jobs and messages that are not a report', () => {
    expect(backupStatus(plan, [{ metadata: { name: 'b-5' }, status: { active: 1 } }, job('b-6', 'Complete', '2026-12-06T02:01:00Z')], [pod('b-6', 'not json')])).toEqual({ schedule: '0 2 * * *', retentionDays: 7 });
  });
});
