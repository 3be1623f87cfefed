/**
 * The shipped Azure example works as documented: examples/azure-server.yaml passes the backend's
 * checks with the config from examples/values-azure.yaml and converges against the ARM emulator.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import { pino } from 'pino';
import type { ServerSpec } from '../../src/api/types.js';
import { backendSection } from '../../src/config/backend-section.js';
import { resolveConfig } from '../../src/config/load.js';
import { AzureFlexibleBackend, parseSettings } from '../../src/backends/azure-flexible/index.js';
import { startAzureEmulator, type AzureEmulator } from '../support/azure-emulator/index.js';
import { testClock } from '../support/azure-emulator/backend.js';
import { converge, serverContext } from '../support/azure-emulator/drive.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

let emu: AzureEmulator;
beforeAll(async () => {
  emu = await startAzureEmulator();
});
afterAll(async () => {
  await emu.close();
});

describe('examples/azure-server.yaml', () => {
  it('is a valid spec for the example config and converges', async () => {
    const values = parse(readFileSync(join(root, 'examples', 'values-azure.yaml'), 'utf8')) as { operatorConfig: string };
    const raw = parse(values.operatorConfig) as { backends: { azure: Record<string, unknown> } };
    raw.backends.azure.subscription_id = emu.subscriptionId;
    const config = resolveConfig(raw, {});
    const backend = new AzureFlexibleBackend({
      settings: parseSettings(backendSection(config, 'azurepostgresflexible')),
      log: pino({ level: 'silent' }),
      credential: emu.credential,
      httpClient: emu.httpClient,
      now: testClock('2026-11-18T10:00:00Z').now,
    });
    const docs = parseAllDocuments(readFileSync(join(root, 'examples', 'azure-server.yaml'), 'utf8')).map((d) => d.toJS() as { kind: string; metadata: { namespace: string; name: string }; spec: unknown });
    const server = docs.find((d) => d.kind === 'PostgreSQLServer')!;
    const ctx = serverContext(backend, server.spec as ServerSpec, server.metadata);
    const { observation } = await converge(backend, ctx);
    expect(observation).toMatchObject({ ready: true, upToDate: true, endpoint: { host: 'default-teamfoo.postgres.database.azure.com', sslmode: 'verify-full' } });
    // max_connections waits for the Sunday 03:00 window, as the example's comment says.
    expect(observation.warning).toMatch(/max_connections waits for a server restart; it restarts in the next maintenance window/);
    const database = docs.find((d) => d.kind === 'PostgreSQLDatabase')!;
    const wanted = (database.spec as { database: { extensions: string[] } }).database.extensions;
    expect(backend.databasePolicy(ctx.spec).allowedExtensions).toEqual(expect.arrayContaining(wanted));
  });
});
