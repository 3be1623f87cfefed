/**
 * `value` with the value of every key in `keys` replaced by `censor`, at any depth: objects nested
 * deeper than `MAX_DEPTH` (which also ends cycles) are replaced whole, unread. Only the objects on
 * the way to a secret are copied; when there is nothing to hide, `value` itself comes back, so the
 * common log line costs one walk over its few fields. Error objects are walked too (pino's
 * serializer writes their own properties).
 */
export function redactSecrets(value: unknown, keys: ReadonlySet<string>, censor: string, depth = 0): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth > MAX_DEPTH) return censor;
  if (Array.isArray(value)) return redactArray(value, keys, censor, depth);
  if (value instanceof Error) return redactError(value, keys, censor, depth);
  if (writesItself(value)) return value;
  // Plain objects and class instances alike (client-node's models are classes): JSON writes their
  // own enumerable fields, so a copy of those fields is what gets written.
  return redactFields(value, keys, censor, depth) ?? value;
}

/** Deep enough for a Secret, a cloud SDK request or a Helm values object logged whole. */
const MAX_DEPTH = 12;

function redactArray(items: readonly unknown[], keys: ReadonlySet<string>, censor: string, depth: number): unknown[] {
  let out: unknown[] | undefined;
  items.forEach((item, i) => {
    const redacted = redactSecrets(item, keys, censor, depth + 1);
    if (redacted !== item) (out ??= [...items])[i] = redacted;
  });
  return out ?? (items as unknown[]);
}

/** A copy of the object's own enumerable fields with secrets replaced, or undefined when none are. */
function redactFields(obj: object, keys: ReadonlySet<string>, censor: string, depth: number): Record<string, unknown> | undefined {
  let out: Record<string, unknown> | undefined;
  for (const [key, field] of Object.entries(obj)) {
    const redacted = keys.has(key) && field !== undefined ? censor : redactSecrets(field, keys, censor, depth + 1);
    if (redacted !== field) (out ??= { ...obj })[key] = redacted;
  }
  return out;
}

/**
 * An error whose own fields hold a secret becomes the plain object pino's serializer would write.
 * (Its `cause` is left alone: pino writes only the cause's message and stack.)
 */
function redactError(err: Error, keys: ReadonlySet<string>, censor: string, depth: number): unknown {
  const fields = redactFields(err, keys, censor, depth);
  return fields ? { type: err.name, message: err.message, stack: err.stack, ...fields } : err;
}

/** Bytes (their indices are no fields worth walking) and objects whose `toJSON` decides what is written (Date). */
function writesItself(value: object): boolean {
  return ArrayBuffer.isView(value) || value instanceof ArrayBuffer || typeof (value as { toJSON?: unknown }).toJSON === 'function';
}
