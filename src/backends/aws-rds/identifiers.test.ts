import { describe, expect, it } from '@jest/globals';
import { compactTimestamp, finalSnapshotIdentifier, identifierProblem, serverIdentifier, writerIdentifier } from './identifiers.js';

describe('RDS identifiers', () => {
  it('renders the name pattern in lowercase, with per-server overrides winning', () => {
    const naming = { name_pattern: 'pg-{namespace}-{name}', name_overrides: [{ namespace: 'legacy', name: 'old', aws_identifier: 'Adopted-DB' }] };
    expect(serverIdentifier(naming, { namespace: 'Team', name: 'Orders' })).toBe('pg-team-orders');
    expect(serverIdentifier(naming, { namespace: 'legacy', name: 'old' })).toBe('adopted-db');
    expect(writerIdentifier('pg-team-orders')).toBe('pg-team-orders-primary');
  });

  it.each([
    ['a', undefined],
    ['team-orders-1', undefined],
    ['', 'is empty'],
    ['1db', 'must start with a letter'],
    ['team_orders', 'may only contain letters, digits and hyphens'],
    ['team--orders', 'must not contain two consecutive hyphens'],
    ['orders-', 'must not end with a hyphen'],
    ['x'.repeat(64), 'is 64 characters long; at most 63 are allowed'],
  ])('judges %j', (id, problem) => {
    expect(identifierProblem(id)).toBe(problem);
  });

  it('names final snapshots <identifier>-final-<yyyymmddhhmmss> in UTC', () => {
    const at = new Date('2026-03-04T05:06:07.890Z');
    expect(compactTimestamp(at)).toBe('20260304050607');
    const id = finalSnapshotIdentifier('default-orders', at);
    expect(id).toBe('default-orders-final-20260304050607');
    expect(identifierProblem(id, 255)).toBeUndefined();
    const longest = finalSnapshotIdentifier(`a${'b'.repeat(62)}`, at);
    expect(longest.length).toBeLessThanOrEqual(255);
    expect(identifierProblem(longest, 255)).toBeUndefined();
  });
});
