/**
 * Builds the production runtime directory: what the Dockerfile's last stage copies, and what CI
 * assembles and starts without a container engine (.ci/run), so the image's recipe is tested.
 *   node scripts/build-image.mjs --out <dir> [--skip-next-build]
 *
 * <dir> gets Next.js's standalone output (server code and only the node_modules files it
 * uses), the static assets and public/, the SQL migrations the start applies, and the bundles
 * of Portico's own TypeScript (no tsx and no sources in the image):
 *   portico/start.mjs        `npm start` (scripts/dev.ts): migrations, declared tenants, worker
 *   portico/next-server.mjs  the HTTP server in front of Next.js (scripts/next-server.ts)
 *   portico/app-thread.mjs   the thread Next.js renders on (scripts/app-thread.ts)
 *   lib/mail/render-thread.mjs  the email render thread (lib/mail/render-worker.ts)
 *   portico/{tenants,secrets,audit}.mjs  the operator's CLIs (scripts/*.ts)
 * The packages these bundles import are traced with Next.js's own tracer and copied beside
 * the ones the standalone output already holds. Started from <dir> with
 *   node --conditions=react-server portico/start.mjs start
 * (docs/deploy.md lists the environment it needs).
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdir, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { parseArgs } from "node:util";
import { build } from "esbuild";

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const { values } = parseArgs({
  options: { out: { type: "string" }, "skip-next-build": { type: "boolean", default: false } },
});
if (!values.out) {
  console.error("usage: node scripts/build-image.mjs --out <dir> [--skip-next-build]");
  process.exit(2);
}
const out = path.resolve(values.out);
const say = (line) => console.log(`build-image: ${line}`);

if (!values["skip-next-build"]) {
  say("next build");
  const result = spawnSync(process.execPath, [require.resolve("next/dist/bin/next"), "build"], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
const standalone = path.join(root, ".next", "standalone");
if (!existsSync(path.join(standalone, "server.js"))) {
  console.error(
    'build-image: .next/standalone is missing: next.config.mjs must keep output: "standalone", then run npm run build.',
  );
  process.exit(1);
}

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
await cp(standalone, out, { recursive: true, verbatimSymlinks: true });
await cp(path.join(root, ".next", "static"), path.join(out, ".next", "static"), { recursive: true });
await cp(path.join(root, "public"), path.join(out, "public"), { recursive: true });
// Read at run time from the working directory by the migrator (lib/migrations/migrator.ts).
for (const schema of ["control", "tenant"]) {
  const from = path.join(root, "prisma", schema, "migrations");
  await cp(from, path.join(out, "prisma", schema, "migrations"), { recursive: true });
}
say("copied the standalone output, static assets, public/ and the migrations");

// Bundles are written inside the checkout first, so the tracer resolves their imports against
// the full node_modules; only then are they and the traced packages copied into <dir>.
const staging = path.join(root, ".next", "portico-image");
await rm(staging, { recursive: true, force: true });

/** Portico's own code is bundled; every package stays an import, except `server-only`. */
const packagesExternal = {
  name: "packages-external",
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path === "server-only" || args.path.startsWith("@/") || args.path.startsWith("node:")) return undefined;
      return { path: args.path, external: true };
    });
  },
};
const common = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node22",
  jsx: "automatic",
  tsconfig: path.join(root, "tsconfig.json"),
  plugins: [packagesExternal],
  logLevel: "warning",
  // Bundled CommonJS helpers may call require(); ESM output has none unless given one.
  banner: {
    js: 'import { createRequire as __portico_cr } from "node:module"; const require = __portico_cr(import.meta.url);',
  },
};
const bundles = [
  // The scripts run under the react-server condition (`server-only` is empty there).
  { entry: "scripts/dev.ts", file: "portico/start.mjs", conditions: ["react-server"] },
  { entry: "scripts/next-server.ts", file: "portico/next-server.mjs", conditions: [] },
  // Next.js's own thread, started by the HTTP server (docs/decisions/063).
  { entry: "scripts/app-thread.ts", file: "portico/app-thread.mjs", conditions: [] },
  // The operator's command lines, in the image too (docs/deploy.md).
  { entry: "scripts/tenants.ts", file: "portico/tenants.mjs", conditions: ["react-server"] },
  { entry: "scripts/secrets.ts", file: "portico/secrets.mjs", conditions: ["react-server"] },
  { entry: "scripts/audit.ts", file: "portico/audit.mjs", conditions: ["react-server"] },
  // The render thread runs without it: React's server build has no HTML renderer.
  { entry: "lib/mail/render-worker.ts", file: "lib/mail/render-thread.mjs", conditions: [] },
];
for (const b of bundles) {
  await build({
    ...common,
    entryPoints: [path.join(root, b.entry)],
    outfile: path.join(staging, b.file),
    conditions: b.conditions,
    define: { __PORTICO_BUNDLED__: "true" },
  });
}
say(`bundled ${bundles.map((b) => b.file).join(", ")}`);

const { nodeFileTrace } = require("next/dist/compiled/@vercel/nft");
// Traced under the export conditions each bundle runs with (the tracer adds "import" or
// "require" by how a module is loaded): the react-server ones for the start and the CLIs, the
// plain ones for the HTTP server and the render thread, which need React's HTML renderer.
const fileList = new Set();
for (const group of [true, false]) {
  const traced = await nodeFileTrace(
    bundles.filter((b) => b.conditions.includes("react-server") === group).map((b) => path.join(staging, b.file)),
    {
      base: root,
      processCwd: root,
      conditions: group ? ["react-server", "node"] : ["node"],
      // Only packages are copied. The checkout's own files are not even followed: the bundles'
      // process.cwd() paths point the tracer at sources (lib/mail/render-thread.mjs, which
      // loads tsx) that the runtime directory replaces with bundles.
      ignore: (file) => !file.startsWith("node_modules/") && !file.startsWith(".next/portico-image/"),
    },
  );
  for (const file of traced.fileList) fileList.add(file);
}
let added = 0;
for (const file of [...fileList].sort()) {
  // Next.js itself comes from the standalone output, traced for its production server: followed
  // from `next()` in next-server.mjs, the tracer would add the development server too (~100 MB).
  if (!file.startsWith("node_modules/") || file.startsWith("node_modules/next/")) continue;
  const target = path.join(out, file);
  if (existsSync(target)) continue;
  await mkdir(path.dirname(target), { recursive: true });
  await cp(path.join(root, file), target, { recursive: false, verbatimSymlinks: true });
  added++;
}
for (const b of bundles) {
  await mkdir(path.dirname(path.join(out, b.file)), { recursive: true });
  await cp(path.join(staging, b.file), path.join(out, b.file));
}
await rm(staging, { recursive: true, force: true });
say(`added ${added} traced node_modules files the standalone output lacked`);
say(`ready: ${out} (start with: node --conditions=react-server portico/start.mjs start)`);
