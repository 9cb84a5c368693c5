// The line every benchmark prints: which CPU and Node the figures come from.

import { cpus } from 'node:os';

export function machineLine(): string {
  return `CPU: ${cpus()[0]?.model ?? 'unknown'} (${cpus().length} cores), Node ${process.version}`;
}
