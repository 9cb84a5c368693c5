#!/bin/sh
# Builds the guest corpus (guests/src/*.c) with Debian's cross compilers for every
# target at -O0, -O2 and -Os into guests/build/TARGET/PROGRAM-LEVEL.elf (or into the
# directory given as $1). The output is deterministic: no build id, no debug
# information, sources compiled by their file name from guests/src.
#   scripts/build-guests.sh [OUT_DIR]      JOBS=N to run N compilers at once (default 2)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
out=$(mkdir -p "${1:-$root/guests/build}" && cd "${1:-$root/guests/build}" && pwd)
jobs=${JOBS:-2}
cd "$root/guests/src"

# target  compiler  target flags
targets='
ppc64 powerpc64-linux-gnu-gcc -mabi=elfv1
ppc64le powerpc64le-linux-gnu-gcc -mabi=elfv2
ppc32 powerpc-linux-gnu-gcc -mno-sdata
aarch64 aarch64-linux-gnu-gcc -mno-outline-atomics
arm arm-linux-gnueabihf-gcc -marm
thumb arm-linux-gnueabihf-gcc -mthumb
'
common='-ffreestanding -nostdlib -static -fno-pic -fno-pie -no-pie -fno-stack-protector
  -fno-asynchronous-unwind-tables -fno-unwind-tables -fno-ident -Wall -Wextra -Wno-unused-parameter
  -I../include -T ../link.ld -Wl,--build-id=none -Wl,-n -Wl,--no-warn-rwx-segments'
common=$(echo $common)
programs=$(ls *.c | grep -v -e '^crt0\.c$' -e '^libc\.c$' | sed 's/\.c$//')

echo "$targets" | while read -r target cc flags; do
  [ -n "$target" ] || continue
  if ! command -v "$cc" >/dev/null 2>&1; then
    echo "build-guests: $cc not found, skipping $target" >&2
    continue
  fi
  mkdir -p "$out/$target"
  for level in O0 O2 Os; do
    # libc.c must not have its own loops turned back into calls to itself.
    "$cc" $flags -$level -ffreestanding -fno-tree-loop-distribute-patterns -fno-stack-protector -fno-pic -fno-asynchronous-unwind-tables -fno-unwind-tables -fno-ident -I../include -c libc.c -o "$out/$target/libc-$level.o"
    for program in $programs; do
      echo "$cc $flags -$level $common -o $out/$target/$program-$level.elf crt0.c $program.c $out/$target/libc-$level.o -lgcc"
    done
  done
done | xargs -P "$jobs" -I{} sh -c '{}'
rm -f "$out"/*/libc-*.o
