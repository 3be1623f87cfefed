/** The error types live in `src/api/errors.ts` (below backends and postgres); re-exported for the backends. */
export { PermanentError, TemporaryError } from '../api/errors.js';
