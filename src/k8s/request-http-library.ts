import type * as k8s from '@kubernetes/client-node';
import { request, type Dispatcher } from 'undici';
import { ResponseContext, wrapHttpLibrary } from './kubernetes-client.js';

/**
 * The transport of the generated API clients: undici's `request` instead of client-node's default,
 * undici's `fetch`. Same library, same dispatcher (TLS, proxy, keep-alive) and headers; what goes
 * away is the WHATWG layer fetch adds to every call (Request, Headers, a web stream per body), which
 * took about a third of the operator's CPU per database (bench/README.md). Every API the operator
 * calls speaks JSON, so the body is read whole at once, which also frees the connection for the next
 * request whatever the caller does with the response.
 */
export const requestHttpLibrary: k8s.HttpLibrary = wrapHttpLibrary({ send });

async function send(req: k8s.RequestContext): Promise<k8s.ResponseContext> {
  const res = await request(req.getUrl(), {
    method: req.getHttpMethod() as Dispatcher.HttpMethod,
    headers: withIdentityEncoding(req.getHeaders()),
    body: bodyOf(req.getBody()),
    signal: req.getSignal(),
    dispatcher: req.getDispatcher() as Dispatcher | undefined,
  });
  const bytes = Buffer.from(await res.body.arrayBuffer());
  return new ResponseContext(res.statusCode, singleValued(res.headers), {
    text: () => Promise.resolve(bytes.toString('utf8')),
    binary: () => Promise.resolve(bytes),
    stream: () => null,
  });
}

/**
 * Asks for uncompressed responses: a request without Accept-Encoding allows any coding (RFC 9110),
 * and this transport does not decode any. Inside a cluster the CPU matters more than the bytes.
 */
function withIdentityEncoding(headers: Record<string, string>): Record<string, string> {
  return Object.keys(headers).some((name) => name.toLowerCase() === 'accept-encoding') ? headers : { ...headers, 'accept-encoding': 'identity' };
}

/** The operator sends JSON (and at most form-encoded) bodies; no API it calls takes multipart. */
function bodyOf(body: k8s.RequestBody): string | undefined {
  if (body === undefined || typeof body === 'string') return body;
  if (body instanceof URLSearchParams) return body.toString();
  throw new Error('multipart request bodies are not supported by the operator\'s API transport');
}

/** Headers as client-node's ResponseContext takes them: repeated ones joined, as fetch's Headers does. */
function singleValued(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}
