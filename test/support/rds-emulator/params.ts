/** Reading the Query API's flattened form parameters (`Tags.Tag.1.Key=…`). */
export class Params {
  constructor(readonly raw: Record<string, string>) {}

  static parse(body: string): Params {
    return new Params(Object.fromEntries(new URLSearchParams(body)));
  }

  has(key: string): boolean {
    return key in this.raw;
  }

  str(key: string): string | undefined {
    return this.raw[key];
  }

  num(key: string): number | undefined {
    const v = this.raw[key];
    return v === undefined ? undefined : Number(v);
  }

  bool(key: string): boolean | undefined {
    const v = this.raw[key];
    return v === undefined ? undefined : v === 'true';
  }

  /** `prefix.1`, `prefix.2` … in order; undefined when none is given. */
  list(prefix: string): string[] | undefined {
    const out: string[] = [];
    for (let i = 1; this.raw[`${prefix}.${i}`] !== undefined; i++) out.push(this.raw[`${prefix}.${i}`] as string);
    return out.length > 0 || this.has(prefix) ? out : undefined;
  }

  /** `Tags.Tag.N.Key` / `.Value` pairs. */
  tags(prefix = 'Tags.Tag'): Record<string, string> {
    const out: Record<string, string> = {};
    for (let i = 1; this.raw[`${prefix}.${i}.Key`] !== undefined; i++) out[this.raw[`${prefix}.${i}.Key`] as string] = this.raw[`${prefix}.${i}.Value`] ?? '';
    return out;
  }
}

/** A fault answered to the SDK: HTTP status plus the Query API error code. */
export class RdsFault extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}
