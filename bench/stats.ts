/** The q-quantile, interpolating between the two nearest values (q = 0.5: the median). */
export function quantile(xs: number[], q: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  return sorted[lo]! + (sorted[Math.min(lo + 1, sorted.length - 1)]! - sorted[lo]!) * (at - lo);
}
/** The median (of an even count, the mean of the middle two). */
export const median = (xs: number[]): number => quantile(xs, 0.5);
