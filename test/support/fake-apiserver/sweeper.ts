import { ApiError } from './errors.js';

/**
 * Runs a controller's level-triggered sweep soon after something changed, coalescing bursts, the
 * way the real controllers run shortly after (not inside) the request that triggered them. A sweep
 * walks the whole store, so sweeps are at least `minIntervalMs` apart: under a burst of writes
 * (thousands of objects in the benchmarks) sweeping after every write would cost O(n) per write.
 */
export class Sweeper {
  private handle: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  private lastRun = 0;
  private held = false;

  constructor(
    private readonly name: string,
    private readonly sweep: () => void,
    private readonly minIntervalMs = 25,
  ) {}

  /** Holds sweeps back (a controller that lags, as the real ones do under load) until `release`. */
  hold(): void {
    this.held = true;
    // A sweep scheduled just before the hold must not run: the caller expects no sweep from now on.
    if (this.handle) clearTimeout(this.handle);
    this.handle = undefined;
  }

  release(): void {
    this.held = false;
    this.poke();
  }

  poke(): void {
    if (this.handle || this.stopped || this.held) return;
    const wait = Math.max(0, this.lastRun + this.minIntervalMs - Date.now());
    this.handle = setTimeout(() => {
      this.handle = undefined;
      if (this.stopped || this.held) return;
      this.lastRun = Date.now();
      try {
        this.sweep();
      } catch (e) {
        console.error(`fake-apiserver: ${this.name} sweep failed`, e);
      }
    }, wait);
  }

  stop(): void {
    this.stopped = true;
    if (this.handle) clearTimeout(this.handle);
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
