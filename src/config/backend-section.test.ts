import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { backendSection, backendsInUse } from './backend-section.js';
import { resolveConfig } from './load.js';
import type { AwsAuroraSection, AwsRdsSection } from './sections/aws.js';
import type { AzureFlexibleSection } from './sections/azure.js';
import type { HelmBitnamiSection } from './sections/helmbitnami.js';
import type { StatefulSetSection } from './sections/statefulset.js';
import type { OperatorConfig } from './types.js';

const load = (yaml: string): OperatorConfig => resolveConfig(parse(yaml), {});

const AWS = `
backend: awsaurora
backends:
  aws:
    region: eu-west-1
    subnet_group: shared-subnets
    vpc_security_group_ids: [sg-1]
    network: {public_access: true}
    tags: {team: "{namespace}", cost: platform}
  awsrds:
    region: eu-central-1
    tags: {rds: "yes"}
    classes: {small: {instance_type: db.m5.large}}
    default_class: small
  awsaurora:
    deletion_protection: true
    classes: {sl: {instance_type: db.serverless, scaling_configuration: {min_capacity: 0.5, max_capacity: 2}}}
    default_class: sl
`;

describe('backendSection', () => {
  it('gives awsaurora the region of awsrds, then of aws, when it sets none (as the Python operator read it)', () => {
    const aurora = backendSection<AwsAuroraSection>(load(AWS), 'awsaurora');
    // hybridcloud/util/aws.py: one RDS client for both backends, region from awsrds, then aws.
    expect(aurora.region).toBe('eu-central-1');
    const withoutRds = load(AWS.replace('    region: eu-central-1\n', ''));
    expect(backendSection<AwsAuroraSection>(withoutRds, 'awsaurora').region).toBe('eu-west-1');
    const ownRegion = load(AWS.replace('    deletion_protection: true', '    region: us-east-2\n    deletion_protection: true'));
    expect(backendSection<AwsAuroraSection>(ownRegion, 'awsaurora').region).toBe('us-east-2');
    // Only awsrds names a region: awsaurora is complete (no "region is required" at start).
    const rdsOnly = load(AWS.replace('    region: eu-west-1\n', ''));
    expect(backendSection<AwsAuroraSection>(rdsOnly, 'awsaurora').region).toBe('eu-central-1');
    expect(aurora.subnet_group).toBe('shared-subnets');
    expect(aurora.vpc_security_group_ids).toEqual(['sg-1']);
    expect(aurora.deletion_protection).toBe(true);
    expect(aurora.classes).toEqual({ sl: { instance_type: 'db.serverless', scaling_configuration: { min_capacity: 0.5, max_capacity: 2 } } });
  });

  it('prefers the concrete section key by key, and takes map options whole', () => {
    const rds = backendSection<AwsRdsSection>(load(AWS), 'awsrds');
    expect(rds.region).toBe('eu-central-1');
    expect(rds.subnet_group).toBe('shared-subnets');
    expect(rds.tags).toEqual({ rds: 'yes' });
    expect(rds.network).toEqual({ public_access: true });
  });

  it('merges nested groups key by key, then applies the hard defaults', () => {
    const config = load(`
backend: statefulset
backends:
  azure:
    subscription_id: 00000000-0000-0000-0000-000000000000
    network: {allow_azure_services: true}
    parameters: {backup_retention_days: 14}
  azurepostgresflexible:
    network: {public_access: false}
    parameters: {network: {firewall_rules: [{name: office, startIp: 10.0.0.1, endIp: 10.0.0.9}]}}
    admin_username: pgadmin
`);
    const flexible = backendSection<AzureFlexibleSection>(config, 'azurepostgresflexible');
    expect(flexible.network).toEqual({ public_access: false, allow_azure_services: true });
    expect(flexible.parameters).toEqual({
      geo_redundant_backup: false,
      backup_retention_days: 14,
      network: { firewall_rules: [{ name: 'office', startIp: '10.0.0.1', endIp: '10.0.0.9' }] },
    });
    expect(flexible).toMatchObject({
      subscription_id: '00000000-0000-0000-0000-000000000000',
      admin_username: 'pgadmin',
      name_pattern: '{namespace}-{name}',
      tags: {},
      virtual_network: null,
      availability_zone: '1',
      standby_availability_zone: '2',
      dns_zone: { name: null, resource_group: null },
      database_delete_fake: false,
      cpu_limit: null,
    });
  });

  it('falls back to the schema defaults when neither section sets a value', () => {
    const handBuilt = { backends: { azure: { admin_username: null }, azurepostgresflexible: { name_pattern: null } } } as unknown as OperatorConfig;
    const flexible = backendSection<AzureFlexibleSection>(handBuilt, 'azurepostgresflexible');
    expect(flexible.admin_username).toBe('postgres');
    expect(flexible.name_pattern).toBe('{namespace}-{name}');
  });

  it('works on a hand-built partial config (tests of other modules build them)', () => {
    const partial = { backend: 'helmbitnami', allowed_backends: [], backends: { helmbitnami: { classes: { s: { cpu: '1', memory: '1Gi' } } } } } as unknown as OperatorConfig;
    const helm = backendSection<HelmBitnamiSection>(partial, 'helmbitnami');
    expect(helm).toMatchObject({ classes: { s: { cpu: '1', memory: '1Gi' } }, admin_username: 'postgres', pvc_cleanup: false, storage_class: '' });
    const sts = backendSection<StatefulSetSection>(partial, 'statefulset');
    expect(sts.image.repository).toBe('docker.io/library/postgres');
    expect(sts.default_class).toBe('small');
  });

  it('returns a copy: changing it does not change the config', () => {
    const config = load(AWS);
    const aurora = backendSection<AwsAuroraSection>(config, 'awsaurora');
    aurora.vpc_security_group_ids.push('sg-evil');
    aurora.classes.sl!.instance_type = 'db.x2g.16xlarge';
    expect(backendSection<AwsAuroraSection>(config, 'awsaurora').vpc_security_group_ids).toEqual(['sg-1']);
    expect(config.backends.awsaurora?.classes).toEqual({ sl: { instance_type: 'db.serverless', scaling_configuration: { min_capacity: 0.5, max_capacity: 2 } } });
  });

  it('refuses a section the schema does not know', () => {
    expect(() => backendSection(load(''), 'mysql')).toThrow(/no config section backends\.mysql/);
  });
});

describe('backendsInUse', () => {
  it('is the default backend plus the allowed ones, known names only, without repeats', () => {
    expect(backendsInUse({ backend: 'awsrds', allowed_backends: ['statefulset', 'awsrds', 'mysql'] } as unknown as OperatorConfig)).toEqual(['awsrds', 'statefulset']);
  });
});
