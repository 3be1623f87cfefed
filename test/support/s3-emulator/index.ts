/**
 * A local S3-compatible service for the backup tests (node:http, path-style addressing:
 * `/<bucket>/<key>`), speaking the S3 REST API's wire format as the SDK and MinIO do:
 * HeadBucket, PutObject, GetObject, HeadObject, DeleteObject, DeleteObjects, ListObjectsV2 (prefix,
 * max-keys, continuation tokens) and multipart uploads (create, upload part, complete with the
 * 5 MiB minimum part size, abort). Requests must carry a SigV4 `Authorization` header naming a
 * known access key (403 InvalidAccessKeyId otherwise) whose signature the emulator recomputes with
 * that key's secret (403 SignatureDoesNotMatch, as S3: a wrong secret or region is refused), and a
 * hex `x-amz-content-sha256` must be the body's hash (400 XAmzContentSHA256Mismatch).
 * Errors are S3's XML `<Error><Code>…</Code>…</Error>` with its status codes.
 */
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { XMLParser } from 'fast-xml-parser';

const NS = 'http://s3.amazonaws.com/doc/2006-03-01/';
const MIN_PART = 5 * 1024 * 1024;

export interface StoredObject {
  body: Buffer;
  etag: string;
  lastModified: Date;
}

export interface S3EmulatorOptions {
  buckets: string[];
  /** Access key id → (accepted) secret; requests naming another key are refused. */
  accessKeys: Record<string, string>;
  /** Largest ListObjectsV2 page the emulator returns (S3: 1000), small in tests to page. */
  maxKeys?: number;
  /** Answer each UploadPart only after this many milliseconds (a slow link: tests stop an upload midway). */
  partDelayMs?: number;
  /** Serve https with this certificate (as S3 and a production MinIO do); plain http otherwise. */
  tls?: { certPem: string; keyPem: string };
}

/** One request, parsed: what the bucket and object handlers work on. */
interface S3Request {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  bucketName: string;
  bucket: Map<string, StoredObject>;
  key: string;
  body: Buffer;
}

class S3Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly resource = '',
  ) {
    super(message);
  }
}

export class S3Emulator {
  readonly buckets = new Map<string, Map<string, StoredObject>>();
  /** Every request, as `METHOD /path?query` (tests look at what the client did). */
  readonly requests: string[] = [];
  private readonly uploads = new Map<string, { bucket: string; key: string; parts: Map<number, { body: Buffer; etag: string }> }>();
  private server?: Server;
  private readonly xml = new XMLParser({ isArray: (name) => name === 'Object' || name === 'Part', parseTagValue: false });

  constructor(private readonly opts: S3EmulatorOptions) {
    for (const b of opts.buckets) this.buckets.set(b, new Map());
  }

  static async start(opts: S3EmulatorOptions): Promise<S3Emulator> {
    const emulator = new S3Emulator(opts);
    const handler = (req: IncomingMessage, res: ServerResponse) => void emulator.handle(req, res);
    emulator.server = opts.tls ? createTlsServer({ cert: opts.tls.certPem, key: opts.tls.keyPem }, handler) : createServer(handler);
    await new Promise<void>((resolve) => emulator.server!.listen(0, '127.0.0.1', resolve));
    return emulator;
  }

