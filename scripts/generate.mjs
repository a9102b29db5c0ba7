// Generates both Prisma clients at install time, offline.
// Prisma 7's CLI looks for a native schema engine even though `generate` never runs it, and
// would try to download one; naming any existing file satisfies the check (docs/decisions/002).
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";

const prismaCli = createRequire(import.meta.url).resolve("prisma/build/index.js");
const env = {
  ...process.env,
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
  PRISMA_HIDE_UPDATE_MESSAGE: "1",
};

for (const schema of ["control", "tenant"]) {
  const result = spawnSync(process.execPath, [prismaCli, "generate", "--schema", `prisma/${schema}/schema.prisma`], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
    encoding: "utf8",
  });
  if (result.status !== 0) {
    process.stderr.write(result.stdout + result.stderr);
    console.error(`prisma generate failed for prisma/${schema}/schema.prisma`);
    process.exit(1);
  }
  console.log(`generated the ${schema} client (lib/db/generated/${schema})`);
}
