import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain ES module of the install script, without types
import { shareSchemaState } from "../../scripts/lib/share-prisma-schema-state.mjs";
import { PrismaClient } from "./generated/tenant/client.ts";

const ENGINE =
  "class X{#o;#s;constructor(t){this.#o=t.queryPlanCacheMaxSize===0?void 0:new gn(t.queryPlanCacheMaxSize),this.#s=mr.deserialize(t.parameterizationSchema,n=>n)}}";

describe("shareSchemaState (the install-time edit of Prisma's runtime, decision 056)", () => {
  it("makes the plan cache and parameterisation graph one per schema, once", () => {
    const edited = shareSchemaState(ENGINE, "client.js") as string;
    expect(edited).toContain("(t.parameterizationSchema.__porticoShared??={}).plans??=new gn(t.queryPlanCacheMaxSize)");
    expect(edited).toContain("(t.parameterizationSchema.__porticoShared??={}).graph??=mr.deserialize(");
    // Run it: two engines of one schema share both; another schema has its own.
    let built = 0;
    const make = new Function(
      "gn",
      "mr",
      `${edited.replace("class X{#o;#s;", "return class X{#o;#s;get o(){return this.#o}get s(){return this.#s}")}`,
    );
    const X = make(
      class {
        constructor() {
          built++;
        }
      },
      { deserialize: () => ({ built: ++built }) },
    );
    const schema = { strings: [], graph: "" };
    const [a, b] = [
      new X({ queryPlanCacheMaxSize: 10, parameterizationSchema: schema }),
      new X({ queryPlanCacheMaxSize: 10, parameterizationSchema: schema }),
    ];
    const other = new X({ queryPlanCacheMaxSize: 10, parameterizationSchema: { strings: [], graph: "" } });
    expect(a.o).toBe(b.o);
    expect(a.s).toBe(b.s);
    expect(other.o).not.toBe(a.o);
    expect(other.s).not.toBe(a.s);
    expect(built).toBe(4);
    expect(shareSchemaState(edited, "client.js")).toBeNull();
  });

  it("refuses a runtime it was not written for, saying what to check", () => {
    expect(() => shareSchemaState("class Y{}", "/x/client.js")).toThrow(
      /client\.js: expected Prisma's client engine constructor once, found it 0 times.*decisions\/056/,
    );
    expect(() => shareSchemaState(ENGINE + ENGINE, "client.js")).toThrow(/found it 2 times/);
  });
});

describe("the installed runtime (after npm install)", () => {
  it("gives tenant clients no per-client copy of the schema's state", () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const client = () =>
      new PrismaClient({ adapter: new PrismaPg(new pg.Pool({ connectionString: "postgres://u:p@127.0.0.1:1/db" })) });
    const kept = [client()];
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 40; i++) kept.push(client());
    gc();
    const perClient = (process.memoryUsage().heapUsed - before) / 40;
    // Unshared, each client held its own graph: 1.3 MB of heap at 22 models; shared, 0.04 MB.
    expect(kept).toHaveLength(41);
    expect(perClient).toBeLessThan(300_000);
  });
});
