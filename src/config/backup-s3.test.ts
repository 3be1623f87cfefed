import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { ConfigError } from './errors.js';
import { resolveConfig } from './load.js';
import { checkBackupUploader } from '../startup/backup-uploader.js';
import { StartupError } from '../startup/startup-error.js';

/** `backends.<in-cluster>.backup.s3` (ADR 0023): what the config refuses, each with its reason. */
function problems(yaml: string, env: Record<string, string> = {}): Record<string, string> {
  try {
    resolveConfig(parse(yaml), env, 'test.yaml');
    return {};
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return Object.fromEntries(e.problems.map((p) => [p.path, p.reason]));
  }
}

describe('backup.s3 config', () => {
  it('defaults to the volume claim (no bucket) and loads a full S3 section', () => {
    const config = resolveConfig(parse('backends: {statefulset: {backup: {s3: {bucket: team-backups, endpoint: "https://minio.storage.svc:9000", force_path_style: true, credentials_secret: backup-s3}}}}'), {}, 'test.yaml');
    expect((config.backends.statefulset as { backup: { s3: unknown } }).backup.s3).toEqual({
      bucket: 'team-backups',
      endpoint: 'https://minio.storage.svc:9000',
      region: 'us-east-1',
      prefix: '{namespace}/{name}/',
      force_path_style: true,
      credentials_secret: 'backup-s3',
      uploader_image: '',
    });
    expect((resolveConfig({}, {}, 'test.yaml').backends.statefulset as { backup: { s3: { bucket: string } } }).backup.s3.bucket).toBe('');
  });

  it('needs the credentials Secret name with a bucket', () => {
    expect(problems('backends: {statefulset: {backup: {s3: {bucket: team-backups}}}}')['backends.statefulset.backup.s3.credentials_secret']).toMatch(/must name the Secret/);
  });

  it('takes a bucket for helmbitnami too (the operator\'s own CronJob, not the chart\'s), with its credentials Secret', () => {
    expect(problems('backend: helmbitnami\nbackends: {helmbitnami: {backup: {s3: {bucket: team-backups, credentials_secret: s}}}}')).toEqual({});
    expect(problems('backend: helmbitnami\nbackends: {helmbitnami: {backup: {s3: {bucket: team-backups}}}}')['backends.helmbitnami.backup.s3.credentials_secret']).toMatch(/must name the Secret/);
  });

  it('refuses a prefix that does not tell servers apart, an endpoint without a scheme, a bad bucket name', () => {
    const found = problems('backends: {statefulset: {backup: {s3: {bucket: Team_Backups, endpoint: "minio:9000", prefix: "backups/{name}/", credentials_secret: s}}}}');
    expect(found['backends.statefulset.backup.s3.prefix']).toMatch(/must contain \{namespace\} and \{name\}/);
    expect(found['backends.statefulset.backup.s3.endpoint']).toMatch(/https:\/\//);
    expect(found['backends.statefulset.backup.s3.bucket']).toMatch(/S3 bucket name/);
  });

  it('refuses a prefix that joins {namespace} and {name} without a "/" (team-a + db and team + a-db would share it)', () => {
    for (const prefix of ['{namespace}-{name}/', 'backups/{name}.{namespace}/', '{namespace}{name}/']) {
      expect(problems(`backends: {statefulset: {backup: {s3: {bucket: team-backups, prefix: "${prefix}", credentials_secret: s}}}}`)['backends.statefulset.backup.s3.prefix']).toMatch(/separate \{namespace\} and \{name\} by a "\/"/);
    }
    for (const prefix of ['{namespace}/{name}/', 'backups/{name}/{namespace}/', 'pg/{namespace}/db-{name}/']) {
      expect(problems(`backends: {statefulset: {backup: {s3: {bucket: team-backups, prefix: "${prefix}", credentials_secret: s}}}}`)).toEqual({});
    }
  });

  it('takes every key from HYBRIDCLOUD_ variables too', () => {
    const config = resolveConfig({}, { HYBRIDCLOUD_BACKENDS_STATEFULSET_BACKUP_S3_BUCKET: 'env-bucket', HYBRIDCLOUD_BACKENDS_STATEFULSET_BACKUP_S3_CREDENTIALS_SECRET: 'env-secret' }, 'test.yaml');
    expect((config.backends.statefulset as { backup: { s3: { bucket: string } } }).backup.s3.bucket).toBe('env-bucket');
  });

  it('refuses to start with a bucket but no image for the uploader (neither uploader_image nor OPERATOR_IMAGE)', () => {
    const config = resolveConfig(parse('backends: {statefulset: {backup: {s3: {bucket: team-backups, credentials_secret: s}}}}'), {}, 'test.yaml');
    expect(() => checkBackupUploader(config, {})).toThrow(StartupError);
    expect(() => checkBackupUploader(config, { OPERATOR_IMAGE: 'registry.example/operator:1' })).not.toThrow();
    expect(() => checkBackupUploader(resolveConfig({}, {}, 'test.yaml'), {})).not.toThrow();
    const helm = resolveConfig(parse('backend: helmbitnami\nbackends: {helmbitnami: {backup: {s3: {bucket: team-backups, credentials_secret: s}}}}'), {}, 'test.yaml');
    expect(() => checkBackupUploader(helm, {})).toThrow(/backends\.helmbitnami\.backup\.s3\.uploader_image/);
  });
});
