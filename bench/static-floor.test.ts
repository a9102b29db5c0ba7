import type { ChildProcess } from "node:child_process";
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../lib/db/embedded.server.ts";
import { rateLoad } from "./raw-load.ts";
import { startStaticFloor } from "./static-floor.ts";

let floor: ChildProcess;
let port = 0;
const hosts = (p: number) => [`t0.localhost:${p}`, `t1.localhost:${p}`];
beforeAll(async () => {
  port = await freePort();
  floor = await startStaticFloor(
    {
      port,
      page: {
        headers: { "content-type": "text/html; charset=utf-8", "x-sample": "kept", date: "old", connection: "close" },
        body: "<title>Tenant 0</title><h1>Tenant 0<</h1>",
      },
      named: "Tenant 0",
      hosts: hosts(port),
      names: ["Tenant 0", "Tenant 1"],
    },
    [],
  );
}, 30_000);
afterAll(() => void floor?.kill("SIGTERM"));

/** fetch() will not send a Host of our choosing; http.get does. */
function get(host: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port, path: "/", headers: { host } }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      })
      .on("error", reject);
  });
}

describe("the instrument's floor server", () => {
  it("answers each host with the page naming its own tenant, the page's own headers kept", async () => {
    const [a, b] = await Promise.all(hosts(port).map(get));
    expect(a!.status).toBe(200);
    expect(a!.body).toBe("<title>Tenant 0</title><h1>Tenant 0<</h1>");
    expect(b!.body).toBe("<title>Tenant 1</title><h1>Tenant 1<</h1>");
    expect(b!.headers["x-sample"]).toBe("kept");
    // A header of the sample's own moment or connection is not replayed.
    expect(b!.headers.date).not.toBe("old");
    expect(b!.headers.connection).not.toBe("close");
  });

  it("refuses a host it was not given, and the open loop counts that as failed", async () => {
    expect((await get(`t9.localhost:${port}`)).status).toBe(404);
    const expectOf = (host: string) => Buffer.from(host.startsWith("t1") ? "Tenant 1<" : "Tenant 0<");
    const known = await rateLoad({
      port,
      path: "/",
      durationMs: 300,
      rate: 100,
      maxConnections: 4,
      pickHost: () => hosts(port)[Math.floor(Math.random() * 2)]!,
      expect: expectOf,
    });
    expect(known.requests).toBeGreaterThan(20);
    expect(known.errors).toBe(0);
    const strangers = await rateLoad({
      port,
      path: "/",
      durationMs: 300,
      rate: 100,
      maxConnections: 4,
      pickHost: () => `t9.localhost:${port}`,
      expect: expectOf,
    });
    expect(strangers.errors).toBeGreaterThan(20);
  });

  it("will not start on a page that does not name the tenant it is to replace", async () => {
    await expect(
      startStaticFloor(
        { port: 1, page: { headers: {}, body: "<h1>nobody</h1>" }, named: "Tenant 0", hosts: [], names: [] },
        [],
      ),
    ).rejects.toThrow(/does not contain Tenant 0/);
  });
});
