#!/bin/sh
# Longer runs of the property suites (test/property-*.test.ts) with a fresh seed.
#   scripts/fuzz.sh [SCALE]    SCALE multiplies CI's run counts (default 50)
# FUZZ_SEED=n reproduces a run (the seed is printed first). Needs `npm run build:host`.
set -eu
cd "$(dirname "$0")/.."
FUZZ_SCALE=${1:-50}
FUZZ_SEED=${FUZZ_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
FUZZ_SEED=$((FUZZ_SEED % 2000000))
export FUZZ_SCALE FUZZ_SEED
echo "property suites: FUZZ_SCALE=$FUZZ_SCALE FUZZ_SEED=$FUZZ_SEED"
exec npx vitest run test/property-slots.test.ts test/property-host-api.test.ts test/property-guest.test.ts
