import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { backendSection } from './backend-section.js';
import { ConfigError } from './errors.js';
import { listOptions } from './fragment.js';
import { resolveConfig } from './load.js';
import { envName, envTable, schema } from './schema.js';
import type { AzureFlexibleSection } from './sections/azure.js';

const FILE = parse(`
handler_on_resume: true
backend: statefulset
security: {password_length: 16}
backends:
  azure: {subscription_id: from-file, location: westeurope, resource_group: rg}
  aws: {network: {public_access: false}}
`) as unknown;

function problemsOf(env: Record<string, string>): ConfigError['problems'] {
  try {
    resolveConfig(FILE, env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('HYBRIDCLOUD_ overrides', () => {
  it('override the file with real types: false is false, numbers are numbers, lists and maps are JSON', () => {
    const config = resolveConfig(FILE, {
      HYBRIDCLOUD_HANDLER_ON_RESUME: 'false',
      HYBRIDCLOUD_SECURITY_PASSWORD_LENGTH: '32',
      HYBRIDCLOUD_ALLOWED_BACKENDS: '["awsrds", "statefulset"]',
      HYBRIDCLOUD_BACKENDS_AWSRDS_REGION: 'eu-west-1',
      HYBRIDCLOUD_BACKENDS_AWS_SUBNET_GROUP: 'db-subnets',
      HYBRIDCLOUD_BACKENDS_AWSRDS_CLASSES: '{"small": {"instance_type": "db.t4g.micro", "storage_type": "gp3"}}',
      HYBRIDCLOUD_BACKENDS_AWSRDS_DEFAULT_CLASS: 'small',
    });
    expect(config.handler_on_resume).toBe(false);
    expect(config.security.password_length).toBe(32);
    expect(config.allowed_backends).toEqual(['awsrds', 'statefulset']);
    expect(config.backends.awsrds?.classes).toEqual({ small: { instance_type: 'db.t4g.micro', storage_type: 'gp3' } });
    expect(config.backends.awsrds?.region).toBe('eu-west-1');
  });

  it('find paths whose segments contain underscores themselves', () => {
    const config = resolveConfig(FILE, {
      HYBRIDCLOUD_BACKENDS_AZURE_SUBSCRIPTION_ID: 'from-env',
      HYBRIDCLOUD_BACKENDS_AZUREPOSTGRESFLEXIBLE_NETWORK_PUBLIC_ACCESS: 'False',
      HYBRIDCLOUD_BACKENDS_AZURE_PARAMETERS_BACKUP_RETENTION_DAYS: '14',
      HYBRIDCLOUD_BACKENDS_STATEFULSET_IMAGE_TAGS: '{"16": "16.4", "17": "17.2"}',
    });
    const flexible = backendSection<AzureFlexibleSection>(config, 'azurepostgresflexible');
    expect(flexible.subscription_id).toBe('from-env');
    expect(flexible.network.public_access).toBe(false);
    expect(flexible.parameters.backup_retention_days).toBe(14);
    expect(config.backends.statefulset?.image).toMatchObject({ tags: { '16': '16.4', '17': '17.2' } });
  });

  it('set a nullable option back to null with "null", and ignore empty values as the reference did', () => {
    const config = resolveConfig(FILE, { HYBRIDCLOUD_BACKENDS_STATEFULSET_DEFAULT_CLASS: 'null', HYBRIDCLOUD_BACKEND: '' });
    expect(config.backends.statefulset?.default_class).toBeNull();
    expect(config.backend).toBe('statefulset');
  });

  it('report unreadable values and unknown names, naming the variable', () => {
    const problems = problemsOf({
      HYBRIDCLOUD_HANDLER_ON_RESUME: 'nope',
      HYBRIDCLOUD_SECURITY_PASSWORD_LENGTH: 'twelve',
      HYBRIDCLOUD_ALLOWED_BACKENDS: 'awsrds,statefulset',
      HYBRIDCLOUD_BACKENDS_AZURE_SUBSCRIPTIONID: 'x',
      HYBRIDCLOUD_WATCH_NAMESPACES: '{"a": 1}',
      NOT_OURS: 'ignored',
    });
    expect(problems).toEqual([
      { path: 'allowed_backends', value: 'awsrds,statefulset', reason: expect.stringMatching(/must be JSON, e\.g\. '\["a","b"\]'.*\(from HYBRIDCLOUD_ALLOWED_BACKENDS\)$/) },
      { path: 'HYBRIDCLOUD_BACKENDS_AZURE_SUBSCRIPTIONID', value: undefined, reason: 'this environment variable names no config option' },
      { path: 'handler_on_resume', value: 'nope', reason: 'must be true or false (from HYBRIDCLOUD_HANDLER_ON_RESUME)' },
      { path: 'security.password_length', value: 'twelve', reason: 'must be a number (from HYBRIDCLOUD_SECURITY_PASSWORD_LENGTH)' },
      { path: 'watch_namespaces', value: { a: 1 }, reason: 'must be a list, got a map (from HYBRIDCLOUD_WATCH_NAMESPACES)' },
    ]);
  });

  it('have one distinct variable name per option, built from the option path', () => {
    const table = envTable(schema);
    expect(table.size).toBe(listOptions(schema).length);
    expect(table.get('HYBRIDCLOUD_ALLOWED_BACKENDS')?.path).toBe('allowed_backends');
    expect(table.get('HYBRIDCLOUD_BACKENDS_AZURE_SUBSCRIPTION_ID')?.path).toBe('backends.azure.subscription_id');
    expect(envName('backends.aws.network.public_access')).toBe('HYBRIDCLOUD_BACKENDS_AWS_NETWORK_PUBLIC_ACCESS');
    expect(() => envTable({ a_b: { c: { doc: 'x', format: 'text', default: '' } }, a: { b_c: { doc: 'y', format: 'text', default: '' } } })).toThrow(/share the env name HYBRIDCLOUD_A_B_C/);
  });
});
