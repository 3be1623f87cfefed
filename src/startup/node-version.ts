/**
 * The Node.js version check the entry point runs before it loads anything else. Pure, and free of
 * imports, so that it loads on any Node.js old enough to fail it: the Kubernetes client's HTTP
 * library (undici) fails at import on Node.js before 22.19 with a stack trace that does not say why.
 */

/** The lowest version a `>=X[.Y[.Z]]` engines range allows, or undefined for any other range. */
export function minimumVersion(range: string): [number, number, number] | undefined {
  const m = /^\s*>=\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?\s*$/.exec(range);
  if (!m) return undefined;
  return [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)];
}

function atLeast(version: string, minimum: [number, number, number]): boolean {
  const parts = version.replace(/^v/, '').split('.').map((p) => Number.parseInt(p, 10) || 0);
  for (let i = 0; i < 3; i++) {
    const have = parts[i] ?? 0;
    const need = minimum[i] ?? 0;
    if (have !== need) return have > need;
  }
  return true;
}

/**
 * One line saying which Node.js is needed and which one runs, or undefined when `versions.node`
 * satisfies the `engines.node` range of package.json (`range`). A range this check cannot read is
 * no reason to refuse to start: undefined too (a unit test keeps package.json's range readable).
 */
export function nodeVersionProblem(versions: { node: string }, range: string, execPath?: string): string | undefined {
  const minimum = minimumVersion(range);
  if (!minimum || atLeast(versions.node, minimum)) return undefined;
  const which = execPath ? ` (${execPath})` : '';
  return `hybrid-cloud-postgresql-operator needs Node.js ${range.trim()}, but this is Node.js ${versions.node}${which}: put a newer node first on PATH (in a clone of the project: PATH="$(scripts/node.sh):$PATH" brings Node 24)`;
}
