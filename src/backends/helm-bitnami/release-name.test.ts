import { describe, it, expect } from '@jest/globals';
import { HELM_RELEASE_NAME_MAX, releaseName } from './release-name.js';

const VALID = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

describe('releaseName', () => {
  it('is <name>-postgresql, as in the reference Quickstart', () => {
    expect(releaseName('default', 'demoteam')).toBe('demoteam-postgresql');
  });

  it('does not depend on the namespace when the plain name fits (Helm releases are namespaced)', () => {
    expect(releaseName('a', 'teamfoo')).toBe(releaseName('b', 'teamfoo'));
  });

  it('keeps the longest plain name that fits and shortens the next one', () => {
    const fits = 'a'.repeat(HELM_RELEASE_NAME_MAX - '-postgresql'.length);
    expect(releaseName('ns', fits)).toBe(`${fits}-postgresql`);
    const tooLong = `${fits}b`;
    const name = releaseName('ns', tooLong);
    expect(name.length).toBeLessThanOrEqual(HELM_RELEASE_NAME_MAX);
    expect(name).toMatch(VALID);
    expect(name.endsWith('-postgresql')).toBe(true);
  });

  it('gives different releases to long names that share a prefix', () => {
    const base = 'x'.repeat(60);
    expect(releaseName('ns', `${base}-one`)).not.toBe(releaseName('ns', `${base}-two`));
  });

  it('cleans names Services cannot carry (dots, a leading digit) without collisions', () => {
    const dotted = releaseName('ns', 'team.foo');
    const dashed = releaseName('ns', 'team-foo');
    expect(dashed).toBe('team-foo-postgresql');
    expect(dotted).toMatch(VALID);
    expect(dotted).not.toBe(dashed);
    expect(releaseName('ns', '1team')).toMatch(VALID);
    expect(releaseName('ns', '123')).toMatch(/^pg-[0-9a-f]{8}-postgresql$/);
  });

  it('is deterministic', () => {
    const long = 'y'.repeat(70);
    expect(releaseName('ns', long)).toBe(releaseName('ns', long));
    expect(releaseName('ns1', long)).not.toBe(releaseName('ns2', long));
  });
});
