import { mergePatchOptions } from './patch.js';
import type { Logger } from 'pino';
import type { KubeClients } from './clients.js';
import { MANAGED_BY } from '../api/constants.js';

export interface EventTarget {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; uid?: string; resourceVersion?: string };
}

export type EventType = 'Normal' | 'Warning';

/**
 * Records core/v1 Events on the CRs (what `kubectl describe` shows). A repeat of the same event
 * within ten minutes bumps the count of the existing Event instead of creating another object.
 * An event is a report, not a step of the reconcile: like client-go's recorder it is sent in the
 * background (the reconcile does not wait for the API server to store it), and a failure is
 * logged, never fatal.
 */
export class EventRecorder {
  private readonly recent = new Map<string, { name: string; count: number; at: number }>();
  private readonly sending = new Set<Promise<void>>();

  constructor(
    private readonly kube: KubeClients,
    private readonly log: Logger,
    private readonly component = MANAGED_BY,
  ) {}

  /** Starts sending the event and returns at once (the returned promise is already resolved). */
  record(target: EventTarget, type: EventType, reason: string, message: string): Promise<void> {
    const sending: Promise<void> = this.send(target, type, reason, message).finally(() => this.sending.delete(sending));
    this.sending.add(sending);
    return Promise.resolve();
  }

  /** Waits for the events still being sent (at shutdown, so the last reports are not lost). */
  async flush(): Promise<void> {
    await Promise.allSettled([...this.sending]);
  }

  private async send(target: EventTarget, type: EventType, reason: string, message: string): Promise<void> {
    const { namespace, name, uid } = target.metadata;
    const dedupeKey = `${uid ?? `${namespace}/${name}`}|${type}|${reason}|${message}`;
    const now = new Date();
    const prior = this.recent.get(dedupeKey);
    try {
      if (prior && now.getTime() - prior.at < 10 * 60_000) {
        prior.count++;
        prior.at = now.getTime();
        await this.kube.core.patchNamespacedEvent(
          { namespace, name: prior.name, body: { count: prior.count, lastTimestamp: now.toISOString() } },
          mergePatchOptions(),
        );
        return;
      }
      const created = await this.kube.core.createNamespacedEvent({
        namespace,
        body: {
          metadata: { generateName: `${name}.`, namespace },
          involvedObject: { apiVersion: target.apiVersion, kind: target.kind, name, namespace, uid, resourceVersion: target.metadata.resourceVersion },
          type,
          reason,
          message: message.length > 1024 ? `${message.slice(0, 1021)}...` : message,
          source: { component: this.component },
          reportingComponent: this.component,
          reportingInstance: process.env.POD_NAME ?? this.component,
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      });
      this.remember(dedupeKey, created.metadata?.name ?? '', now.getTime());
    } catch (err) {
      this.log.warn({ namespace, name, reason, err: err instanceof Error ? err.message : String(err) }, 'could not record event');
    }
  }

  private remember(key: string, name: string, at: number): void {
    this.recent.set(key, { name, count: 1, at });
    if (this.recent.size > 5000) {
      // Bounded memory: forget the oldest half.
      const keys = [...this.recent.keys()].slice(0, 2500);
      for (const k of keys) this.recent.delete(k);
    }
  }
}
