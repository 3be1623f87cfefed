import { READY } from '../../src/api/conditions.js';
import type { Api } from './api.js';
import { sleep, until } from './stats.js';

interface WatchedObject {
  metadata: { name: string; resourceVersion?: string };
  status?: { conditions?: Array<{ type: string; status: string; reason?: string }> };
}

/**
 * Records when each PostgreSQLDatabase of a namespace was first seen with Ready=True, from a watch
 * (an event arrives as soon as the status write is stored, so the clock is not a polling interval).
 */
export class ReadyTracker {
  readonly readyAt = new Map<string, number>();
  readonly lastReason = new Map<string, string>();
  private abort = new AbortController();
  private stopped = false;
  private running?: Promise<void>;

  constructor(
    private readonly api: Api,
    private readonly namespace = 'default',
  ) {}

  /** Lists, then watches in the background; resolves once the list is in. */
  async start(): Promise<void> {
    const rv = await this.list();
    this.running = this.watchLoop(rv);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    await this.running?.catch(() => undefined);
  }

  /** Resolves when every name is Ready=True; the error names a few that are not. */
  async waitAll(names: readonly string[], timeoutMs: number): Promise<void> {
    await until(
      () => names.every((n) => this.readyAt.has(n)),
      timeoutMs,
      () => {
        const missing = names.filter((n) => !this.readyAt.has(n));
        const sample = missing.slice(0, 5).map((n) => `${n} (${this.lastReason.get(n) ?? 'no status'})`);
        return `${missing.length} of ${names.length} databases Ready, e.g. ${sample.join(', ')}`;
      },
      10,
    );
  }

  private observe(obj: WatchedObject): void {
    const ready = obj.status?.conditions?.find((c) => c.type === READY);
    if (ready?.reason) this.lastReason.set(obj.metadata.name, ready.reason);
    if (ready?.status === 'True' && !this.readyAt.has(obj.metadata.name)) this.readyAt.set(obj.metadata.name, performance.now());
  }

  private async list(): Promise<string> {
    const list = await this.api.get<{ metadata: { resourceVersion: string }; items: WatchedObject[] }>(this.api.databases(this.namespace));
    for (const item of list?.items ?? []) this.observe(item);
    return list?.metadata.resourceVersion ?? '0';
  }

  private async watchLoop(startRv: string): Promise<void> {
    let rv = startRv;
    while (!this.stopped) {
      try {
        rv = await this.watchOnce(rv);
      } catch {
        if (this.stopped) return;
        await sleep(100);
        rv = await this.list().catch(() => rv);
      }
    }
  }

  /** One watch request; returns the last resourceVersion seen (throws on 410 so the loop relists). */
  private async watchOnce(rv: string): Promise<string> {
    const url = `${this.api.url}${this.api.databases(this.namespace)}?watch=true&allowWatchBookmarks=true&resourceVersion=${rv}`;
    const res = await fetch(url, { signal: this.abort.signal });
    if (!res.ok || !res.body) throw new Error(`watch: HTTP ${res.status}`);
    const decoder = new TextDecoder();
    let buffered = '';
    let last = rv;
    for await (const chunk of res.body) {
      buffered += decoder.decode(chunk as Uint8Array, { stream: true });
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (!line.trim()) continue;
        const event = JSON.parse(line) as { type: string; object: WatchedObject & { code?: number } };
        if (event.type === 'ERROR') throw new Error(`watch error ${event.object.code ?? ''}`);
        last = event.object.metadata.resourceVersion ?? last;
        if (event.type !== 'BOOKMARK' && event.type !== 'DELETED') this.observe(event.object);
      }
    }
    return last;
  }
}
