/** One thing wrong with the configuration. */
export interface ConfigProblem {
  /** Dotted option path (`backends.awsrds.classes.small.iops`), or the file / env variable at fault. */
  path: string;
  /** The offending value (already redacted when the option is sensitive); undefined when absent. */
  value: unknown;
  reason: string;
}

/** Thrown at start when the configuration is unusable; lists every problem, not just the first. */
export class ConfigError extends Error {
  constructor(
    readonly problems: ConfigProblem[],
    readonly source?: string,
  ) {
    super(renderProblems(problems, source));
    this.name = 'ConfigError';
  }
}

export function renderValue(value: unknown): string {
  if (value === undefined) return '';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

export function renderProblem(p: ConfigProblem): string {
  const value = renderValue(p.value);
  return value ? `${p.path} = ${value}: ${p.reason}` : `${p.path}: ${p.reason}`;
}

export function renderProblems(problems: ConfigProblem[], source?: string): string {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  const head = `invalid operator configuration${source ? ` (${source})` : ''}: ${count}`;
  return [head, ...problems.map((p) => `  - ${renderProblem(p)}`)].join('\n');
}
