import { describe, expect, it } from '@jest/globals';
import type { ServerSpec } from '../../api/types.js';
import type { ExternalSection } from '../../config/sections/external.js';
import { refProblems } from './index.js';

const section: ExternalSection = {
  servers: { central: { host: 'pg.example.com', admin_secret: 'central-admin', namespaces: ['platform'] }, open: { host: 'pg2.example.com', admin_secret: 'open-admin' } },
  secrets_namespace: 'ops',
  allowed_extensions: [],
  database_delete_fake: true,
};
const spec = (external?: ServerSpec['external']): ServerSpec => ({ backend: 'external', external, size: { storageGB: 1 }, credentialsSecret: 'creds' });

describe('external: spec.external checks', () => {
  it('accepts an admin Secret, or a declared server offered to the namespace', () => {
    expect(refProblems(spec({ adminSecretRef: { name: 'admin' } }), 'team-a', section)).toEqual([]);
    expect(refProblems(spec({ server: 'central' }), 'platform', section)).toEqual([]);
    expect(refProblems(spec({ server: 'open' }), 'anywhere', section)).toEqual([]);
  });

  it.each([
    ['no spec.external', spec(), 'InvalidSpec', /needs spec.external.adminSecretRef or spec.external.server/],
    ['both', spec({ adminSecretRef: { name: 'a' }, server: 'central' }), 'InvalidSpec', /either adminSecretRef or server, not both/],
    ['an unknown server', spec({ server: 'nope' }), 'InvalidSpec', /no server "nope" is declared in the operator config; known: central, open/],
    ['a server not offered to the namespace', spec({ server: 'central' }), 'NotPermitted', /server "central" is not offered to namespace team-a/],
  ])('refuses %s', (_what, given, reason, message) => {
    const [problem] = refProblems(given, 'team-a', section);
    expect(problem?.reason).toBe(reason);
    expect(problem?.message).toMatch(message);
  });
});
