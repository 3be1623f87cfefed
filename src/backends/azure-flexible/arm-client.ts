/**
 * Builds the Flexible Server SDK client. Production uses `DefaultAzureCredential` (service
 * principal env vars, workload identity, managed identity, Azure CLI). Tests inject an
 * `httpClient` that carries requests to a local emulator, so the real auth policy stays in place.
 */
import { PostgreSQLManagementFlexibleServerClient } from '@azure/arm-postgresql-flexible';
import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import type { HttpClient } from '@azure/core-rest-pipeline';

export interface ArmClientOptions {
  subscriptionId: string;
  armEndpoint: string;
  authorityHost: string;
  credential?: TokenCredential;
  httpClient?: HttpClient;
}

export function createArmClient(options: ArmClientOptions): PostgreSQLManagementFlexibleServerClient {
  const credential = options.credential ?? new DefaultAzureCredential({ authorityHost: options.authorityHost });
  return new PostgreSQLManagementFlexibleServerClient(credential, options.subscriptionId, {
    endpoint: options.armEndpoint,
    $host: options.armEndpoint,
    credentialScopes: [`${options.armEndpoint}/.default`],
    // No in-request retries: they sleep inside a reconcile. Throttling and faults go back to the
    // handler as TemporaryErrors with Retry-After (see arm-errors.ts).
    retryOptions: { maxRetries: 0 },
    ...(options.httpClient ? { httpClient: options.httpClient } : {}),
  });
}
