// Replaces the compiled src/k8s/kubernetes-client.js with a tree-shaken, minified bundle of the
// @kubernetes/client-node exports it names, so the operator does not load the package's unused
// generated API groups (ADR 0007). The package's own dependencies stay imports from node_modules;
// only client-node's code is bundled. Runs after `tsc` in `npm run build`.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { build } from 'esbuild';

const require = createRequire(import.meta.url);
const clientPackage = JSON.parse(readFileSync(require.resolve('@kubernetes/client-node/package.json'), 'utf8'));
const clientDependencies = new Set(Object.keys(clientPackage.dependencies ?? {}));
const packageOf = (specifier) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

// client-node's dependencies stay external, and importing one has no side effect worth keeping:
// an import whose bindings the kept code does not use is dropped (tar-fs, ws, stream-buffers: only
// for exec/cp/attach, which the operator does not use).
const externalDependencies = {
  name: 'external-dependencies',
  setup(b) {
    b.onResolve({ filter: /^(node:)?http$/ }, () => ({ path: 'node:http', namespace: 'lazy' }));
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.kind === 'entry-point' || !clientDependencies.has(packageOf(args.path))) return undefined;
      if (args.path === 'socks-proxy-agent') return { path: args.path, namespace: 'lazy' };
      return { path: args.path, external: true, sideEffects: false };
    });
    // An ES import of node:http loads Node's internal fetch implementation, ~14 MB of RSS (see
    // src/util/node-http.ts): client-node's node:http imports become a require. socks-proxy-agent
    // (only for a kubeconfig with a socks5:// proxy-url) imports node:http too, through agent-base:
    // it is loaded on first use.
    b.onLoad({ filter: /^node:http$/, namespace: 'lazy' }, () => ({
      loader: 'js',
      contents: `import { createRequire } from 'node:module';
const http = createRequire(import.meta.url)('node:http');
export default http;
export const STATUS_CODES = http.STATUS_CODES;`,
    }));
    b.onLoad({ filter: /^socks-proxy-agent$/, namespace: 'lazy' }, () => ({
      loader: 'js',
      contents: `import { createRequire } from 'node:module';
export class SocksProxyAgent {
  constructor(...args) {
    const { SocksProxyAgent: Agent } = createRequire(import.meta.url)('socks-proxy-agent');
    return new Agent(...args);
  }
}`,
    }));
  },
};

const result = await build({
  entryPoints: ['src/k8s/kubernetes-client.ts'],
  outfile: 'dist/src/k8s/kubernetes-client.js',
  bundle: true,
  treeShaking: true,
  // V8 keeps every module's source text in memory: minified, the kept code is 1.3 MB instead of 5.4.
  minify: true,
  keepNames: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  sourcemap: true,
  plugins: [externalDependencies],
  legalComments: 'eof',
  logLevel: 'warning',
  metafile: true,
  banner: { js: `// @kubernetes/client-node ${clientPackage.version} (Apache-2.0): only the parts the operator uses.` },
});

const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
console.error(`bundled @kubernetes/client-node ${clientPackage.version}: ${(bytes / 1e6).toFixed(1)} MB with its source map`);
