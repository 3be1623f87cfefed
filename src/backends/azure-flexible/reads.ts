/**
 * The reads `observe` and `delete` make: the server, and only when managed its firewall rules,
 * parameters and locks. Each is one request (or one per page) behind the throttle gate.
 */
import type { PostgreSQLManagementFlexibleServerClient, Server } from '@azure/arm-postgresql-flexible';
import { guarded, isNotFound, toBackendError, type ThrottleGate } from './arm-errors.js';
import type { ActualRule } from './firewall.js';
import type { LockClient, ManagementLock } from './locks.js';
import type { OpTarget } from './operations.js';
import type { ActualParameter } from './parameters.js';

export class ArmReader {
  constructor(
    private readonly client: PostgreSQLManagementFlexibleServerClient,
    private readonly locks: LockClient,
    private readonly gate: ThrottleGate,
  ) {}

  /** The server, or undefined when Azure does not know it (404). */
  async server(t: OpTarget): Promise<Server | undefined> {
    this.gate.check();
    try {
      return await this.client.servers.get(t.resourceGroup, t.serverName);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw toBackendError(err, `read server ${t.serverName}`, this.gate);
    }
  }

  firewallRules(t: OpTarget): Promise<ActualRule[]> {
    return guarded(this.gate, `list firewall rules of ${t.serverName}`, async () => {
      const out: ActualRule[] = [];
      for await (const r of this.client.firewallRules.listByServer(t.resourceGroup, t.serverName)) {
        out.push({ name: r.name ?? '', startIpAddress: r.startIpAddress, endIpAddress: r.endIpAddress });
      }
      return out;
    });
  }

  parameters(t: OpTarget): Promise<Map<string, ActualParameter>> {
    return guarded(this.gate, `list server parameters of ${t.serverName}`, async () => {
      const out = new Map<string, ActualParameter>();
      for await (const c of this.client.configurations.listByServer(t.resourceGroup, t.serverName)) {
        if (c.name) out.set(c.name, { value: c.value ?? '', isReadOnly: c.isReadOnly === true, isConfigPendingRestart: c.isConfigPendingRestart === true });
      }
      return out;
    });
  }

  async hasLock(scope: string, name: string): Promise<boolean> {
    return guarded(this.gate, `read lock ${name}`, async () => !!(await this.locks.get(scope, name)));
  }

  /** Locks that apply to the resource, inherited ones included. */
  allLocks(scope: string): Promise<ManagementLock[]> {
    return guarded(this.gate, 'read locks', () => this.locks.list(scope));
  }
}
