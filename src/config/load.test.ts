import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { backendSection } from './backend-section.js';
import { isPlainObject } from './checks.js';
import { ConfigError } from './errors.js';
import { getPath } from './fragment.js';
import { configFilePath, loadConfig, resolveConfig } from './load.js';
import type { AwsRdsSection } from './sections/aws.js';
import type { AzureFlexibleSection } from './sections/azure.js';
import type { StatefulSetSection } from './sections/statefulset.js';

const REFERENCE = 'test/fixtures/reference-config.yaml';

/** The reference operator's minimal AWS config, verbatim. */
const MINIMAL_AWS = `handler_on_resume: false
backend: awsrds
allowed_backends: 
  - awsrds
backends:
  awsrds:
    name_pattern: "{namespace}-{name}"
    region: eu-central-1
    availability_zone: "eu-central-1c"
    subnet_group: "<db-subnet-group>" # You must create it
    vpc_security_group_ids: ["<security-group-id>"] # You must create it
    network:
      public_access: true
    classes:
      small:
        instance_type: db.m5.large
    default_class: small
`;

/** Every leaf of a parsed YAML tree, as [dotted path, value] (a map value of an unknown-to-us map counts as leaves too). */
function leaves(tree: unknown, prefix = ''): [string, unknown][] {
  if (!isPlainObject(tree)) return [[prefix, tree]];
  return Object.entries(tree).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k));
}

function problemsOf(run: () => unknown): ConfigError['problems'] {
  try {
    run();
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'config-load-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeConfig(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('loadConfig', () => {
  it('loads the reference complete config unchanged: every value in the file is the value in the config', () => {
    const raw = parse(readFileSync(REFERENCE, 'utf8')) as unknown;
    const config = loadConfig({ file: REFERENCE, env: {} });
    const fileLeaves = leaves(raw);
    expect(fileLeaves.length).toBeGreaterThan(70);
    for (const [path, value] of fileLeaves) expect([path, getPath(config, path)]).toEqual([path, value]);
    expect(config.backend).toBe('helmbitnami');
    expect(config.backends.azure?.subscription_id).toBe('1-2-3-4-5');
    expect(config.backends.aws?.subnet_group).toBeNull();
  });

  it('loads the reference minimal AWS config, and awsrds reads it with the aws defaults', () => {
    const config = resolveConfig(parse(MINIMAL_AWS), {}, 'minimal');
    expect(config.allowed_backends).toEqual(['awsrds']);
    const rds = backendSection<AwsRdsSection>(config, 'awsrds');
    expect(rds).toMatchObject({
      region: 'eu-central-1',
      availability_zone: 'eu-central-1c',
      subnet_group: '<db-subnet-group>',
      vpc_security_group_ids: ['<security-group-id>'],
      network: { public_access: true },
      classes: { small: { instance_type: 'db.m5.large' } },
      default_class: 'small',
      admin_username: 'postgres',
      deletion_protection: false,
      tags: {},
    });
  });

  it('fills every option with its default when the file is empty', () => {
    const config = loadConfig({ file: writeConfig('empty.yaml', ''), env: {} });
    expect(config).toMatchObject({
      handler_on_resume: false,
      backend: 'statefulset',
      allowed_backends: [],
      security: { password_length: 16 },
      reconcile: { resync_seconds: 300, concurrency: 10, backoff_base_seconds: 2, backoff_max_seconds: 300, drift_check_seconds: 30 },
      watch_namespaces: [],
      log_level: 'info',
    });
    const sts = backendSection<StatefulSetSection>(config, 'statefulset');
    expect(sts.image).toEqual({ repository: 'docker.io/library/postgres', tags: { '13': '13', '14': '14', '15': '15', '16': '16', '17': '17' } });
    expect(sts).toMatchObject({ service_type: 'ClusterIP', pvc_cleanup: false, admin_username: 'postgres', operator_endpoint: '', database_delete_fake: false, storage_class: '' });
    expect(sts.allowed_extensions).toEqual(expect.arrayContaining(['pg_trgm', 'uuid-ossp', 'ltree']));
  });

  it('replaces a map option whole instead of merging it with the default map', () => {
    const config = resolveConfig(parse('backends: {statefulset: {classes: {tiny: {cpu: 100m, memory: 128Mi}}, default_class: tiny}}'), {});
    expect(config.backends.statefulset?.classes).toEqual({ tiny: { cpu: '100m', memory: '128Mi' } });
  });

  it('normalises unquoted YAML numbers where the option holds text (image tags, zones, cpu)', () => {
    const yaml = `backends:
  statefulset: {image: {tags: {16: 16, 17: 17.2}}, classes: {one: {cpu: 1, memory: 1Gi}}, default_class: one}
  azurepostgresflexible: {availability_zone: 3}
`;
    const config = resolveConfig(parse(yaml, { version: '1.1' }), {});
    expect(config.backends.statefulset?.image).toEqual({ repository: 'docker.io/library/postgres', tags: { '16': '16', '17': '17.2' } });
    expect(config.backends.statefulset?.classes).toEqual({ one: { cpu: '1', memory: '1Gi' } });
    expect(backendSection<AzureFlexibleSection>(config, 'azurepostgresflexible').availability_zone).toBe('3');
  });

  it('reads YAML 1.1 like the Python operator did (yes is true)', () => {
    const config = loadConfig({ file: writeConfig('yaml11.yaml', 'handler_on_resume: yes\nbackends:\n  statefulset:\n    pvc_cleanup: on\n'), env: {} });
    expect(config.handler_on_resume).toBe(true);
    expect(config.backends.statefulset?.pvc_cleanup).toBe(true);
  });

  it('accepts the older dns_zone shape (the zone name alone)', () => {
    const config = resolveConfig(parse('backends: {azurepostgresflexible: {dns_zone: my.postgres.database.azure.com}}'), {});
    expect(backendSection<AzureFlexibleSection>(config, 'azurepostgresflexible').dns_zone).toEqual({ name: 'my.postgres.database.azure.com', resource_group: null });
  });

  it('takes the file from --config, else OPERATOR_CONFIG, else config.yaml', () => {
    expect(configFilePath({ file: 'a.yaml', env: { OPERATOR_CONFIG: 'b.yaml' } })).toBe('a.yaml');
    expect(configFilePath({ env: { OPERATOR_CONFIG: 'b.yaml' } })).toBe('b.yaml');
    expect(configFilePath({ env: {} })).toBe('config.yaml');
    const file = writeConfig('from-env.yaml', 'log_level: debug\n');
    expect(loadConfig({ env: { OPERATOR_CONFIG: file } }).log_level).toBe('debug');
  });

  it('reports a missing file, broken YAML and duplicate keys as ConfigErrors naming the file', () => {
    const missing = join(dir, 'nope.yaml');
    expect(problemsOf(() => loadConfig({ file: missing, env: {} }))).toEqual([{ path: missing, value: undefined, reason: expect.stringContaining('not found') }]);
    const broken = writeConfig('broken.yaml', 'backend: [statefulset\n');
    expect(problemsOf(() => loadConfig({ file: broken, env: {} }))[0]).toMatchObject({ path: broken, reason: expect.stringMatching(/^YAML: /) });
    const twice = writeConfig('twice.yaml', 'backend: awsrds\nbackend: statefulset\n');
    expect(problemsOf(() => loadConfig({ file: twice, env: {} }))[0]?.reason).toMatch(/unique/i);
  });

  it('refuses a file that is not a map of options', () => {
    expect(problemsOf(() => resolveConfig(['backend'], {}))).toEqual([{ path: '(file)', value: undefined, reason: expect.stringContaining('found a list') }]);
  });
});
