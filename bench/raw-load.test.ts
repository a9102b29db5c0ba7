import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawLoad } from "./raw-load.ts";

/** Pages of tenant "a" and "b": whole (Content-Length), chunked with the name cut across chunks. */
let server: http.Server;
let port = 0;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    const tenant = (req.headers.host ?? "").split(".")[0]!;
    const page = `<html>${"x".repeat(3000)}<h1>Tenant ${tenant}</h1>${"y".repeat(5000)}</html>`;
    if (req.url === "/missing") {
      res.writeHead(404, { "content-length": "9" });
      return void res.end("not found");
    }
    if (req.url === "/chunked") {
      res.writeHead(200, { "content-type": "text/html" });
      const cut = page.indexOf("Tenant") + 3;
      res.write(page.slice(0, cut));
      setImmediate(() => res.end(page.slice(cut)));
      return;
    }
    res.writeHead(200, { "content-type": "text/html", "content-length": String(Buffer.byteLength(page)) });
    res.end(page);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const run = (path: string, expectName: (host: string) => string) =>
  rawLoad({
    port,
    path,
    concurrency: 4,
    durationMs: 300,
    pickHost: () => (Math.random() < 0.5 ? "a.localhost" : "b.localhost"),
    expect: (host) => Buffer.from(expectName(host)),
  });

describe("rawLoad", () => {
  const own = (host: string) => `Tenant ${host.split(".")[0]}<`;

  it("counts whole and chunked responses that carry their own tenant as good", async () => {
    for (const path of ["/", "/chunked"]) {
      const r = await run(path, own);
      expect(r.requests).toBeGreaterThan(20);
      expect(r.errors).toBe(0);
      expect(r.statuses[200]).toBe(r.requests);
      expect(r.p99Ms).toBeGreaterThanOrEqual(r.p50Ms);
    }
  });

  it("counts a body without its tenant, and a refusal, as errors", async () => {
    const other = (host: string) => `Tenant ${host.startsWith("a") ? "b" : "a"}<`;
    for (const path of ["/", "/chunked"]) {
      const r = await run(path, other);
      expect(r.requests).toBeGreaterThan(20);
      expect(r.errors).toBe(r.requests);
    }
    const missing = await run("/missing", own);
    expect(missing.statuses[404]).toBe(missing.requests);
    expect(missing.errors).toBe(missing.requests);
  });
});
