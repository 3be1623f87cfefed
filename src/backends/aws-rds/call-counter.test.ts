import { describe, expect, it } from '@jest/globals';
import { rdsOperation } from './call-counter.js';

describe('rdsOperation', () => {
  it('names the RDS API action of an SDK command', () => {
    expect(rdsOperation('DescribeDBClustersCommand')).toBe('DescribeDBClusters');
    expect(rdsOperation('ModifyDBInstanceCommand')).toBe('ModifyDBInstance');
    expect(rdsOperation(undefined)).toBe('unknown');
  });
});
