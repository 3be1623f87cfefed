import { describe, it, expect } from '@jest/globals';
import { pino } from 'pino';
import { resolveConfig } from '../../config/load.js';
import type { KubeClients } from '../../k8s/clients.js';
import { createAzureFlexibleBackend } from './index.js';

const raw = {
  backend: 'azurepostgresflexible',
  allowed_backends: ['azurepostgresflexible'],
  backends: {
    azure: {
      subscription_id: '11111111-2222-3333-4444-555555555555',
      location: 'westeurope',
      resource_group: 'rg-shared',
      tags: { owner: '{namespace}' },
      network: { public_access: true, allow_azure_services: true },
      parameters: { backup_retention_days: 10 },
    },
    azurepostgresflexible: {
      resource_group: 'rg-flexible',
      network: { allow_azure_services: false },
      classes: { dev: { name: 'Standard_B1ms', tier: 'Burstable' } },
      default_class: 'dev',
    },
  },
};

describe('createAzureFlexibleBackend', () => {
  it('reads its section through the config, the azure section filling in key by key', async () => {
    const config = resolveConfig(raw, { HYBRIDCLOUD_BACKENDS_AZUREPOSTGRESFLEXIBLE_RESTART_POLICY: 'on_request' });
    const backend = await createAzureFlexibleBackend({ config, kube: {} as KubeClients, log: pino({ level: 'silent' }) });
    expect(backend.name).toBe('azurepostgresflexible');
    expect(backend.validate({ size: { storageGB: 32 }, credentialsSecret: 's' }, { namespace: 'a', name: 'b' })).toEqual({ ok: true, resolved: { version: '18', sizeClass: 'dev' } });
    const settings = (backend as unknown as { settings: Record<string, unknown> }).settings;
    expect(settings).toMatchObject({
      resourceGroup: 'rg-flexible',
      location: 'westeurope',
      publicAccess: true,
      allowAzureServices: false,
      backupRetentionDays: 10,
      tags: { owner: '{namespace}' },
      restartPolicy: 'on_request',
      armEndpoint: 'https://management.azure.com',
      availabilityZone: '1',
    });
  });

  it('refuses an unknown cloud and a bad restart policy in the config itself', () => {
    expect(() => resolveConfig({ ...raw, backends: { ...raw.backends, azure: { ...raw.backends.azure, cloud: 'Mars' } } }, {})).toThrow(/cloud/);
    expect(() => resolveConfig(raw, { HYBRIDCLOUD_BACKENDS_AZUREPOSTGRESFLEXIBLE_RESTART_POLICY: 'sometimes' })).toThrow(/restart_policy/);
  });
});
