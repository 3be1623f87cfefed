import { describe, expect, it } from '@jest/globals';
import { HttpMethod, RequestContext } from '@kubernetes/client-node';
import { kubeConfigForUrl, reuseConnections } from './clients.js';

async function dispatcherOf(kc: ReturnType<typeof kubeConfigForUrl>): Promise<unknown> {
  const ctx = new RequestContext('http://127.0.0.1:1/api/v1/secrets', HttpMethod.GET);
  await kc.applySecurityAuthentication(ctx);
  return ctx.getDispatcher();
}

describe('reuseConnections', () => {
  it('gives every request of a cluster the same HTTP agent (client-node alone makes one per request)', async () => {
    const plain = kubeConfigForUrl('http://127.0.0.1:1');
    expect(await dispatcherOf(plain)).not.toBe(await dispatcherOf(plain));
    const kc = kubeConfigForUrl('http://127.0.0.1:1');
    reuseConnections(kc);
    reuseConnections(kc);
    const first = await dispatcherOf(kc);
    expect(first).toBeDefined();
    expect(await dispatcherOf(kc)).toBe(first);
  });

  it('makes a new agent when the TLS material changes (a rotated client certificate)', async () => {
    const kc = kubeConfigForUrl('http://127.0.0.1:1');
    reuseConnections(kc);
    const first = await dispatcherOf(kc);
    kc.users[0] = { ...kc.users[0]!, certData: Buffer.from('cert-2').toString('base64'), keyData: Buffer.from('key-2').toString('base64') };
    expect(await dispatcherOf(kc)).not.toBe(first);
  });
});
