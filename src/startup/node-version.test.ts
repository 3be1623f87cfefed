import { describe, expect, it } from '@jest/globals';
import { minimumVersion, nodeVersionProblem } from './node-version.js';
import { readPackageInfo } from './package-info.js';

describe('the Node.js version check of the entry point', () => {
  const range = readPackageInfo().engines.node;

  it("reads package.json's engines range (a range it could not read would switch the check off)", () => {
    expect(minimumVersion(range)).toEqual([22, 19, 0]);
  });

  it('refuses an older Node.js in one line naming the version needed, the one running and the fix', () => {
    const problem = nodeVersionProblem({ node: '20.20.2' }, range, '/usr/bin/node');
    expect(problem).toBe(
      'hybrid-cloud-postgresql-operator needs Node.js >=22.19, but this is Node.js 20.20.2 (/usr/bin/node): put a newer node first on PATH (in a clone of the project: PATH="$(scripts/node.sh):$PATH" brings Node 24)',
    );
    expect(problem).not.toContain('\n');
    expect(nodeVersionProblem({ node: '22.18.9' }, range)).toContain('this is Node.js 22.18.9:');
    expect(nodeVersionProblem({ node: '18.0.0' }, range)).toBeDefined();
  });

  it('accepts the minimum and anything newer, minor and patch compared as numbers', () => {
    for (const node of ['22.19.0', '22.19.1', '22.100.0', '23.0.0', '24.21.0', 'v24.0.0']) expect(nodeVersionProblem({ node }, range)).toBeUndefined();
  });

  it('understands >=X, >=X.Y and >=X.Y.Z, and leaves other ranges alone', () => {
    expect(minimumVersion('>=22')).toEqual([22, 0, 0]);
    expect(minimumVersion(' >= 22.19.3 ')).toEqual([22, 19, 3]);
    expect(nodeVersionProblem({ node: '22.19.2' }, '>=22.19.3')).toBeDefined();
    expect(minimumVersion('^22.19 || >=24')).toBeUndefined();
    expect(nodeVersionProblem({ node: '10.0.0' }, '^22')).toBeUndefined();
  });
});
