import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHelmStub, type HelmStub } from '../../../test/support/helm-stub/index.js';
import { TemporaryError } from '../errors.js';
import { HelmCli, HelmError } from './helm-cli.js';

const CHART = ['oci://registry.example.com/charts/postgresql', '--version', '17.1.0'];

describe('HelmCli against the recording helm stand-in', () => {
  let stub: HelmStub;
  let helm: HelmCli;

  beforeAll(async () => {
    stub = await createHelmStub();
    // Found on PATH like a real installation, not by an absolute path.
    helm = new HelmCli({ binary: 'helm', timeoutSeconds: 60, env: stub.env });
  });

  afterAll(async () => {
    await stub?.cleanup();
  });

  it('installs with exactly these arguments, values as JSON on stdin, no shell and no --wait', async () => {
    const values = { fullnameOverride: 'a-postgresql', image: { tag: '17' }, note: "quotes ' \" and $(not a command)" };
    await helm.upgradeInstall({ release: 'a-postgresql', namespace: 'team-a', chartArgs: CHART, values });
    const calls = await stub.calls();
    const call = calls[calls.length - 1]!;
    expect(call.args).toEqual([
      'upgrade', 'a-postgresql', 'oci://registry.example.com/charts/postgresql', '--version', '17.1.0',
      '--install', '--namespace', 'team-a', '--values', '-', '--reset-values', '--timeout', '60s',
    ]);
    expect(JSON.parse(call.stdin)).toEqual(values);
    expect(call.args).not.toContain('--wait');
  });

  it('reads the newest revision and the values back', async () => {
    const head = await helm.latestRevision('a-postgresql', 'team-a');
    expect(head).toMatchObject({ revision: 1, status: 'deployed', chart: 'postgresql-17.1.0' });
    expect(await helm.getValues('a-postgresql', 'team-a')).toEqual({ fullnameOverride: 'a-postgresql', image: { tag: '17' }, note: "quotes ' \" and $(not a command)" });
    const calls = await stub.calls();
    expect(calls.slice(-2).map((c) => c.args)).toEqual([
      ['history', 'a-postgresql', '--namespace', 'team-a', '--max', '1', '--output', 'json'],
      ['get', 'values', 'a-postgresql', '--namespace', 'team-a', '--output', 'json'],
    ]);
  });

  it('answers undefined for a release that does not exist (namespaced)', async () => {
    expect(await helm.latestRevision('a-postgresql', 'team-b')).toBeUndefined();
  });

  it('uninstalls, and takes a missing release as already gone', async () => {
    expect(await helm.uninstall('a-postgresql', 'team-a')).toBe(true);
    expect(await helm.uninstall('a-postgresql', 'team-a')).toBe(false);
    expect(await stub.release('team-a', 'a-postgresql')).toBeUndefined();
  });

  it('passes a kubeconfig when given one', async () => {
    const withConfig = new HelmCli({ binary: 'helm', timeoutSeconds: 60, env: stub.env, kubeconfig: '/etc/operator/kubeconfig' });
    await withConfig.latestRevision('x', 'ns');
    const calls = await stub.calls();
    expect(calls[calls.length - 1]!.args.slice(-2)).toEqual(['--kubeconfig', '/etc/operator/kubeconfig']);
  });

  it('reports helm failures as retryable errors with helm\'s message, secrets removed', async () => {
    await stub.fault({ command: 'upgrade', times: 1, stderr: 'Error: failed to authorize: https://robot:tok3n-secret@registry.example.com denied; password was Sup3rS3cret!' });
    const err = await helm.upgradeInstall({ release: 'b-postgresql', namespace: 'ns', chartArgs: CHART, values: {} }, ['Sup3rS3cret!']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HelmError);
    expect(err).toBeInstanceOf(TemporaryError);
    const message = (err as HelmError).message;
    expect(message).toContain('helm upgrade failed: Error: failed to authorize');
    expect(message).not.toContain('tok3n-secret');
    expect(message).not.toContain('Sup3rS3cret!');
    expect((err as HelmError).failure).toBe('failed');
  });

  it('says clearly when the helm binary is missing', async () => {
    const missing = new HelmCli({ binary: 'helm-that-does-not-exist', timeoutSeconds: 60, env: stub.env });
    const err = (await missing.latestRevision('x', 'ns').catch((e: unknown) => e)) as HelmError;
    expect(err).toBeInstanceOf(HelmError);
    expect(err.failure).toBe('missing-binary');
    expect(err.message).toMatch(/helm binary "helm-that-does-not-exist" was not found/);
  });

  it('stops a helm call that runs past the timeout', async () => {
    await stub.fault({ command: 'history', times: 1, hangMs: 60_000 });
    const quick = new HelmCli({ binary: 'helm', timeoutSeconds: 1, env: stub.env });
    const err = (await quick.latestRevision('x', 'ns').catch((e: unknown) => e)) as HelmError;
    expect(err).toBeInstanceOf(HelmError);
    expect(err.failure).toBe('timeout');
    expect(err.message).toBe('helm history did not finish within 1 s and was stopped');
  });

  it('refuses output that is not JSON, and takes helm\'s "null" as no values', async () => {
    await stub.fault({ command: 'get', times: 1, stdout: 'WARNING: something\n{"a":' });
    const err = (await helm.getValues('c', 'ns').catch((e: unknown) => e)) as HelmError;
    expect(err).toBeInstanceOf(HelmError);
    expect(err.message).toMatch(/helm get values printed something that is not JSON/);
    await stub.fault({ command: 'get', times: 1, stdout: 'null' });
    await expect(helm.getValues('c', 'ns')).resolves.toEqual({});
  });
});
