import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The committed corpus (guests/build) is what scripts/build-guests.sh builds from
// guests/src: rebuilt into a temporary directory and compared byte for byte. Needs
// Debian's five cross compilers (.ci/run installs them); skipped with the reason
// when one is missing.

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const COMPILERS = ['powerpc64-linux-gnu-gcc', 'powerpc64le-linux-gnu-gcc', 'powerpc-linux-gnu-gcc', 'aarch64-linux-gnu-gcc', 'arm-linux-gnueabihf-gcc'];
const missing = COMPILERS.filter((compiler) => spawnSync(compiler, ['--version']).status !== 0);
if (missing.length > 0) console.warn(`elf-corpus-build: skipped, no ${missing.join(', ')} (apt install gcc-powerpc64-linux-gnu … as .ci/run does)`);

function listing(dir: string): string[] {
  return readdirSync(dir).flatMap((target) => readdirSync(join(dir, target)).map((file) => `${target}/${file}`)).sort();
}

describe.skipIf(missing.length > 0)('guests/build', () => {
  it('is byte for byte what scripts/build-guests.sh builds from guests/src', () => {
    const out = mkdtempSync(join(tmpdir(), 'memslot-guests-'));
    try {
      const build = spawnSync('sh', [join(ROOT, 'scripts/build-guests.sh'), out], { encoding: 'utf8', env: { ...process.env, JOBS: '2' } });
      expect(build.status, build.stderr).toBe(0);
      const committed = join(ROOT, 'guests/build');
      expect(listing(out)).toEqual(listing(committed));
      const different = listing(out).filter((file) => !readFileSync(join(out, file)).equals(readFileSync(join(committed, file))));
      expect(different, 'rebuild with scripts/build-guests.sh and commit guests/build').toEqual([]);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 900_000);
});
