/** Variables the admin's name patterns and tags may use. */
export interface NameVars {
  namespace: string;
  name: string;
}

/** Replaces `{namespace}` and `{name}` in a pattern from the config. */
export function renderPattern(pattern: string, vars: NameVars): string {
  return pattern.replaceAll('{namespace}', vars.namespace).replaceAll('{name}', vars.name);
}

/** Renders every tag value (and key) of the config's `tags` with the object's variables. */
export function renderTags(tags: Record<string, string> | undefined | null, vars: NameVars): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(tags ?? {})) out[renderPattern(k, vars)] = renderPattern(String(v), vars);
  return out;
}
