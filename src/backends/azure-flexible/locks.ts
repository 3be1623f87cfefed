/**
 * Management locks (Microsoft.Authorization/locks) on the server resource. The Flexible Server
 * SDK has no locks client; the requests go through the same client's pipeline, so they carry the
 * same auth, endpoint and test transport.
 */
import { createHttpHeaders, createPipelineRequest, RestError, type PipelineRequest, type PipelineResponse } from '@azure/core-rest-pipeline';

/** What is used of the SDK's ServiceClient: its pipeline (auth, endpoint, transport). */
export interface RequestSender {
  sendRequest(request: PipelineRequest): Promise<PipelineResponse>;
}

const LOCKS_API_VERSION = '2020-05-01';

export interface ManagementLock {
  id?: string;
  name: string;
  level: string;
}

async function send(client: RequestSender, method: 'GET' | 'PUT', url: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const request = createPipelineRequest({
    url,
    method,
    headers: createHttpHeaders({ accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) }),
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const response = await client.sendRequest(request);
  const json: unknown = response.bodyAsText ? JSON.parse(response.bodyAsText) : undefined;
  if (response.status >= 300) {
    const error = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new RestError(error?.message ?? `HTTP ${response.status}`, { code: error?.code, statusCode: response.status, request, response });
  }
  return { status: response.status, json };
}

function toLock(v: unknown): ManagementLock {
  const o = v as { id?: string; name?: string; properties?: { level?: string } };
  return { id: o.id, name: o.name ?? '', level: o.properties?.level ?? '' };
}

export class LockClient {
  constructor(private readonly client: RequestSender, private readonly armEndpoint: string) {}

  private url(scope: string, suffix: string): string {
    return `${this.armEndpoint}${scope}/providers/Microsoft.Authorization/locks${suffix}?api-version=${LOCKS_API_VERSION}`;
  }

  /** Every lock that applies to the resource, including those inherited from its resource group or subscription. */
  async list(scope: string): Promise<ManagementLock[]> {
    const out: ManagementLock[] = [];
    let url: string | undefined = this.url(scope, '');
    for (let page = 0; url && page < 10; page++) {
      const { json } = await send(this.client, 'GET', url);
      const body = json as { value?: unknown[]; nextLink?: string };
      out.push(...(body.value ?? []).map(toLock));
      url = body.nextLink;
    }
    return out;
  }

  async get(scope: string, name: string): Promise<ManagementLock | undefined> {
    try {
      return toLock((await send(this.client, 'GET', this.url(scope, `/${encodeURIComponent(name)}`))).json);
    } catch (err) {
      if (err instanceof RestError && err.statusCode === 404) return undefined;
      throw err;
    }
  }

  /** Creates (or keeps) a CanNotDelete lock; a synchronous ARM call, not a long-running one. */
  async putCanNotDelete(scope: string, name: string, notes: string): Promise<void> {
    await send(this.client, 'PUT', this.url(scope, `/${encodeURIComponent(name)}`), { properties: { level: 'CanNotDelete', notes } });
  }
}
