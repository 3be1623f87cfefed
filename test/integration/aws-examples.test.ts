/**
 * The shipped AWS examples work as documented: examples/aws-rds-server.yaml and
 * examples/aws-aurora-server.yaml pass the backends' checks with the config of
 * examples/values-aws.yaml (read through the real config loader and the real factories, with the
 * endpoint override pointing at the emulator) and converge.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import type { ServerSpec } from '../../src/api/types.js';
import { createAwsAuroraBackend, createAwsRdsBackend } from '../../src/backends/aws-rds/index.js';
import type { BackendFactory, ServerBackend, ServerContext, ServerObservation } from '../../src/backends/types.js';
import { resolveConfig } from '../../src/config/load.js';
import type { KubeClients } from '../../src/k8s/clients.js';
import { startRdsEmulator } from '../support/rds-emulator/index.js';
import type { RdsEmulator } from '../support/rds-emulator/index.js';
import { TEST_CREDENTIALS, nextContext, serverContext, silentLog } from '../support/rds-emulator/fixtures.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const savedEnv = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
let emulator: RdsEmulator;

beforeAll(async () => {
  emulator = await startRdsEmulator();
  // The factories use the SDK's default credential chain: environment keys here.
  process.env.AWS_ACCESS_KEY_ID = TEST_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = TEST_CREDENTIALS.secretAccessKey;
});

afterAll(async () => {
  await emulator.close();
  for (const [key, value] of [['AWS_ACCESS_KEY_ID', savedEnv.id], ['AWS_SECRET_ACCESS_KEY', savedEnv.secret]] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

type RawConfig = { backends: { aws: Record<string, unknown>; awsaurora: Record<string, unknown> } };

async function exampleBackend(factory: BackendFactory, adjust: (raw: RawConfig) => void = () => undefined): Promise<ServerBackend> {
  const values = parse(readFileSync(join(root, 'examples', 'values-aws.yaml'), 'utf8')) as { operatorConfig: string };
  const raw = parse(values.operatorConfig) as RawConfig;
  raw.backends.aws.endpoint = emulator.url;
  adjust(raw);
  const config = resolveConfig(raw, {});
  return factory({ config, log: silentLog, kube: undefined as unknown as KubeClients });
}

function exampleDocs(file: string) {
  return parseAllDocuments(readFileSync(join(root, 'examples', file), 'utf8')).map((d) => d.toJS() as { kind: string; metadata: { name: string }; spec: Record<string, unknown> });
}

/** Reconciles as the server handler does until the server is ready and up to date. */
async function converge(backend: ServerBackend, first: ServerContext): Promise<{ ctx: ServerContext; seen: ServerObservation }> {
  let ctx = first;
  for (let round = 0; round < 10; round++) {
    const seen = await backend.observe(ctx);
    ctx = nextContext(backend, ctx, { state: seen.state });
    if (seen.exists && seen.ready && seen.upToDate && !seen.busy) return { ctx, seen };
    if (!seen.exists) ctx = nextContext(backend, ctx, { state: (await backend.create(ctx)).state });
    else if (!seen.busy && !seen.upToDate) ctx = nextContext(backend, ctx, { state: (await backend.update(ctx, seen)).state });
    emulator.settle();
  }
  throw new Error('did not converge');
}

describe('AWS examples', () => {
  it.each([
    ['aws-rds-server.yaml', createAwsRdsBackend, 'default-teamfoo.c0ffee123456.eu-central-1.rds.amazonaws.com'],
    ['aws-aurora-server.yaml', createAwsAuroraBackend, 'default-analytics.cluster-c0ffee123456.eu-central-1.rds.amazonaws.com'],
  ])('%s is valid for values-aws.yaml and converges', async (file, factory, host) => {
    const backend = await exampleBackend(factory);
    try {
      const docs = exampleDocs(file);
      const server = docs.find((d) => d.kind === 'PostgreSQLServer')!;
      expect(server.spec.backend).toBe(backend.name);
      const { ctx, seen } = await converge(backend, serverContext(backend, server.metadata.name, server.spec as unknown as ServerSpec));
      expect(seen.endpoint).toMatchObject({ host, port: 5432, sslmode: 'verify-full' });
      expect(seen.warning).toBeUndefined();
      const database = docs.find((d) => d.kind === 'PostgreSQLDatabase')!;
      const wanted = (database.spec.database as { extensions: string[] }).extensions;
      expect(backend.databasePolicy(ctx.spec)).toEqual({ dropOnDelete: true, allowedExtensions: expect.arrayContaining(wanted) });
      expect(emulator.calls.at(-1)?.accessKeyId).toBe(TEST_CREDENTIALS.accessKeyId);
    } finally {
      await backend.close?.();
    }
  });

  it('reads every setting key by key: a region set for awsaurora wins over the aws section', async () => {
    const aurora = await exampleBackend(createAwsAuroraBackend, (raw) => {
      raw.backends.awsaurora.region = 'us-east-1';
    });
    const rds = await exampleBackend(createAwsRdsBackend);
    try {
      const s = { size: { storageGB: 20 }, credentialsSecret: 'x' };
      await aurora.observe(serverContext(aurora, 'regional', s));
      expect(emulator.calls.at(-1)?.signedRegion).toBe('us-east-1');
      await rds.observe(serverContext(rds, 'regional', s));
      expect(emulator.calls.at(-1)?.signedRegion).toBe('eu-central-1');
    } finally {
      await aurora.close?.();
      await rds.close?.();
    }
  });
});
