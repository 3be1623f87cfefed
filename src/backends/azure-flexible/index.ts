/**
 * Azure Database for PostgreSQL Flexible Server backend (`azurepostgresflexible`).
 * `createAzureFlexibleBackend` is the factory the registry uses; tests construct
 * `AzureFlexibleBackend` directly to inject an emulator transport, a clock and poll intervals.
 */
import type { BackendFactory } from '../types.js';
import { backendSection } from '../../config/backend-section.js';
import type { AzureFlexibleSection } from '../../config/sections/azure.js';
import { AzureFlexibleBackend, type AzureFlexibleBackendOptions } from './backend.js';
import { parseSettings } from './settings.js';

export { AzureFlexibleBackend, type AzureFlexibleBackendOptions } from './backend.js';
export { parseSettings, type FlexibleSettings } from './settings.js';
export { AZURE_CA_BUNDLE } from './ca-bundle.js';
export { FLEXIBLE_SERVER_VERSIONS } from './versions.js';

export const BACKEND_NAME = 'azurepostgresflexible';

/** The factory, with options the config does not carry (tests: an emulator transport, a port, poll intervals). */
export function azureFlexibleFactory(extra: Omit<Partial<AzureFlexibleBackendOptions>, 'settings' | 'log'> = {}): BackendFactory {
  return (deps) =>
    new AzureFlexibleBackend({
      ...extra,
      settings: parseSettings(backendSection<AzureFlexibleSection>(deps.config, BACKEND_NAME) as unknown as Record<string, unknown>),
      log: deps.log.child({ backend: BACKEND_NAME }),
      applyAdoptionDifferences: deps.config.python_takeover.apply_differences,
      ...(deps.recordCloudCall ? { onCloudCall: (operation: string, result: 'success' | 'error') => deps.recordCloudCall?.(BACKEND_NAME, operation, result) } : {}),
    });
}

export const createAzureFlexibleBackend: BackendFactory = azureFlexibleFactory();
