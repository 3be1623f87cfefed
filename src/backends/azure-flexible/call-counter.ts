/**
 * Counts every request the Azure SDK sends to Resource Manager (the `/metrics` cloud call counter):
 * a pipeline policy on the Flexible Server client, so reads, writes, operation polls and lock
 * requests are all counted as they really leave the process.
 */
import type { PipelinePolicy } from '@azure/core-rest-pipeline';

export type CallCounter = (operation: string, result: 'success' | 'error') => void;

/**
 * The operation a Resource Manager request stands for, from its method and path: the method and
 * the last resource type named (`GET flexibleServers`, `GET firewallRules`, `PATCH flexibleServers`,
 * `GET azureAsyncOperation` for a poll, `GET locks`). Names only, never resource names (labels stay few).
 */
export function armOperation(method: string, url: string): string {
  const path = new URL(url, 'https://management.azure.com').pathname.split('/').filter(Boolean);
  const providers = path.lastIndexOf('providers');
  // After providers/<namespace>: type/name pairs, possibly followed by an action (restart).
  const rest = providers >= 0 ? path.slice(providers + 2) : path;
  const type = rest.length % 2 === 1 ? rest[rest.length - 1] : rest[rest.length - 2];
  return `${method.toUpperCase()} ${type ?? 'unknown'}`;
}

export function callCounterPolicy(count: CallCounter): PipelinePolicy {
  return {
    name: 'hybridcloudCloudCallCounter',
    async sendRequest(request, next) {
      const operation = armOperation(request.method, request.url);
      try {
        const response = await next(request);
        count(operation, response.status < 400 ? 'success' : 'error');
        return response;
      } catch (err) {
        count(operation, 'error');
        throw err;
      }
    },
  };
}
