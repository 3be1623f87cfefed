import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { ConfigError } from './errors.js';
import { resolveConfig } from './load.js';

function problemsOf(yaml: string, env: Record<string, string> = {}): ConfigError {
  try {
    resolveConfig(parse(yaml, { version: '1.1' }), env, 'test.yaml');
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

const EVERYTHING_WRONG = `
backend: mysql
allowed_backends: [statefulset, azurepostgres, helmyugabyte]
handler_on_resum: true
security:
  password_length: 8
reconcile:
  resync_seconds: 5
  backoff_base_seconds: 60
  backoff_max_seconds: 30
leader_election:
  renew_deadline_seconds: 20
log_level: loud
watch_namespaces: [Team_A]
backends:
  statefulset:
    classes:
      small: {cpu: lots, memory: 512Mi, disk: 10Gi}
      big: {memory: 8Gi}
    default_class: medium
    service_type: ExternalName
    image: {tags: {latest: "17"}}
    operator_endpoint: "{host}:5432"
  azurepostgresflexible:
    classes:
      dev: {name: Standard_B1ms, tier: Cheap}
    network: true
  aws:
    parameters: {}
  awsaurora:
    classes:
      sl: {instance_type: db.serverless, scaling_configuration: {min_capacity: 4, max_capacity: 2}}
`;

describe('validation', () => {
  it('lists every problem at once, each with its path, value and reason', () => {
    const error = problemsOf(EVERYTHING_WRONG, { HYBRIDCLOUD_BACKENDS_STATEFULSET_PVC_CLEANUP: 'maybe' });
    const byPath = Object.fromEntries(error.problems.map((p) => [p.path, p]));
    expect(Object.keys(byPath).sort()).toEqual(
      [
        'handler_on_resum',
        'backends.azurepostgresflexible.network',
        'backends.aws.parameters',
        'backends.statefulset.pvc_cleanup',
        'reconcile.resync_seconds',
        'log_level',
        'watch_namespaces[0]',
        'backends.statefulset.classes.small.cpu',
        'backends.statefulset.classes.small.disk',
        'backends.statefulset.classes.big.cpu',
        'backends.statefulset.image.tags.latest',
        'backends.statefulset.service_type',
        'backends.statefulset.operator_endpoint',
        'backends.azurepostgresflexible.classes.dev.tier',
        'backends.awsaurora.classes.sl.scaling_configuration',
        'backend',
        'allowed_backends[1]',
        'allowed_backends[2]',
        'backends.statefulset.default_class',
        'security.password_length',
        'reconcile.backoff_max_seconds',
        'leader_election.renew_deadline_seconds',
      ].sort(),
    );
    expect(byPath.handler_on_resum).toMatchObject({ value: true, reason: 'unknown option; did you mean "handler_on_resume"?' });
    expect(byPath['backends.aws.parameters']?.reason).toMatch(/^unknown option; known here: region, /);
    expect(byPath['backends.azurepostgresflexible.network']).toMatchObject({ value: true, reason: expect.stringContaining('must be a map of options (public_access, allow_azure_services)') });
    expect(byPath['backends.statefulset.pvc_cleanup']).toMatchObject({ value: 'maybe', reason: 'must be true or false (from HYBRIDCLOUD_BACKENDS_STATEFULSET_PVC_CLEANUP)' });
    expect(byPath['backends.statefulset.classes.small.cpu']).toMatchObject({ value: 'lots', reason: expect.stringContaining('CPU quantity') });
    expect(byPath['backends.statefulset.classes.small.disk']?.reason).toBe('is not a known field (known: cpu, memory)');
    expect(byPath['backends.statefulset.classes.big.cpu']?.reason).toBe('is required');
    expect(byPath['backends.statefulset.image.tags.latest']?.reason).toMatch(/^key must be a PostgreSQL major version/);
    expect(byPath['backends.statefulset.operator_endpoint']?.reason).toMatch(/unknown variable\(s\) \{host\}/);
    expect(byPath['backends.azurepostgresflexible.classes.dev.tier']).toMatchObject({ value: 'Cheap', reason: 'must be one of Burstable, GeneralPurpose, MemoryOptimized' });
    expect(byPath['backends.awsaurora.classes.sl.scaling_configuration']?.reason).toBe('min_capacity must not be greater than max_capacity');
    expect(byPath.backend).toMatchObject({ value: 'mysql', reason: expect.stringMatching(/^unknown backend "mysql"; known backends: statefulset, helmbitnami, azurepostgresflexible, awsrds, awsaurora, external$/) });
    expect(byPath['allowed_backends[1]']).toMatchObject({ value: 'azurepostgres', reason: expect.stringMatching(/not supported by this operator: Azure retired .* use azurepostgresflexible/) });
    expect(byPath['allowed_backends[2]']?.reason).toMatch(/"helmyugabyte" is not supported by this operator/);
    expect(byPath['backends.statefulset.default_class']).toMatchObject({ value: 'medium', reason: 'names no class of backends.statefulset.classes (small, big); set it to one of them, or to null' });
    expect(byPath['security.password_length']).toMatchObject({ value: 8, reason: expect.stringContaining('at least 12') });
    expect(byPath['reconcile.resync_seconds']).toMatchObject({ value: 5, reason: expect.stringContaining('at least 10') });

    // The message a user sees at start lists them all, with the source file.
    expect(error.message.split('\n')[0]).toBe(`invalid operator configuration (test.yaml): ${error.problems.length} problems`);
    expect(error.message).toContain('  - backends.azurepostgresflexible.classes.dev.tier = "Cheap": must be one of Burstable, GeneralPurpose, MemoryOptimized');
  });

  it('requires the options a backend in use needs, here or in its virtual section', () => {
    const error = problemsOf('backend: awsaurora\nallowed_backends: [azurepostgresflexible]\nbackends: {aws: {region: eu-central-1}}\n');
    expect(error.problems.map((p) => p.path)).toEqual([
      'backends.awsaurora.subnet_group',
      'backends.awsaurora.classes',
      'backends.awsaurora.default_class',
      'backends.azurepostgresflexible.subscription_id',
      'backends.azurepostgresflexible.location',
      'backends.azurepostgresflexible.resource_group',
    ]);
    expect(error.problems[0]?.reason).toBe('is required because backend awsaurora is in use (set it in backends.awsaurora or backends.aws)');
  });

  it('does not require anything of sections whose backend is not in use', () => {
    expect(() => resolveConfig(parse('backend: statefulset\nbackends: {awsrds: {classes: {}}}\n'), {})).not.toThrow();
  });

  it('accepts retired backends\' sections, only refusing to select them', () => {
    const error = problemsOf('backend: azurepostgres\nbackends: {azurepostgres: {classes: {dev: {name: B_Gen5_1, tier: Basic, family: Gen5, capacity: 1}}, default_class: dev}}\n');
    expect(error.problems.map((p) => p.path)).toEqual(['backend']);
  });

  it('checks firewall rules, zones and tags inside the azure and aws sections', () => {
    const error = problemsOf(`backends:
  azure:
    parameters: {network: {firewall_rules: [{name: office, startIp: 1.2.3.4, endIp: 1.2.3.999}]}}
    name_pattern: "{namespace}-{id}"
  azurepostgresflexible: {availability_zone: "4"}
  aws: {tags: {team: [a, b]}}
`);
    expect(error.problems.map((p) => [p.path, p.reason])).toEqual([
      ['backends.azure.name_pattern', 'uses unknown variable(s) {id}; allowed: {namespace}, {name}'],
      ['backends.azure.parameters.network.firewall_rules[0].endIp', 'must be an IPv4 address like 10.0.0.1'],
      ['backends.azurepostgresflexible.availability_zone', 'must be an availability zone: "1", "2" or "3"'],
      ['backends.aws.tags.team', 'must be a string (a number or true/false is taken as text)'],
    ]);
  });

  it('refuses a TLS renewal window as long as the certificates live, and a parameter deny-list that is no list', () => {
    const error = problemsOf('tls: {certificate_days: 30, renew_before_days: 30}\nserver_parameters: {denied: archive_command}\n');
    expect(error.problems.map((p) => p.path)).toEqual(['server_parameters.denied', 'tls.renew_before_days']);
    expect(() => resolveConfig(parse('tls: {enabled: false, certificate_days: 90, renew_before_days: 10}\n'), {})).not.toThrow();
  });

  it('refuses a CA rotation window as long as the CA lives (every new CA would be rotated at once)', () => {
    expect(problemsOf('tls: {ca_renew_before_days: 3650}\n').problems.map((p) => p.path)).toEqual(['tls.ca_renew_before_days']);
    expect(() => resolveConfig(parse('tls: {ca_renew_before_days: 3649}\n'), {})).not.toThrow();
    // Two grace periods of 30 days do not fit into the last 60.
    expect(problemsOf('tls: {ca_renew_before_days: 60, ca_rotation_grace_hours: 720}\n').problems.map((p) => p.path)).toEqual(['tls.ca_rotation_grace_hours']);
  });
});
