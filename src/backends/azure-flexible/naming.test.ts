import { describe, it, expect } from '@jest/globals';
import { serverName, serverNameProblem } from './naming.js';

describe('serverName', () => {
  it('renders the pattern', () => {
    expect(serverName({ namespace: 'team-a', name: 'orders' }, 'pg-{namespace}-{name}', [])).toBe('pg-team-a-orders');
  });

  it('uses an override to adopt an existing server', () => {
    const overrides = [{ namespace: 'team-a', name: 'orders', azure_name: 'legacy-orders-db' }];
    expect(serverName({ namespace: 'team-a', name: 'orders' }, '{namespace}-{name}', overrides)).toBe('legacy-orders-db');
    expect(serverName({ namespace: 'team-b', name: 'orders' }, '{namespace}-{name}', overrides)).toBe('team-b-orders');
  });
});

describe('serverNameProblem', () => {
  it('accepts valid names and explains invalid ones', () => {
    expect(serverNameProblem('pg-team-a-orders')).toBeUndefined();
    expect(serverNameProblem('ab')).toMatch(/3 to 63/);
    expect(serverNameProblem('x'.repeat(64))).toMatch(/3 to 63/);
    expect(serverNameProblem('Team_A')).toMatch(/lower-case/);
    expect(serverNameProblem('-abc')).toMatch(/hyphen/);
  });
});
