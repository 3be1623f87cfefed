import { randomInt } from 'node:crypto';

/**
 * Polls until `check` returns a value other than undefined/false, or fails after `timeoutMs` with
 * what was last seen. Real clusters are slow and shared: polling once a second (not faster) keeps
 * the load on the API server low; `abort` ends the wait early when waiting is pointless (the
 * operator process died).
 */
export async function eventually<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  opts: { timeoutMs: number; what: () => string; intervalMs?: number; abort?: () => string | undefined },
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let lastError: unknown;
  for (;;) {
    const aborted = opts.abort?.();
    if (aborted) throw new Error(`gave up waiting for ${opts.what()}: ${aborted}`);
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
      lastError = undefined;
    } catch (err) {
      // A transient API error (a restarting API server, a timeout) is worth another look.
      lastError = err;
    }
    if (Date.now() > deadline) {
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${Math.round(opts.timeoutMs / 1000)} s waiting for ${opts.what()}${cause}`);
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 1000));
  }
}

export const randomSuffix = (length = 6): string =>
  Array.from({ length }, () => 'abcdefghijklmnopqrstuvwxyz0123456789'[randomInt(36)]).join('');
