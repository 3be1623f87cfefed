import { statusCodeOf } from '../k8s/clients.js';
import { oneLine } from './kube-config.js';

/** Socket-level failures worth another try at start: the API server may be coming up, or moving. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE',
  'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT',
]);

/** Thrown by `withTimeout` when one attempt took too long (a black-holed address answers nothing). */
export class AttemptTimeout extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms / 1000} s`);
  }
}

/** An API call failure another attempt may cure: no connection, a timeout, 429 or a 5xx. */
export function isTransient(err: unknown): boolean {
  if (err instanceof AttemptTimeout) return true;
  const status = statusCodeOf(err);
  if (status !== undefined && status >= 100) return status === 429 || status >= 500;
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  }
  return false;
}

/** What went wrong, in words: "401 Unauthorized", "connect ECONNREFUSED 127.0.0.1:6443". */
export function describeApiError(err: unknown): string {
  const status = statusCodeOf(err);
  if (status !== undefined && status >= 100) {
    const message = statusMessage((err as { body?: unknown }).body);
    return `HTTP ${status}${message ? `: ${message}` : ''}`;
  }
  return oneLine(err);
}

/** The `message` of a Status body, parsed (client-node's ApiException) or as text. */
function statusMessage(body: unknown): string | undefined {
  if (typeof body === 'string') {
    try {
      return statusMessage(JSON.parse(body));
    } catch {
      return body.trim() ? oneLine(body) : undefined;
    }
  }
  const message = (body as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' && message ? oneLine(message) : undefined;
}

export async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AttemptTimeout(ms)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
