import { isPlainObject } from './checks.js';

/**
 * One config option, in convict's schema shape (convict ignores the extra `required` key).
 * `format` is always a name registered with `defineFormat`, so env overrides know the value's type.
 */
export interface OptionSpec {
  doc: string;
  format: string;
  default: unknown;
  /** null is a valid value (convict honours this too): "unset", "no limit", "use the fallback". */
  nullable?: boolean;
  /** Secret: redacted in check-config output and in error messages. */
  sensitive?: boolean;
  /** Must be set (non-null, non-empty) when a backend reading this section is in use. */
  required?: boolean;
}

/** A group of options; nesting mirrors the YAML. */
export interface Fragment {
  [key: string]: OptionSpec | Fragment;
}

export function isOption(node: OptionSpec | Fragment): node is OptionSpec {
  return Object.hasOwn(node, 'default') && typeof (node as OptionSpec).format === 'string';
}

export interface OptionEntry {
  /** Dotted path, e.g. `backends.azure.subscription_id`. */
  path: string;
  option: OptionSpec;
}

/** Every option below a fragment, depth first in declaration order. */
export function listOptions(fragment: Fragment, prefix = ''): OptionEntry[] {
  return Object.entries(fragment).flatMap(([key, node]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    return isOption(node) ? [{ path, option: node }] : listOptions(node, path);
  });
}

/** The fragment's defaults as a plain value tree. */
export function defaultsOf(fragment: Fragment): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, node] of Object.entries(fragment)) {
    out[key] = isOption(node) ? structuredClone(node.default) : defaultsOf(node);
  }
  return out;
}

/** Both fragments' options; nested groups present in both are merged, an option in `b` wins. */
export function mergeFragments(a: Fragment, b: Fragment): Fragment {
  const out: Fragment = { ...a };
  for (const [key, node] of Object.entries(b)) {
    const mine = out[key];
    out[key] = mine && !isOption(mine) && !isOption(node) ? mergeFragments(mine, node) : node;
  }
  return out;
}

/**
 * The same options for a concrete section that falls back to a virtual one (`backends.azure`,
 * `backends.aws`): every default becomes null so "not set here" stays detectable, and the doc says
 * where the value comes from instead.
 */
export function fallingBackTo(fragment: Fragment, virtualPath: string): Fragment {
  const out: Fragment = {};
  for (const [key, node] of Object.entries(fragment)) {
    const path = `${virtualPath}.${key}`;
    out[key] = isOption(node)
      ? { ...node, default: null, nullable: true, doc: `${node.doc} Unset (null): taken from ${path}.` }
      : fallingBackTo(node, path);
  }
  return out;
}

/** Reads a dotted path from a value tree; undefined when any step is missing. */
export function getPath(tree: unknown, path: string): unknown {
  let node: unknown = tree;
  for (const key of path.split('.')) {
    if (!isPlainObject(node) || !Object.hasOwn(node, key)) return undefined;
    node = node[key];
  }
  return node;
}
