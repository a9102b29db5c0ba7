import { readFile, writeFile } from "node:fs/promises";

/** One line of `npm run bench`: the figure, measured value, same-run baseline, ratio, target. */
export interface Figure {
  figure: string;
  measured: string;
  baseline: string;
  ratio: string;
  target: string;
  /** true/false when gated by a target; null when only tracked. */
  pass: boolean | null;
}

export function table(figures: Figure[]): string {
  const rows = [
    ["figure", "measured", "baseline", "ratio", "target", ""],
    ...figures.map((f) => [
      f.figure,
      f.measured,
      f.baseline,
      f.ratio,
      f.target,
      f.pass === null ? "tracked" : f.pass ? "PASS" : "FAIL",
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

export function markdownTable(figures: Figure[]): string {
  const esc = (s: string) => s.replaceAll("|", "\\|");
  return [
    "| figure | measured | baseline | ratio | target | |",
    "|---|---|---|---|---|---|",
    ...figures.map(
      (f) =>
        `| ${esc(f.figure)} | ${esc(f.measured)} | ${esc(f.baseline)} | ${esc(f.ratio)} | ${esc(f.target)} | ${f.pass === null ? "tracked" : f.pass ? "pass" : "**FAIL**"} |`,
    ),
  ].join("\n");
}

export interface ScalePoint {
  tenants: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
}

export interface ScaleSeries {
  label: string;
  points: ScalePoint[];
}

const SERIES_COLOURS = ["#0369a1", "#b45309", "#047857", "#7c3aed"];

/**
 * Throughput and latency against the number of tenants, as a standalone SVG: two panels sharing
 * a logarithmic x axis (1 … the largest fleet), both with logarithmic y axes, so a cached and a
 * rendered series an order of magnitude apart can be read on one chart. Latency: p50 solid, p99
 * dashed, in each series' colour.
 */
export function scaleChartSvg(series: ScaleSeries[], title: string): string {
  const W = 820;
  const H = 320;
  const panelW = 320;
  const top = 48;
  const plotH = 190;
  const left = [60, 470];
  const all = series.flatMap((s) => s.points);
  const xMax = Math.max(3, ...all.map((p) => Math.log10(p.tenants)));
  const x = (panel: number, t: number) => left[panel]! + (Math.log10(t) / xMax) * panelW;
  const decades = (values: number[]) => {
    const lo = Math.floor(Math.log10(Math.max(Math.min(...values), 1e-3)));
    const hi = Math.ceil(Math.log10(Math.max(...values, 1e-3) * 1.05));
    return { lo, hi: Math.max(hi, lo + 1) };
  };
  const rps = decades(all.map((p) => p.rps));
  const lat = decades(all.flatMap((p) => [p.p50Ms, p.p99Ms]));
  const y = (v: number, d: { lo: number; hi: number }) =>
    top + plotH - ((Math.log10(Math.max(v, 10 ** d.lo)) - d.lo) / (d.hi - d.lo)) * plotH;
  const line = (
    panel: number,
    points: ScalePoint[],
    values: number[],
    d: { lo: number; hi: number },
    colour: string,
    label: string,
    dashed = false,
  ) => {
    const path = points
      .map((p, i) => `${i ? "L" : "M"}${x(panel, p.tenants).toFixed(1)},${y(values[i]!, d).toFixed(1)}`)
      .join(" ");
    const dots = points
      .map(
        (p, i) =>
          `<circle cx="${x(panel, p.tenants).toFixed(1)}" cy="${y(values[i]!, d).toFixed(1)}" r="3.5" fill="${colour}"><title>${label}: ${values[i]!.toFixed(1)} at ${p.tenants} tenants</title></circle>`,
      )
      .join("");
    return `<path d="${path}" fill="none" stroke="${colour}" stroke-width="2"${dashed ? ' stroke-dasharray="5 4"' : ""}/>${dots}`;
  };
  const axes = (panel: number, d: { lo: number; hi: number }, unit: string) => {
    const ticksY: string[] = [];
    for (let e = d.lo; e <= d.hi; e++) {
      const v = 10 ** e;
      ticksY.push(
        `<line x1="${left[panel]}" x2="${left[panel]! + panelW}" y1="${y(v, d)}" y2="${y(v, d)}" stroke="#e2e8f0"/><text x="${left[panel]! - 6}" y="${y(v, d) + 4}" text-anchor="end">${v.toLocaleString("en")}</text>`,
      );
    }
    const ticksX = [...new Set([1, 10, 100, 1000, ...all.map((p) => p.tenants)])]
      .filter((t) => Math.log10(t) <= xMax)
      .map(
        (t) => `<text x="${x(panel, t)}" y="${top + plotH + 18}" text-anchor="middle">${t.toLocaleString("en")}</text>`,
      );
    return `${ticksY.join("")}${ticksX.join("")}<text x="${left[panel]! + panelW / 2}" y="${top + plotH + 38}" text-anchor="middle">tenants receiving traffic (log scale)</text><text x="${left[panel]}" y="${top - 10}">${unit}</text>`;
  };
  const lines = series
    .map((s, i) => {
      const colour = SERIES_COLOURS[i % SERIES_COLOURS.length]!;
      return [
        line(
          0,
          s.points,
          s.points.map((p) => p.rps),
          rps,
          colour,
          `${s.label}, req/s`,
        ),
        line(
          1,
          s.points,
          s.points.map((p) => p.p50Ms),
          lat,
          colour,
          `${s.label}, p50 ms`,
        ),
        line(
          1,
          s.points,
          s.points.map((p) => p.p99Ms),
          lat,
          colour,
          `${s.label}, p99 ms`,
          true,
        ),
      ].join("");
    })
    .join("\n");
  const legend = series
    .map(
      (s, i) =>
        `<rect x="${60 + i * 260}" y="${H - 22}" width="12" height="12" fill="${SERIES_COLOURS[i % SERIES_COLOURS.length]}"/><text x="${78 + i * 260}" y="${H - 12}">${s.label}</text>`,
    )
    .join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif" font-size="11" fill="#334155">
<rect width="${W}" height="${H}" fill="#fff"/>
<text x="${W / 2}" y="18" text-anchor="middle" font-size="13" font-weight="600">${title}</text>
${axes(0, rps, "throughput, requests/s (log scale)")}${axes(1, lat, "latency, ms (log; p50 solid, p99 dashed)")}
${lines}
${legend}
</svg>
`;
}

const START = "<!-- bench:latest -->";
const END = "<!-- /bench:latest -->";

/** Replaces the generated section at the top of docs/benchmarks.md; the history below stays. */
export async function writeLatestSection(file: string, section: string): Promise<void> {
  const text = await readFile(file, "utf8");
  const block = `${START}\n${section.trim()}\n${END}`;
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  const next =
    start >= 0 && end > start
      ? `${text.slice(0, start)}${block}${text.slice(end + END.length)}`
      : text.replace(/\n## /, `\n${block}\n\n## `);
  await writeFile(file, next);
}
