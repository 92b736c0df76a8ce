#!/usr/bin/env bash
# Builds the viewer library bundle served by sirt-server (static/vendor/niivue.min.js) and the licence
# texts of what it contains (static/vendor/niivue.LICENSES.txt), from the versions pinned in
# package-lock.json: run `npm ci` here first. Deterministic: the same lock file gives the same bytes
# (esbuild is pinned; no time stamps, no absolute paths). CI (.ci/run) builds into a temporary folder
# and compares with the committed files.
#
# Usage: ./build.sh [OUT_DIR]   (default: ../static/vendor)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/../static/vendor}"
mkdir -p "$out"
cd "$here"
if [ ! -x node_modules/.bin/esbuild ]; then
  echo "build.sh: node_modules/.bin/esbuild missing: run \`npm ci\` in $here first" >&2
  exit 1
fi
meta="$(mktemp)"
trap 'rm -f "$meta"' EXIT
# The numcodecs codecs (Zarr, WebAssembly) are replaced by no-codec.js: see that file.
node_modules/.bin/esbuild entry.js --bundle --format=esm --target=es2022 --platform=browser \
  --minify --legal-comments=none --charset=utf8 --log-level=warning \
  --alias:numcodecs/blosc=./no-codec.js --alias:numcodecs/lz4=./no-codec.js \
  --alias:numcodecs/zstd=./no-codec.js \
  --metafile="$meta" --outfile="$out/niivue.min.js"
# The licence of every package whose code is in the bundle (read from esbuild's list of inputs),
# NiiVue's own first: its npm package ships no licence file, NIIVUE-LICENSE is the text of its
# repository's LICENSE.
node --input-type=module - "$meta" "$out/niivue.LICENSES.txt" <<'JS'
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
const [meta, target] = process.argv.slice(2);
const inputs = Object.keys(JSON.parse(readFileSync(meta, 'utf8')).inputs);
const packages = new Set();
for (const path of inputs) {
  const i = path.lastIndexOf('node_modules/');
  if (i < 0) continue;
  const parts = path.slice(i + 'node_modules/'.length).split('/');
  packages.add(parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]);
}
const names = [...packages].sort((a, b) => (a === '@niivue/niivue' ? -1 : b === '@niivue/niivue' ? 1 : a < b ? -1 : a > b ? 1 : 0));
let text = 'Licences of the code in niivue.min.js (built by crates/sirt-server/viewer-bundle/build.sh).\n';
for (const name of names) {
  const dir = `node_modules/${name}`;
  const pkg = JSON.parse(readFileSync(`${dir}/package.json`, 'utf8'));
  let licence;
  if (name === '@niivue/niivue') {
    licence = readFileSync('NIIVUE-LICENSE', 'utf8');
  } else {
    const file = readdirSync(dir).sort().find((f) => /^(licen[cs]e|copying)(\.md|\.txt)?$/i.test(f));
    if (!file) throw new Error(`${name}: no licence file in ${dir}`);
    licence = readFileSync(`${dir}/${file}`, 'utf8');
  }
  text += `\n==== ${name} ${pkg.version} (${pkg.license}) ====\n\n${licence.trimEnd()}\n`;
}
writeFileSync(target, text);
JS
echo "built $out/niivue.min.js ($(wc -c <"$out/niivue.min.js") bytes) and niivue.LICENSES.txt"
