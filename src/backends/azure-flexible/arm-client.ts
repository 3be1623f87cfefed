/**
 * Builds the Flexible Server SDK client. Production uses `DefaultAzureCredential` (service
 * principal env vars, workload identity, managed identity, Azure CLI). Tests inject an
 * `httpClient` that carries requests to a local emulator, so the real auth policy stays in place.
 */
import { PostgreSQLManagementFlexibleServerClient } from '@azure/arm-postgresql-flexible';
import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import type { HttpClient } from '@azure/core-rest-pipeline';
import { callCounterPolicy, type CallCounter } from './call-counter.js';

export interface ArmClientOptions {
  subscriptionId: string;
  armEndpoint: string;
  authorityHost: string;
  credential?: TokenCredential;
  httpClient?: HttpClient;
  /** Told about every request sent to Resource Manager (the cloud call metric). */
  onCall?: CallCounter;
}

export function createArmClient(options: ArmClientOptions): PostgreSQLManagementFlexibleServerClient {
  const credential = options.credential ?? new DefaultAzureCredential({ authorityHost: options.authorityHost });
  const client = new PostgreSQLManagementFlexibleServerClient(credential, options.subscriptionId, {
    endpoint: options.armEndpoint,
    $host: options.armEndpoint,
    credentialScopes: [`${options.armEndpoint}/.default`],
    // No in-request retries: they sleep inside a reconcile. Throttling and faults go back to the
    // handler as TemporaryErrors with Retry-After (see arm-errors.ts).
    retryOptions: { maxRetries: 0 },
    ...(options.httpClient ? { httpClient: options.httpClient } : {}),
  });
  // Per attempt, after the retry policy (which is off anyway): each request that leaves counts.
  if (options.onCall) client.pipeline.addPolicy(callCounterPolicy(options.onCall), { afterPhase: 'Retry' });
  return client;
}
