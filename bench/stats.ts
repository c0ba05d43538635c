/** Small statistics and rounding helpers the bench's modules share. */

/** The nearest-rank percentile (p in 0–100) of samples, which need not be sorted. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) throw new Error("percentile of no samples");
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export const median = (samples: readonly number[]) => percentile(samples, 50);

/** Rounded to `digits` decimals, as a number (what results.json holds). */
export const round = (value: number, digits = 3): number => Number(value.toFixed(digits));

/** A figure that must be a finite number: anything else is a broken measurement, never a result. */
export function mustBeFinite(name: string, value: number): number {
  if (!Number.isFinite(value)) throw new Error(`bench: ${name} is not a number (${value}): the measurement is broken.`);
  return value;
}

const benchStarted = performance.now();
/** Progress on stderr (seconds since the bench started), so stdout carries only the table. */
export const progress = (message: string) =>
  process.stderr.write(`bench ${((performance.now() - benchStarted) / 1000).toFixed(1).padStart(5)} s: ${message}\n`);
