import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type * as k8s from '@kubernetes/client-node';
import { kubeConfigForUrl } from '../k8s/clients.js';
import { createLogger } from '../observability/logger.js';
import { http } from '../util/node-http.js';
import { Watcher } from './watcher.js';

const managedFields = [{ manager: 'kubectl', operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:password': {} } } }];
const secret = (name: string, resourceVersion: string): k8s.V1Secret => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace: 'default', resourceVersion, managedFields },
  data: { password: 'c2VjcmV0' },
});

/** A minimal API server: one Secret in the list, another in the watch, both with managedFields. */
function startApiServer(): Promise<Server> {
  const server = http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (new URL(req.url ?? '/', 'http://x').searchParams.get('watch') === 'true') {
      res.write(`${JSON.stringify({ type: 'ADDED', object: secret('watched', '2') })}\n`);
      return; // kept open, as a watch is
    }
    res.end(JSON.stringify({ apiVersion: 'v1', kind: 'SecretList', metadata: { resourceVersion: '1' }, items: [secret('listed', '1')] }));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('Watcher', () => {
  let server: Server;
  let watcher: Watcher<k8s.V1Secret>;

  beforeAll(async () => {
    server = await startApiServer();
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const list = async () => (await (await fetch(`${url}/api/v1/secrets`)).json()) as k8s.KubernetesListObject<k8s.V1Secret>;
    watcher = new Watcher(kubeConfigForUrl(url), [{ path: '/api/v1/secrets', list }], {}, createLogger({ level: 'silent' }));
    await watcher.start();
  });

  afterAll(async () => {
    await watcher?.stop();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('caches listed and watched objects without their managedFields', async () => {
    const deadline = Date.now() + 5000;
    while (!watcher.get('default', 'watched') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const listed = watcher.get('default', 'listed');
    const watched = watcher.get('default', 'watched');
    expect(listed?.data).toEqual({ password: 'c2VjcmV0' });
    expect(watched?.metadata?.resourceVersion).toBe('2');
    expect(listed?.metadata).not.toHaveProperty('managedFields');
    expect(watched?.metadata).not.toHaveProperty('managedFields');
  });
});
