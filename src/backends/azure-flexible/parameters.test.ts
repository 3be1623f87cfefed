import { describe, it, expect } from '@jest/globals';
import { desiredParameters, planParameters, preloadNeeded, type ActualParameter } from './parameters.js';

const p = (value: string, extra: Partial<ActualParameter> = {}): ActualParameter => ({ value, isReadOnly: false, isConfigPendingRestart: false, ...extra });

describe('desiredParameters', () => {
  it('stringifies values and derives azure.extensions from the spec', () => {
    expect(desiredParameters({ max_connections: 200, work_mem: '64MB' }, ['PG_TRGM', 'timescaledb', 'pg_trgm'])).toEqual({
      max_connections: '200',
      work_mem: '64MB',
      'azure.extensions': 'pg_trgm,timescaledb',
    });
  });

  it('manages nothing the spec does not name', () => {
    expect(desiredParameters(undefined, undefined)).toEqual({});
  });
});

describe('planParameters', () => {
  const actual = new Map<string, ActualParameter>([
    ['work_mem', p('4096')],
    ['max_connections', p('50')],
    ['log_connections', p('on')],
    ['azure.extensions', p('PG_TRGM')],
    ['shared_preload_libraries', p('pg_cron,pg_stat_statements')],
    ['server_version', p('16.4', { isReadOnly: true })],
  ]);

  it('writes what differs and nothing that matches (case, list order)', () => {
    const plan = planParameters({ work_mem: '8192', log_connections: 'ON', 'azure.extensions': 'pg_trgm' }, [], actual, {});
    expect(plan.put).toEqual([{ name: 'work_mem', value: '8192', current: '4096' }]);
  });

  it('adds preload libraries without dropping the present ones', () => {
    const plan = planParameters({}, ['timescaledb'], actual, {});
    expect(plan.put).toEqual([{ name: 'shared_preload_libraries', value: 'pg_cron,pg_stat_statements,timescaledb', current: 'pg_cron,pg_stat_statements' }]);
    expect(planParameters({}, ['pg_cron'], actual, {}).put).toEqual([]);
  });

  it('accepts the form Azure stored a value in once it has been written', () => {
    const stored = new Map([['work_mem', p('65536')]]);
    expect(planParameters({ work_mem: '64MB' }, [], stored, { work_mem: { spec: '64MB', azure: '65536' } }).put).toEqual([]);
    expect(planParameters({ work_mem: '32MB' }, [], stored, { work_mem: { spec: '64MB', azure: '65536' } }).put).toEqual([{ name: 'work_mem', value: '32MB', current: '65536' }]);
  });

  it('reports unknown and read-only parameters instead of writing them', () => {
    const plan = planParameters({ no_such: '1', server_version: '17' }, [], actual, {});
    expect(plan.put).toEqual([]);
    expect(plan.unknown).toEqual(['no_such']);
    expect(plan.readOnly).toEqual(['server_version']);
  });

  it('lists managed parameters that wait for a restart', () => {
    const pending = new Map([['max_connections', p('200', { isConfigPendingRestart: true })], ['work_mem', p('1', { isConfigPendingRestart: true })]]);
    expect(planParameters({ max_connections: '200' }, [], pending, {}).pendingRestart).toEqual(['max_connections']);
  });
});

describe('preloadNeeded', () => {
  it('keeps only extensions that must be preloaded', () => {
    expect(preloadNeeded(['pg_trgm', 'TimescaleDB', 'pg_cron'])).toEqual(['pg_cron', 'timescaledb']);
  });
});
