import type { ServerResponse } from 'node:http';
import type { Ctx } from './context.js';
import type { ApiError } from './errors.js';
import { badRequest, expired, tooLargeResourceVersion } from './errors.js';
import type { Matcher } from './selectors.js';
import type { KubeObject, ResourceType } from './types.js';
import { apiVersionOf, atVersion, typeKey } from './types.js';
import type { StoredEvent } from './watch-hub.js';

export interface WatchParams {
  namespace?: string;
  resourceVersion?: string;
  allowWatchBookmarks: boolean;
  sendInitialEvents?: boolean;
  timeoutSeconds?: number;
  matches: Matcher;
  bookmarkIntervalMs: number;
}

type Start = { from: 'now'; initial: boolean } | { from: 'rv'; rv: number };

/** Parses resourceVersion before any byte is written, so a malformed one is a plain 400. */
function startOf(p: WatchParams): Start {
  const raw = p.resourceVersion;
  // sendInitialEvents=true (the streaming-list mode) always starts with the current state.
  if (p.sendInitialEvents) return { from: 'now', initial: true };
  if (raw === undefined || raw === '' || raw === '0') return { from: 'now', initial: p.sendInitialEvents !== false };
  if (!/^\d+$/.test(raw)) throw badRequest(`invalid resource version: ${raw}`);
  return { from: 'rv', rv: Number(raw) };
}

/**
 * Serves one watch: newline-delimited JSON events. Without a resourceVersion (or with "0") the
 * current objects come first as ADDED; with one, the history after it is replayed (410 Expired as
 * an ERROR event when it is older than the history). Selector transitions become ADDED/DELETED,
 * as the real watch cache does.
 */
export function serveWatch(ctx: Ctx, t: ResourceType, version: string, p: WatchParams, res: ServerResponse): void {
  const start = startOf(p);
  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
  // Without this the client sees no response until the first event and its informer hangs.
  res.flushHeaders();
  const inScope = (o: KubeObject): boolean => (p.namespace === undefined || o.metadata.namespace === p.namespace) && p.matches(o);
  const send = (type: string, object: unknown): void => {
    if (!res.writableEnded) res.write(`${JSON.stringify({ type, object })}\n`);
  };
  const sendError = (err: ApiError): void => {
    send('ERROR', err.toStatus());
    res.end();
  };
  const bookmark = (annotations?: Record<string, string>): void =>
    send('BOOKMARK', { kind: t.kind, apiVersion: apiVersionOf(t.group, version), metadata: { resourceVersion: String(ctx.store.currentRv()), ...(annotations ? { annotations } : {}) } });

  const deliver = (ev: StoredEvent): void => {
    if (ev.key !== typeKey(t)) return;
    const now = inScope(ev.object);
    const before = ev.prev !== undefined && ev.type === 'MODIFIED' ? inScope(ev.prev) : false;
    if (ev.type === 'ADDED' && now) send('ADDED', atVersion(t, version, ev.object));
    if (ev.type === 'DELETED' && now) send('DELETED', atVersion(t, version, ev.object));
    if (ev.type === 'MODIFIED') {
      if (now) send(before ? 'MODIFIED' : 'ADDED', atVersion(t, version, ev.object));
      // Left the selector: a DELETED carrying the old state at the new revision.
      else if (before && ev.prev) send('DELETED', atVersion(t, version, { ...ev.prev, metadata: { ...ev.prev.metadata, resourceVersion: String(ev.rv) } }));
    }
  };

  if (start.from === 'now') {
    if (start.initial) for (const o of ctx.store.list(t, p.namespace)) if (p.matches(o)) send('ADDED', atVersion(t, version, o));
    if (p.sendInitialEvents && p.allowWatchBookmarks) bookmark({ 'k8s.io/initial-events-end': 'true' });
  } else {
    const events = ctx.hub.eventsAfter(start.rv);
    if (events === 'expired') return sendError(expired(start.rv, ctx.hub.oldestServable()));
    if (start.rv > ctx.store.currentRv()) return sendError(tooLargeResourceVersion(start.rv, ctx.store.currentRv()));
    events.forEach(deliver);
  }

  const unlisten = ctx.hub.listen(deliver);
  const end = (): void => {
    if (!res.writableEnded) res.end();
  };
  const untrack = ctx.hub.trackStream(end);
  const bookmarks = p.allowWatchBookmarks ? setInterval(() => bookmark(), p.bookmarkIntervalMs) : undefined;
  const timeout = p.timeoutSeconds ? setTimeout(end, p.timeoutSeconds * 1000) : undefined;
  // As the real watch cache: a watch that asked for bookmarks gets one 2 s before its timeout, so
  // the client resumes from the current revision even when nothing it watches has changed.
  const lastBookmark = p.timeoutSeconds && p.allowWatchBookmarks ? setTimeout(() => bookmark(), Math.max(0, p.timeoutSeconds * 1000 - 2000)) : undefined;
  // 'close' on the RESPONSE means the client went away (the request's fires when its body ends).
  res.on('close', () => {
    unlisten();
    untrack();
    clearInterval(bookmarks);
    clearTimeout(timeout);
    clearTimeout(lastBookmark);
  });
}