  get endpoint(): string {
    return `${this.opts.tls ? 'https' : 'http'}://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  /** Multipart uploads started and neither completed nor aborted (S3's ListMultipartUploads): parts S3 keeps and bills. */
  openUploads(bucket: string): string[] {
    return [...this.uploads.values()].filter((u) => u.bucket === bucket).map((u) => u.key);
  }

  /** Keys in a bucket, sorted (as S3 lists them). */
  keys(bucket: string, prefix = ''): string[] {
    return [...(this.buckets.get(bucket)?.keys() ?? [])].filter((k) => k.startsWith(prefix)).sort();
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://s3.local');
    this.requests.push(`${req.method} ${url.pathname}${url.search}`);
    try {
      const body = await readBody(req);
      this.authorize(req, body);
      const [, rawBucket = '', ...rest] = url.pathname.split('/');
      const bucketName = decodeURIComponent(rawBucket);
      const key = rest.map(decodeURIComponent).join('/');
      const bucket = this.buckets.get(bucketName);
      if (!bucket) throw new S3Error(404, 'NoSuchBucket', 'The specified bucket does not exist', `/${bucketName}`);
      if (!key) return this.bucketRequest({ req, res, url, bucketName, bucket, key, body });
      return await this.objectRequest({ req, res, url, bucketName, bucket, key, body: decodeChunked(req, body) });
    } catch (err) {
      const e = err instanceof S3Error ? err : new S3Error(500, 'InternalError', String(err));
      res.writeHead(e.status, { 'content-type': 'application/xml', 'x-amz-request-id': randomUUID() });
      res.end(req.method === 'HEAD' ? undefined : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${e.code}</Code><Message>${esc(e.message)}</Message><Resource>${esc(e.resource)}</Resource><RequestId>${randomUUID()}</RequestId></Error>`);
    }
  }

  /** SigV4: `AWS4-HMAC-SHA256 Credential=<key id>/<date>/<region>/s3/aws4_request, SignedHeaders=…, Signature=…`. */
  private authorize(req: IncomingMessage, body: Buffer): void {
    const auth = req.headers.authorization ?? '';
    const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
    if (!m) throw new S3Error(403, 'AccessDenied', 'Access Denied (no SigV4 Authorization header)');
    const [, keyId, day, region, signedHeaders, signature] = m as unknown as [string, string, string, string, string, string];
    if (!(keyId in this.opts.accessKeys)) throw new S3Error(403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.');
    const amzDate = String(req.headers['x-amz-date'] ?? '');
    const payloadHash = String(req.headers['x-amz-content-sha256'] ?? '');
    if (!amzDate || !payloadHash) throw new S3Error(400, 'InvalidRequest', 'Missing x-amz-date or x-amz-content-sha256');
    if (/^[0-9a-f]{64}$/.test(payloadHash) && createHash('sha256').update(body).digest('hex') !== payloadHash) {
      throw new S3Error(400, 'XAmzContentSHA256Mismatch', 'The provided \'x-amz-content-sha256\' header does not match what was computed.');
    }
    const expected = sigV4(req, { secret: this.opts.accessKeys[keyId]!, day, region, signedHeaders, amzDate, payloadHash });
    if (expected !== signature) throw new S3Error(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.');
  }

  private bucketRequest({ req, res, url, bucketName: name, bucket, body }: S3Request): void {
    if (req.method === 'HEAD') return void res.writeHead(200, { 'x-amz-bucket-region': 'us-east-1' }).end();
    if (req.method === 'GET' && url.searchParams.get('list-type') === '2') return this.list(res, url, name, bucket);
    if (req.method === 'POST' && url.searchParams.has('delete')) {
      const parsed = this.xml.parse(body.toString('utf8')) as { Delete?: { Object?: Array<{ Key: string }>; Quiet?: string } };
      const keys = (parsed.Delete?.Object ?? []).map((o) => String(o.Key));
      if (keys.length > 1000) throw new S3Error(400, 'MalformedXML', 'at most 1000 keys per request');
      for (const key of keys) bucket.delete(key);
      const deleted = parsed.Delete?.Quiet === 'true' ? '' : keys.map((k) => `<Deleted><Key>${esc(k)}</Key></Deleted>`).join('');
      return sendXml(res, 200, `<DeleteResult xmlns="${NS}">${deleted}</DeleteResult>`);
    }
    throw new S3Error(405, 'MethodNotAllowed', `${req.method} on a bucket is not supported here`);
  }

  private list(res: ServerResponse, url: URL, name: string, bucket: Map<string, StoredObject>): void {
    const prefix = url.searchParams.get('prefix') ?? '';
    const maxKeys = Math.min(Number(url.searchParams.get('max-keys') ?? 1000), this.opts.maxKeys ?? 1000);
    const token = url.searchParams.get('continuation-token');
    const after = token ? Buffer.from(token, 'base64').toString('utf8') : (url.searchParams.get('start-after') ?? '');
    const all = [...bucket.keys()].filter((k) => k.startsWith(prefix) && k > after).sort();
    const page = all.slice(0, maxKeys);
    const truncated = all.length > page.length;
    const contents = page
      .map((k) => {
        const o = bucket.get(k)!;
        return `<Contents><Key>${esc(k)}</Key><LastModified>${o.lastModified.toISOString()}</LastModified><ETag>${esc(o.etag)}</ETag><Size>${o.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
      })
      .join('');
    const next = truncated ? `<NextContinuationToken>${Buffer.from(page.at(-1)!).toString('base64')}</NextContinuationToken>` : '';
    sendXml(
      res,
      200,
      `<ListBucketResult xmlns="${NS}"><Name>${esc(name)}</Name><Prefix>${esc(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${maxKeys}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${token ? `<ContinuationToken>${esc(token)}</ContinuationToken>` : ''}${contents}${next}</ListBucketResult>`,
    );
  }

  private async objectRequest(r: S3Request): Promise<void> {
    const { req, res, url, bucketName, bucket, key, body } = r;
    const uploadId = url.searchParams.get('uploadId');
    if (req.method === 'POST' && url.searchParams.has('uploads')) {
      const id = randomUUID();
      this.uploads.set(id, { bucket: bucketName, key, parts: new Map() });
      return sendXml(res, 200, `<InitiateMultipartUploadResult xmlns="${NS}"><Bucket>${esc(bucketName)}</Bucket><Key>${esc(key)}</Key><UploadId>${id}</UploadId></InitiateMultipartUploadResult>`);
    }
    if (uploadId) return this.multipart(r, uploadId);
    switch (req.method) {
      case 'PUT': {
        const etag = `"${createHash('md5').update(body).digest('hex')}"`;
        bucket.set(key, { body, etag, lastModified: new Date() });
        return void res.writeHead(200, { etag }).end();
      }
      case 'GET':
      case 'HEAD': {
        const o = bucket.get(key);
        if (!o) throw new S3Error(404, 'NoSuchKey', 'The specified key does not exist.', `/${bucketName}/${key}`);
        res.writeHead(200, { 'content-length': String(o.body.length), 'content-type': 'application/octet-stream', etag: o.etag, 'last-modified': o.lastModified.toUTCString() });
        return void res.end(req.method === 'GET' ? o.body : undefined);
      }
      case 'DELETE':
        // S3 answers 204 whether or not the key was there.
        bucket.delete(key);
        return void res.writeHead(204).end();
      default:
        throw new S3Error(405, 'MethodNotAllowed', `${req.method} on an object is not supported here`);
    }
  }

  private async multipart({ req, res, url, bucketName, bucket, key, body }: S3Request, uploadId: string): Promise<void> {
    const upload = this.uploads.get(uploadId);
    if (!upload || upload.bucket !== bucketName || upload.key !== key) throw new S3Error(404, 'NoSuchUpload', 'The specified multipart upload does not exist.');
    if (req.method === 'PUT') {
      if (this.opts.partDelayMs) await new Promise((r) => setTimeout(r, this.opts.partDelayMs));
      // An upload aborted meanwhile: S3 refuses the part.
      if (!this.uploads.has(uploadId)) throw new S3Error(404, 'NoSuchUpload', 'The specified multipart upload does not exist.');
      const n = Number(url.searchParams.get('partNumber'));
      if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new S3Error(400, 'InvalidArgument', 'Part number must be an integer between 1 and 10000');
      const etag = `"${createHash('md5').update(body).digest('hex')}"`;
      upload.parts.set(n, { body, etag });
      return void res.writeHead(200, { etag }).end();
    }
    if (req.method === 'DELETE') {
      this.uploads.delete(uploadId);
      return void res.writeHead(204).end();
    }
    if (req.method !== 'POST') throw new S3Error(405, 'MethodNotAllowed', `${req.method} on an upload is not supported here`);
    const parsed = this.xml.parse(body.toString('utf8')) as { CompleteMultipartUpload?: { Part?: Array<{ PartNumber: string; ETag: string }> } };
    const listed = parsed.CompleteMultipartUpload?.Part ?? [];
    if (!listed.length) throw new S3Error(400, 'MalformedXML', 'The XML you provided was not well-formed');
    const parts = listed.map((p, i) => {
      const stored = upload.parts.get(Number(p.PartNumber));
      if (!stored || stored.etag !== p.ETag) throw new S3Error(400, 'InvalidPart', `part ${p.PartNumber} was not uploaded or its ETag differs`);
      if (i > 0 && Number(p.PartNumber) <= Number(listed[i - 1]!.PartNumber)) throw new S3Error(400, 'InvalidPartOrder', 'parts must be in ascending order');
      if (i < listed.length - 1 && stored.body.length < MIN_PART) throw new S3Error(400, 'EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed object size.');
      return stored;
    });
    const whole = Buffer.concat(parts.map((p) => p.body));
    const etag = `"${createHash('md5').update(Buffer.concat(parts.map((p) => Buffer.from(p.etag.slice(1, -1), 'hex')))).digest('hex')}-${parts.length}"`;
    bucket.set(key, { body: whole, etag, lastModified: new Date() });
    this.uploads.delete(uploadId);
    sendXml(res, 200, `<CompleteMultipartUploadResult xmlns="${NS}"><Location>${esc(`${this.endpoint}/${bucketName}/${key}`)}</Location><Bucket>${esc(bucketName)}</Bucket><Key>${esc(key)}</Key><ETag>${esc(etag)}</ETag></CompleteMultipartUploadResult>`);
  }
}

/** RFC 3986 encoding, as SigV4's canonical query string wants it. */
const rfc3986 = (text: string): string => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** The SigV4 signature of a request (S3 flavour: the path as sent, not encoded again). */
function sigV4(req: IncomingMessage, a: { secret: string; day: string; region: string; signedHeaders: string; amzDate: string; payloadHash: string }): string {
  const raw = req.url ?? '/';
  const at = raw.indexOf('?');
  const path = at < 0 ? raw : raw.slice(0, at);
  const query = (at < 0 ? '' : raw.slice(at + 1))
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const eq = pair.indexOf('=');
      const [k, v] = eq < 0 ? [pair, ''] : [pair.slice(0, eq), pair.slice(eq + 1)];
      return [rfc3986(decodeURIComponent(k)), rfc3986(decodeURIComponent(v))] as const;
    })
    .sort(([k1, v1], [k2, v2]) => (k1 < k2 ? -1 : k1 > k2 ? 1 : v1 < v2 ? -1 : v1 > v2 ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const headers = a.signedHeaders
    .split(';')
    .map((name) => {
      const value = req.headers[name];
      return `${name}:${(Array.isArray(value) ? value.join(',') : (value ?? '')).trim().replace(/\s+/g, ' ')}\n`;
    })
    .join('');
  const canonical = [req.method, path, query, headers, a.signedHeaders, a.payloadHash].join('\n');
  const scope = `${a.day}/${a.region}/s3/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', a.amzDate, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
  const key = hmac(hmac(hmac(hmac(`AWS4${a.secret}`, a.day), a.region), 's3'), 'aws4_request');
  return createHmac('sha256', key).update(toSign).digest('hex');
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** `aws-chunked` bodies (a streaming signature or checksum trailer): `<hex size>[;chunk-signature=…]\r\n<data>\r\n` … `0…\r\n`. */
function decodeChunked(req: IncomingMessage, body: Buffer): Buffer {
  const sha = String(req.headers['x-amz-content-sha256'] ?? '');
  if (!String(req.headers['content-encoding'] ?? '').includes('aws-chunked') && !sha.startsWith('STREAMING-')) return body;
  const out: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = body.indexOf('\r\n', at);
    const size = parseInt(body.subarray(at, eol).toString('latin1').split(';')[0]!, 16);
    if (!size) break;
    out.push(body.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(out);
}

function sendXml(res: ServerResponse, status: number, xml: string): void {
  res.writeHead(status, { 'content-type': 'application/xml', 'x-amz-request-id': randomUUID() });
  res.end(`<?xml version="1.0" encoding="UTF-8"?>\n${xml}`);
}

function esc(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&apos;');
}
