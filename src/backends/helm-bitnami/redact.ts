const MASK = '***';
const MAX_LENGTH = 2000;

/**
 * Removes secrets from a helm message before it reaches a condition, an event or a log: the given
 * secret strings (and their base64 form, as Secrets carry them), credentials in URLs
 * (`https://user:pass@host`), and the values of `password=…` / `token: …`-like pairs. Long output
 * is cut, keeping the end, where helm writes its error.
 */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length < 4) continue;
    for (const form of [secret, Buffer.from(secret, 'utf8').toString('base64')]) out = out.split(form).join(MASK);
  }
  out = out.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+:[^/\s@]+@/gi, `$1${MASK}@`);
  out = out.replace(
    /\b((?:[a-z_]*)(?:password|passwd|pwd|token|secret[_-]?key|client[_-]?secret|api[_-]?key))(["']?\s*[:=]\s*)("[^"]*"|'[^']*'|[^\s,;"'}]+)/gi,
    (_m, key: string, sep: string, value: string) => `${key}${sep}${/^["']/.test(value) ? `${value[0]}${MASK}${value[0]}` : MASK}`,
  );
  out = out.replace(/\b(authorization:\s*(?:bearer|basic)\s+)\S+/gi, `$1${MASK}`);
  return out.length > MAX_LENGTH ? `...${out.slice(out.length - MAX_LENGTH)}` : out;
}
