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

/**
 * Throughput and latency against the number of tenants, as a standalone SVG: two panels sharing
 * a logarithmic x axis (1, 10, 100, 1,000 tenants).
 */
export function scaleChartSvg(points: ScalePoint[], title: string): string {
  const W = 820;
  const H = 300;
  const panelW = 320;
  const top = 48;
  const plotH = 190;
  const left = [60, 470];
  const xs = points.map((p) => Math.log10(p.tenants));
  const xMax = Math.max(3, ...xs);
  const x = (panel: number, t: number) => left[panel]! + (Math.log10(t) / xMax) * panelW;
  const nice = (v: number) => {
    const p = 10 ** Math.floor(Math.log10(Math.max(v, 1e-9)));
    return Math.ceil(v / p) * p;
  };
  const rpsMax = nice(Math.max(...points.map((p) => p.rps)) * 1.1);
  const latMax = nice(Math.max(...points.map((p) => p.p99Ms)) * 1.1);
  const y = (v: number, max: number) => top + plotH - (v / max) * plotH;
  const line = (panel: number, values: number[], max: number, colour: string, label: string) => {
    const d = points
      .map((p, i) => `${i ? "L" : "M"}${x(panel, p.tenants).toFixed(1)},${y(values[i]!, max).toFixed(1)}`)
      .join(" ");
    const dots = points
      .map(
        (p, i) =>
          `<circle cx="${x(panel, p.tenants).toFixed(1)}" cy="${y(values[i]!, max).toFixed(1)}" r="3.5" fill="${colour}"><title>${label}: ${values[i]!.toFixed(1)} at ${p.tenants} tenants</title></circle>`,
      )
      .join("");
    return `<path d="${d}" fill="none" stroke="${colour}" stroke-width="2"/>${dots}`;
  };
  const axes = (panel: number, max: number, unit: string) => {
    const ticksY = [0, 0.25, 0.5, 0.75, 1].map((f) => {
      const v = max * f;
      return `<line x1="${left[panel]}" x2="${left[panel]! + panelW}" y1="${y(v, max)}" y2="${y(v, max)}" stroke="#e2e8f0"/><text x="${left[panel]! - 6}" y="${y(v, max) + 4}" text-anchor="end">${Number(v.toPrecision(3))}</text>`;
    });
    const ticksX = [1, 10, 100, 1000]
      .filter((t) => Math.log10(t) <= xMax)
      .map(
        (t) => `<text x="${x(panel, t)}" y="${top + plotH + 18}" text-anchor="middle">${t.toLocaleString("en")}</text>`,
      );
    return `${ticksY.join("")}${ticksX.join("")}<text x="${left[panel]! + panelW / 2}" y="${top + plotH + 38}" text-anchor="middle">tenants receiving traffic (log scale)</text><text x="${left[panel]}" y="${top - 10}">${unit}</text>`;
  };
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif" font-size="11" fill="#334155">
<rect width="${W}" height="${H}" fill="#fff"/>
<text x="${W / 2}" y="18" text-anchor="middle" font-size="13" font-weight="600">${title}</text>
${axes(0, rpsMax, "throughput, requests/s")}${line(
    0,
    points.map((p) => p.rps),
    rpsMax,
    "#0369a1",
    "req/s",
  )}
${axes(1, latMax, "latency, ms (p50 solid, p99 dashed)")}${line(
    1,
    points.map((p) => p.p50Ms),
    latMax,
    "#047857",
    "p50 ms",
  )}${line(
    1,
    points.map((p) => p.p99Ms),
    latMax,
    "#b45309",
    "p99 ms",
  ).replace('stroke-width="2"', 'stroke-width="2" stroke-dasharray="5 4"')}
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
