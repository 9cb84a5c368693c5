// Latency histograms small enough to keep in every result row: counts per
// quarter-octave bucket from 1 µs (bucket i holds [2^(i/4), 2^((i+1)/4)) µs; bucket 0
// also holds everything below 1 µs), so a report can draw a CDF without the samples.

const BUCKETS_PER_OCTAVE = 4;
const MAX_BUCKETS = 96; // up to 2^24 µs (16 s)

export function latencyHistogram(samples: readonly number[]): number[] {
  const counts: number[] = [];
  for (const us of samples) {
    const bucket = Math.min(MAX_BUCKETS - 1, Math.max(0, Math.floor(BUCKETS_PER_OCTAVE * Math.log2(Math.max(us, 1)))));
    while (counts.length <= bucket) counts.push(0);
    counts[bucket]!++;
  }
  return counts;
}

/** The upper bound (µs) of bucket `index`. */
export function bucketTop(index: number): number {
  return 2 ** ((index + 1) / BUCKETS_PER_OCTAVE);
}

/** Adds histograms bucket by bucket. */
export function mergeHistograms(histograms: ReadonlyArray<readonly number[]>): number[] {
  const sum: number[] = [];
  for (const histogram of histograms) histogram.forEach((count, i) => { sum[i] = (sum[i] ?? 0) + count; });
  return Array.from(sum, (count) => count ?? 0);
}

/** Points of the cumulative distribution: at each non-empty bucket's top, the fraction of samples at or below it. */
export function cdfPoints(histogram: readonly number[]): Array<{ us: number; fraction: number }> {
  const total = histogram.reduce((a, b) => a + b, 0);
  if (total === 0) return [];
  const points: Array<{ us: number; fraction: number }> = [];
  let seen = 0;
  histogram.forEach((count, i) => {
    if (count === 0) return;
    seen += count;
    points.push({ us: bucketTop(i), fraction: seen / total });
  });
  return points;
}
