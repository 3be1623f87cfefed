import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { checkConfig } from './check-config.js';
import { WHOLE } from './common-formats.js';
import { loadConfig, resolveConfig } from './load.js';
import { backendSections } from './schema.js';

// The reference config has no secrets, so this file adds a section with sensitive options the
// way a backend engineer adds options to a fragment (module state is per test file under jest).
backendSections.vault = {
  password: { doc: 'A secret.', format: 'text', default: null, nullable: true, sensitive: true },
  pin: { doc: 'Another secret.', format: WHOLE, default: null, nullable: true, sensitive: true },
  url: { doc: 'Not a secret.', format: 'text', default: 'https://vault.example' },
};

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'check-config-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(yaml: string, env: Record<string, string> = {}): { code: number; out: string; file: string } {
  const file = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, yaml);
  let out = '';
  const code = checkConfig({ file, env, out: { write: (text: string) => (out += text) } });
  return { code, out, file };
}

const AWS = `backend: awsaurora
backends:
  aws: {region: eu-west-1, subnet_group: db}
  awsaurora: {classes: {s: {instance_type: db.r6g.large}}, default_class: s}
  vault: {password: s3cr3t-from-file}
`;

describe('checkConfig', () => {
  it('prints the effective config, which loads back to the same config, and returns 0', () => {
    const { code, out, file } = run(AWS);
    expect(code).toBe(0);
    expect(out.split('\n')[0]).toBe(`# Effective configuration: ${file} + HYBRIDCLOUD_ overrides + defaults`);
    const [effective, resolved] = parseAllDocuments(out).map((d) => d.toJS() as Record<string, unknown>);
    const reloaded = resolveConfig(effective, {});
    const original = loadConfig({ file, env: {} });
    expect(reloaded).toEqual({ ...original, backends: { ...original.backends, vault: { ...original.backends.vault, password: '[redacted]' } } });
    // Second document: each backend in use as it reads its section.
    expect(resolved).toEqual({ awsaurora: expect.objectContaining({ region: 'eu-west-1', subnet_group: 'db', admin_username: 'postgres' }) });
  });

  it('redacts sensitive values from the file and from env overrides, and leaves unset ones null', () => {
    const { code, out } = run(AWS, { HYBRIDCLOUD_BACKENDS_VAULT_PASSWORD: 'env-s3cr3t' });
    expect(code).toBe(0);
    expect(out).not.toMatch(/s3cr3t/);
    const vault = (parseAllDocuments(out)[0]?.toJS() as { backends: { vault: unknown } }).backends.vault;
    expect(vault).toEqual({ password: '[redacted]', pin: null, url: 'https://vault.example' });
  });

  it('prints every problem and returns 1, with sensitive values redacted there too', () => {
    const { code, out, file } = run('backend: nosql\nsecurity: {password_length: 4}\nbackends: {vault: {password: 424242}}\n', { HYBRIDCLOUD_BACKENDS_VAULT_PIN: '98765x' });
    expect(code).toBe(1);
    expect(out).not.toMatch(/424242|98765/);
    expect(out.trimEnd().split('\n')).toEqual([
      `invalid operator configuration (${file}): 4 problems`,
      '  - backends.vault.pin = "[redacted]": must be a number (from HYBRIDCLOUD_BACKENDS_VAULT_PIN)',
      '  - backends.vault.password = "[redacted]": must be a string, got a number',
      expect.stringMatching(/^ {2}- backend = "nosql": unknown backend "nosql"/),
      expect.stringMatching(/^ {2}- security\.password_length = 4: must be at least 12/),
    ]);
  });

  it('shows values of unknown keys unless their name suggests a secret', () => {
    const { code, out } = run('backends: {statefulset: {client_secret: hunter2, colour: blue}}\n');
    expect(code).toBe(1);
    expect(out).not.toContain('hunter2');
    expect(out).toContain('backends.statefulset.client_secret = "[redacted]": unknown option');
    expect(out).toContain('backends.statefulset.colour = "blue": unknown option');
  });
});
