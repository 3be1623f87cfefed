import { ApiError } from './errors.js';

/**
 * Runs a controller's level-triggered sweep soon after something changed, coalescing bursts, the
 * way the real controllers run shortly after (not inside) the request that triggered them.
 */
export class Sweeper {
  private handle: ReturnType<typeof setImmediate> | undefined;
  private stopped = false;

  constructor(
    private readonly name: string,
    private readonly sweep: () => void,
  ) {}

  poke(): void {
    if (this.handle || this.stopped) return;
    this.handle = setImmediate(() => {
      this.handle = undefined;
      if (this.stopped) return;
      try {
        this.sweep();
      } catch (e) {
        console.error(`fake-apiserver: ${this.name} sweep failed`, e);
      }
    });
  }

  stop(): void {
    this.stopped = true;
    if (this.handle) clearImmediate(this.handle);
    this.handle = undefined;
  }
}

/** Runs one controller action; races with clients (404 gone, 409 changed) are retried by the next sweep. */
export function tolerant(action: () => void): void {
  try {
    action();
  } catch (e) {
    if (e instanceof ApiError && (e.code === 404 || e.code === 409)) return;
    throw e;
  }
}
