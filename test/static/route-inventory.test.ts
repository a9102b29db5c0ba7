import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { appRoutes, concretePaths } from "../support/routes.ts";

// The browser suite's route inventory (e2e/route-inventory.spec.ts) requests every route this
// enumerator finds; these tests show that it finds every page and route, and a new one.

let scratch: string | undefined;
afterEach(() => scratch && rmSync(scratch, { recursive: true, force: true }));

function fakeApp(files: string[]): string {
  scratch = mkdtempSync(path.join(os.tmpdir(), "portico-routes-"));
  const app = path.join(scratch, "app");
  for (const f of files) {
    mkdirSync(path.dirname(path.join(app, f)), { recursive: true });
    writeFileSync(path.join(app, f), "export default function P() { return null; }\n");
  }
  return app;
}

describe("the route inventory's enumerator", () => {
  it("finds the real app's private pages and routes, in both realms", () => {
    const files = appRoutes(path.resolve("app")).map((r) => r.file);
    expect(files).toContain("app/t/[domain]/manage/events/[slug]/attendees/page.tsx");
    expect(files).toContain("app/t/[domain]/manage/events/[slug]/attendees.csv/route.ts");
    expect(files).toContain("app/agency/(dashboard)/users/page.tsx");
    expect(files.length).toBeGreaterThan(40);
  });

  it("picks up a page added tomorrow, with route groups dropped from its path", () => {
    const app = fakeApp([
      "t/[domain]/page.tsx",
      "agency/(dashboard)/page.tsx",
      "agency/(dashboard)/new-report/page.tsx",
      "t/[domain]/_parts/x.tsx",
    ]);
    const routes = appRoutes(app);
    expect(routes.map((r) => `${r.realm} /${r.segments.join("/")}`).sort()).toEqual([
      "agency /",
      "agency /new-report",
      "tenant /",
    ]);
  });

  it("fills dynamic segments with every value given, and refuses a segment it has no value for", () => {
    const app = fakeApp(["t/[domain]/events/[slug]/page.tsx", "t/[domain]/things/[thing]/page.tsx"]);
    const [events, things] = appRoutes(app);
    expect(concretePaths(events!, { slug: ["a", "b"] })).toEqual(["/events/a", "/events/b"]);
    expect(() => concretePaths(things!, { slug: ["a"] })).toThrow(/no value for the dynamic segment \[thing\]/);
  });

  it("refuses a route outside the two realms instead of leaving it out", () => {
    const app = fakeApp(["t/[domain]/page.tsx", "stray/page.tsx"]);
    expect(() => appRoutes(app)).toThrow(/app\/stray\/page.tsx is outside/);
  });
});
