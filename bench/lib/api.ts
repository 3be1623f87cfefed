import { API_VERSION, DATABASE_PLURAL, SERVER_PLURAL } from '../../src/api/constants.js';

/** A small JSON client for the fake API server: the bench's own requests, kept out of client-node's way. */
export class Api {
  constructor(readonly url: string) {}

  databases(namespace: string, name?: string, subresource?: string): string {
    return this.path(`/apis/${API_VERSION}/namespaces/${namespace}/${DATABASE_PLURAL}`, name, subresource);
  }

  servers(namespace: string, name?: string, subresource?: string): string {
    return this.path(`/apis/${API_VERSION}/namespaces/${namespace}/${SERVER_PLURAL}`, name, subresource);
  }

  secrets(namespace: string, name?: string): string {
    return this.path(`/api/v1/namespaces/${namespace}/secrets`, name);
  }

  async get<T>(path: string): Promise<T | undefined> {
    const res = await fetch(this.url + path);
    if (res.status === 404) return undefined;
    return (await this.check(res, 'GET', path)).json() as Promise<T>;
  }

  async create<T>(path: string, body: unknown): Promise<T> {
    const res = await fetch(this.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return (await this.check(res, 'POST', path)).json() as Promise<T>;
  }

  async mergePatch<T>(path: string, body: unknown): Promise<T> {
    const res = await fetch(this.url + path, { method: 'PATCH', headers: { 'content-type': 'application/merge-patch+json' }, body: JSON.stringify(body) });
    return (await this.check(res, 'PATCH', path)).json() as Promise<T>;
  }

  private path(base: string, name?: string, subresource?: string): string {
    return [base, name, subresource].filter(Boolean).join('/');
  }

  private async check(res: Response, method: string, path: string): Promise<Response> {
    if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${await res.text()}`);
    return res;
  }
}
