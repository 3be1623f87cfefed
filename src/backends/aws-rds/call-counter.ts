/**
 * Counts every request the AWS SDK sends to the RDS API (the `/metrics` cloud call counter): a
 * middleware in the SDK's deserialize step, which runs once per attempt (the retry middleware sits
 * before it), so SDK retries count as the calls they are.
 */
import type { RDSClient } from '@aws-sdk/client-rds';

export type CallCounter = (operation: string, result: 'success' | 'error') => void;

/** `DescribeDBInstancesCommand` → `DescribeDBInstances`: the API action's name. */
export function rdsOperation(commandName: string | undefined): string {
  return (commandName ?? 'unknown').replace(/Command$/, '');
}

export function countCalls(client: RDSClient, count: CallCounter): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = rdsOperation(context.commandName);
      try {
        const out = await next(args);
        count(operation, 'success');
        return out;
      } catch (err) {
        count(operation, 'error');
        throw err;
      }
    },
    // High priority: around the deserializer, so an error answer arrives here as the error it becomes.
    { step: 'deserialize', priority: 'high', name: 'hybridcloudCloudCallCounter', override: true },
  );
}
