/**
 * A problem that stops the operator at start: its message is the one line the user reads (on
 * stderr and in the /readyz body), saying what is wrong and what to do. No stack trace goes with it.
 */
export class StartupError extends Error {
  override name = 'StartupError';
}
