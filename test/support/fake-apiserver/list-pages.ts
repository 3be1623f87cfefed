import { randomUUID } from 'node:crypto';
import { ApiError } from './errors.js';
import type { KubeObject } from './types.js';

/** How long a continue token stays valid (the real API server's default compaction window). */
const TOKEN_LIFETIME_MS = 5 * 60_000;

interface Snapshot {
  items: KubeObject[];
  resourceVersion: number;
  query: string;
  createdAt: number;
}

/**
 * `limit` / `continue` as the real API server serves them: every page of one list comes from the
 * same snapshot (etcd serves later pages at the first page's revision, so they all carry its
 * resourceVersion), the last page has no continue token, `remainingItemCount` counts what is left,
 * a token must come back with the same selectors, and an expired token is 410 Gone.
 */
export class ListPages {
  private readonly snapshots = new Map<string, Snapshot>();

  /** One page of `items` (already filtered and sorted); `query` identifies the list (path + selectors). */
  page(items: () => KubeObject[], resourceVersion: number, query: string, limit: number, token: string | null): { items: KubeObject[]; resourceVersion: number; continueToken?: string; remaining?: number } {
    this.expire();
    const [id, at] = token ? token.split(':') : [randomUUID(), '0'];
    const snapshot = token ? this.snapshots.get(id ?? '') : { items: items(), resourceVersion, query, createdAt: Date.now() };
    if (!snapshot) throw new ApiError(410, 'Expired', 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.');
    if (snapshot.query !== query) throw new ApiError(400, 'BadRequest', 'the continue token was issued for a different list request');
    const offset = Number(at);
    if (!Number.isInteger(offset) || offset < 0 || offset > snapshot.items.length) throw new ApiError(400, 'BadRequest', 'continue key is not valid');
    const end = limit > 0 ? Math.min(offset + limit, snapshot.items.length) : snapshot.items.length;
    const page = { items: snapshot.items.slice(offset, end), resourceVersion: snapshot.resourceVersion };
    if (end >= snapshot.items.length) return page;
    // Kept until it expires, as a token stays valid until compaction (a client may repeat a page).
    this.snapshots.set(id ?? '', snapshot);
    return { ...page, continueToken: `${id}:${end}`, remaining: snapshot.items.length - end };
  }

  private expire(): void {
    const now = Date.now();
    for (const [id, s] of this.snapshots) if (now - s.createdAt > TOKEN_LIFETIME_MS) this.snapshots.delete(id);
  }
}
