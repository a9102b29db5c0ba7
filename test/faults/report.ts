import { appendFileSync, mkdirSync } from "node:fs";

/**
 * A measured figure of a fault test, printed and appended to bench/results/faults.jsonl so
 * `npm run test:faults` can summarise it beside its target. Ratios are reported, not asserted.
 */
export function report(figure: {
  figure: string;
  measured: string;
  baseline: string;
  ratio: number;
  target: number;
  errors: number;
  requests: number;
}): void {
  const line = { ...figure, at: new Date().toISOString(), pass: figure.ratio <= figure.target && figure.errors === 0 };
  console.log(
    `[faults] ${figure.figure}: ${figure.measured} vs ${figure.baseline} → ${figure.ratio.toFixed(2)} (target ≤ ${figure.target}); errors ${figure.errors} of ${figure.requests}`,
  );
  mkdirSync("bench/results", { recursive: true });
  appendFileSync("bench/results/faults.jsonl", `${JSON.stringify(line)}\n`);
}
