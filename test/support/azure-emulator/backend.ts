/** Builds the real Flexible Server backend wired to an emulator, with a settable clock. */
import { pino } from 'pino';
import { AzureFlexibleBackend, parseSettings } from '../../../src/backends/azure-flexible/index.js';
import type { AzureEmulator } from './index.js';

export const RESOURCE_GROUP = 'rg-databases';

export interface TestClock {
  now: () => Date;
  set(iso: string): void;
  advance(seconds: number): void;
}

export function testClock(start = '2026-11-18T10:00:00Z'): TestClock {
  let t = Date.parse(start);
  return { now: () => new Date(t), set: (iso) => void (t = Date.parse(iso)), advance: (s) => void (t += s * 1000) };
}

/** The section as `backendSection` would hand it over (merged, defaults applied), plus overrides. */
export function section(emu: AzureEmulator, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    subscription_id: emu.subscriptionId,
    location: 'westeurope',
    resource_group: RESOURCE_GROUP,
    name_pattern: 'pg-{namespace}-{name}',
    classes: { dev: { name: 'Standard_B1ms', tier: 'Burstable' }, small: { name: 'Standard_D2ds_v5', tier: 'GeneralPurpose' }, large: { name: 'Standard_D8ds_v5', tier: 'GeneralPurpose' } },
    default_class: 'dev',
    availability_zone: '1',
    standby_availability_zone: '2',
    network: { public_access: true, allow_azure_services: false },
    tags: { costcenter: 'cc-{namespace}' },
    parameters: { backup_retention_days: 7, geo_redundant_backup: false, network: { firewall_rules: [] } },
    ...overrides,
  };
}

export function makeBackend(emu: AzureEmulator, clock: TestClock, overrides: Record<string, unknown> = {}): AzureFlexibleBackend {
  return new AzureFlexibleBackend({
    settings: parseSettings(section(emu, overrides)),
    log: pino({ level: 'silent' }),
    credential: emu.credential,
    httpClient: emu.httpClient,
    now: clock.now,
    pollSeconds: { long: 1, short: 1 },
    sdkPollIntervalMs: 10,
  });
}
