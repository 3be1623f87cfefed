import { FLAG, LOG_LEVEL, NAME, NAMESPACE_LIST, POSITIVE, TEXT_LIST } from '../common-formats.js';
import type { Fragment } from '../fragment.js';

/** Top-level options (everything outside `backends`). */
export const common = {
  handler_on_resume: {
    doc: 'If true, every PostgreSQLServer and PostgreSQLDatabase is reconciled when the operator starts, even without changes.',
    format: FLAG,
    default: false,
  },
  backend: {
    doc: 'Default backend for new servers: statefulset, helmbitnami, azurepostgresflexible, awsrds or awsaurora.',
    format: NAME,
    default: 'statefulset',
  },
  allowed_backends: {
    doc: 'Backends users may pick with spec.backend; empty = the default backend is always used, whatever the user asks for.',
    format: TEXT_LIST,
    default: [],
  },
  security: {
    password_length: { doc: 'Length of generated passwords (at least 12).', format: POSITIVE, default: 16 },
    special_characters: {
      doc: "Accepted for compatibility with the Python operator's config files; generated passwords always use letters and digits only (safe in every connection string).",
      format: FLAG,
      default: true,
    },
  },
  reconcile: {
    resync_seconds: { doc: 'Seconds between periodic reconciles of every object (repairs drift without events; at least 10).', format: POSITIVE, default: 300 },
    concurrency: { doc: 'Reconciles running at once across all objects (one at a time per object).', format: POSITIVE, default: 10 },
    backoff_base_seconds: { doc: 'First retry delay after a failure; doubled per failure (with jitter) up to backoff_max_seconds.', format: POSITIVE, default: 2 },
    backoff_max_seconds: { doc: 'Longest retry delay after repeated failures.', format: POSITIVE, default: 300 },
  },
  watch_namespaces: { doc: 'Namespaces to watch; empty = all namespaces.', format: NAMESPACE_LIST, default: [] },
  log_level: { doc: 'Log level: trace, debug, info, warn, error, fatal or silent.', format: LOG_LEVEL, default: 'info' },
} satisfies Fragment;
