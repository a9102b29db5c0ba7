import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rateLoad, rawLoad } from "./raw-load.ts";

/** Pages of tenant "a" and "b": whole (Content-Length), chunked with the name cut across chunks. */
let server: http.Server;
let port = 0;
/** Requests the server received; while fewer than `wrongFirst`, it answers without the tenant's name. */
let received = 0;
let wrongFirst = 0;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    received++;
    if (received <= wrongFirst) {
      res.writeHead(200, { "content-type": "text/html", "content-length": "13" });
      return void res.end("<html></html>");
    }
    const tenant = (req.headers.host ?? "").split(".")[0]!;
    const page = `<html>${"x".repeat(3000)}<h1>Tenant ${tenant}</h1>${"y".repeat(5000)}</html>`;
    if (req.url === "/slow") {
      // Answers after 150 ms, without holding the event loop.
      setTimeout(() => {
        res.writeHead(200, { "content-type": "text/html", "content-length": String(Buffer.byteLength(page)) });
        res.end(page);
      }, 150);
      return;
    }
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

describe("rateLoad", () => {
  const own = (host: string) => Buffer.from(`Tenant ${host.split(".")[0]}<`);
  const at = (path: string, rate: number, maxConnections: number, durationMs = 500) =>
    rateLoad({
      port,
      path,
      rate,
      maxConnections,
      durationMs,
      pickHost: () => (Math.random() < 0.5 ? "a.localhost" : "b.localhost"),
      expect: own,
    });

  it("sends its requests at the rate whatever the server's pace, on as few connections as it needs", async () => {
    const quick = await at("/", 100, 64);
    expect(quick.requests).toBe(50);
    expect(quick.errors).toBe(0);
    expect(quick.statuses[200]).toBe(50);
    // A slow server: a closed loop of 4 would have sent 4 × 500 ÷ 150, about 13. The open loop
    // sends all 50, each on a connection of its own while the ones before are still answering.
    const slow = await at("/slow", 100, 64);
    expect(slow.requests).toBe(50);
    expect(slow.errors).toBe(0);
    expect(slow.connections).toBeGreaterThan(4);
    expect(slow.p50Ms).toBeGreaterThanOrEqual(150);
  });

  it("times a request that waited for a connection from when it was due, not from when it went", async () => {
    // One connection, answers 150 ms apart, a request due every 10 ms: the n-th (from 1) is due
    // at (n − 1) × 10 ms and answered no sooner than n × 150 ms, behind the ones before it.
    const queued = await at("/slow", 100, 1, 200);
    expect(queued.requests).toBe(20);
    expect(queued.connections).toBe(1);
    expect(queued.p99Ms).toBeGreaterThanOrEqual(20 * 150 - 190); // the 20th, the slowest
    expect(queued.p50Ms).toBeGreaterThanOrEqual(11 * 150 - 100); // the 11th of 20
  });

  it("sends the warm-up's requests and leaves them out of the figures", async () => {
    // The server's first 20 answers are wrong: they are the warm-up's (due in its first 200 ms,
    // on one connection, so in order), and must not count. The control counts them.
    const warmingUp = (warmupMs: number, durationMs: number) => {
      received = 0;
      wrongFirst = 20;
      return rateLoad({
        port,
        path: "/",
        rate: 100,
        maxConnections: 1,
        warmupMs,
        durationMs,
        pickHost: () => "a.localhost",
        expect: own,
      }).finally(() => (wrongFirst = 0));
    };
    const warmed = await warmingUp(200, 500);
    expect(received).toBe(70);
    expect(warmed.requests).toBe(50);
    expect(warmed.errors).toBe(0);
    const cold = await warmingUp(0, 700);
    expect(received).toBe(70);
    expect(cold.requests).toBe(70);
    expect(cold.errors).toBe(20);
  });

  it("counts a body without its tenant, and a refusal, as errors", async () => {
    const missing = await at("/missing", 100, 8);
    expect(missing.statuses[404]).toBe(50);
    expect(missing.errors).toBe(50);
  });
});
