// Makes every PrismaClient of one generated schema share the state that depends only on that
// schema: the parameterisation graph and the query plan cache (docs/decisions/056).
//
// Prisma 7 builds both again for each client. Portico keeps one client per tenant, so at a
// thousand tenants a web server held a thousand copies (1.3 MB of heap each at 22 models) and
// compiled every query shape once per tenant: a tenant's first page cost about 800 ms of CPU,
// most of it garbage collection over the copies. Neither holds data or anything of a connection:
// a plan is the SQL and its placeholders for one query shape, as it is already shared between
// the requests of different users of one tenant.
//
// The edit is made to the installed runtime at install time (scripts/generate.mjs), and checked:
// a Prisma version whose runtime does not contain the expected code fails the install with what
// to do, rather than quietly running without it.
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

/**
 * The constructor of Prisma's client engine, as minified in each runtime build:
 * `this.#o = <plan cache>, this.#s = <graph>.deserialize(t.parameterizationSchema, …)`.
 */
const ENGINE_STATE =
  /this\.#o=t\.queryPlanCacheMaxSize===0\?void 0:new (\w+)\(t\.queryPlanCacheMaxSize\),this\.#s=(\w+)\.deserialize\(t\.parameterizationSchema,/;
const MARK = "__porticoShared";

/** The runtime source with the shared state, or null when it is already there. */
export function shareSchemaState(source, file) {
  if (source.includes(MARK)) return null;
  const matches = source.match(new RegExp(ENGINE_STATE.source, "g")) ?? [];
  if (matches.length !== 1) {
    throw new Error(
      `${file}: expected Prisma's client engine constructor once, found it ${matches.length} times. ` +
        "This Prisma version is not the one scripts/lib/share-prisma-schema-state.mjs was written for: " +
        "check that its engine still builds the parameterisation graph and plan cache per client, " +
        "then update the pattern (docs/decisions/056).",
    );
  }
  return source.replace(
    ENGINE_STATE,
    (_, PlanCache, Graph) =>
      `this.#o=t.queryPlanCacheMaxSize===0?void 0:((t.parameterizationSchema.${MARK}??={}).plans??=new ${PlanCache}(t.queryPlanCacheMaxSize)),` +
      `this.#s=(t.parameterizationSchema.${MARK}??={}).graph??=${Graph}.deserialize(t.parameterizationSchema,`,
  );
}

/** Edits the installed runtime's CommonJS and ES module builds; says what it did. */
export function shareInstalledSchemaState(from = process.cwd()) {
  const runtime = path.dirname(createRequire(path.join(from, "package.json")).resolve("@prisma/client/runtime/client"));
  const done = [];
  for (const name of ["client.js", "client.mjs"]) {
    const file = path.join(runtime, name);
    const edited = shareSchemaState(readFileSync(file, "utf8"), file);
    if (edited !== null) writeFileSync(file, edited);
    done.push(`${name} ${edited === null ? "already shared" : "edited"}`);
  }
  return done.join(", ");
}
