#!/bin/sh
# Builds the runtime library (AssemblyScript, unmanaged) into runtime.wasm.
# Usage: engine/wasm/runtime/build.sh [out.wasm]   (run from the repository root)
# The committed runtime.wasm must equal a fresh build: runtime.test.ts checks it.
set -e
here=$(dirname "$0")
out=${1:-$here/runtime.wasm}
exec npx asc "$here/assembly/index.ts" \
  --outFile "$out" \
  --runtime stub --importMemory --use abort= \
  --optimizeLevel 3 --shrinkLevel 0 --noAssert --debug
