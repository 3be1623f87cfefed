/**
 * The cloud call counter behind `/metrics` counts what really leaves the process: every attempt of
 * the AWS SDK (its own retries included) and every Resource Manager request of the Azure SDK, with
 * the API operation and the result — checked against what the emulators received.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { AwsRdsBackend } from '../../src/backends/aws-rds/index.js';
import { AzureFlexibleBackend, parseSettings } from '../../src/backends/azure-flexible/index.js';
import { startAzureEmulator, type AzureEmulator } from '../support/azure-emulator/index.js';
import { section } from '../support/azure-emulator/backend.js';
import { serverContext as azureContext } from '../support/azure-emulator/drive.js';
import { backendOptions, serverContext, spec } from '../support/rds-emulator/fixtures.js';
import { startRdsEmulator, type RdsEmulator } from '../support/rds-emulator/index.js';

type Counted = Array<[string, string]>;

describe('cloud call counter', () => {
  let rds: RdsEmulator;
  let azure: AzureEmulator;

  beforeAll(async () => {
    [rds, azure] = await Promise.all([startRdsEmulator(), startAzureEmulator()]);
  });

  afterAll(async () => {
    await Promise.all([rds?.close(), azure?.close()]);
  });

  it('counts each AWS SDK attempt, retries included, by RDS action', async () => {
    const counted: Counted = [];
    const options = backendOptions(rds, { classes: { small: { instance_type: 'db.m5.large' } }, default_class: 'small' });
    const b = new AwsRdsBackend({ ...options, clientConfig: { ...options.clientConfig, maxAttempts: 3 }, onCloudCall: (op, result) => counted.push([op, result]) });
    try {
      const ctx = serverContext(b, 'counted', spec());
      let before = rds.calls.length;
      await b.create(ctx);
      expect(counted).toEqual([['DescribeDBEngineVersions', 'success'], ['CreateDBInstance', 'success']]);
      expect(rds.calls.length - before).toBe(2);
      // RDS throttles the first Describe; the SDK tries again by itself: two calls.
      counted.length = 0;
      before = rds.calls.length;
      rds.inject({ action: 'DescribeDBInstances', code: 'Throttling', message: 'Rate exceeded', status: 400 });
      await b.observe(ctx);
      expect(counted).toEqual([['DescribeDBInstances', 'error'], ['DescribeDBInstances', 'success']]);
      expect(rds.calls.length - before).toBe(2);
    } finally {
      await b.close();
    }
  });

  it('counts each Resource Manager request by method and resource type', async () => {
    const counted: Counted = [];
    const b = new AzureFlexibleBackend({
      settings: parseSettings(section(azure)),
      log: pino({ level: 'silent' }),
      credential: azure.credential,
      httpClient: azure.httpClient,
      onCloudCall: (op, result) => counted.push([op, result]),
    });
    const before = azure.requests.length;
    await b.observe(azureContext(b, { size: { storageGB: 32 }, credentialsSecret: 's' }, { namespace: 'team-a', name: 'counted' }));
    expect(counted).toEqual([['GET flexibleServers', 'error']]);
    expect(azure.requests.length - before).toBe(1);
  });
});
