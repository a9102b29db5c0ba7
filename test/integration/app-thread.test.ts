import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LogContext } from "../../lib/observability/context.ts";
import { startAppThread, type AppThread } from "../../scripts/lib/app-thread-host.ts";

/**
 * The forwarding between the HTTP server's thread and the app thread (docs/decisions/063), with
 * a stand-in for Next.js on the thread (test/support/fake-app-thread.mjs) that speaks the same
 * messages on the same kind of socket. The real thread is what every browser test renders on.
 */
let thread: AppThread;
let server: http.Server;
let port: number;
const contexts: LogContext[] = [];

beforeAll(async () => {
  thread = await startAppThread(0, new URL("../support/fake-app-thread.mjs", import.meta.url));
  server = http.createServer((req, res) => {
    const context: LogContext = { requestId: "r1" };
    contexts.push(context);
    void thread.handle(req, res, context);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server?.close();
  await thread?.close();
});

function get(
  path: string,
  options: { method?: string; body?: string; headers?: http.OutgoingHttpHeaders } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer; arrivals: number }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: "127.0.0.1", port, path, method: options.method ?? "GET", headers: options.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode!,
            headers: res.headers,
            body: Buffer.concat(chunks),
            arrivals: chunks.length,
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

describe("the app thread behind the HTTP server", () => {
  it("streams a response as it is written, with every Set-Cookie, and takes the log context off it", async () => {
    const before = contexts.length;
    const res = await get("/stream");
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe("part 1\npart 2\npart 3\n");
    // Written 20 ms apart, they arrive apart: nothing is held back until the end.
    expect(res.arrivals).toBeGreaterThan(1);
    expect(res.headers["set-cookie"]).toEqual(["a=1; Path=/", "b=2; Path=/"]);
    expect(res.headers["x-portico-log-context"]).toBeUndefined();
    // The thread's connection headers are not this connection's.
    expect(res.headers["keep-alive"]).not.toBe("timeout=99");
    expect(contexts[before]).toEqual({ requestId: "r1", realm: "tenant", tenant: "acme" });
  });

  it("forwards a request body and its headers, but not the client's connection headers", async () => {
    const res = await get("/echo", {
      method: "POST",
      body: "hello",
      headers: { "x-client-ip": "203.0.113.9", connection: "keep-alive, x-client-ip" },
    });
    expect(res.status).toBe(201);
    expect(res.body.toString()).toBe("POST hello 203.0.113.9");
    expect(res.headers["x-seen-connection"]).not.toContain("x-client-ip");
    // Positive control: a response with no log context leaves the request's as it was.
    expect(contexts.at(-1)).toEqual({ requestId: "r1" });
  });

  it("carries a body larger than any buffer whole", async () => {
    const res = await get("/big");
    expect(res.status).toBe(200);
    expect(res.body.length).toBe(128 * 64 * 1024);
    expect(res.body.every((b) => b === 120)).toBe(true);
  });

  it("stops the render of a visitor who went away, and only theirs", async () => {
    const abandoned = async () => Number((await get("/abandoned")).body.toString());
    const before = await abandoned();
    const req = http.request({ host: "127.0.0.1", port, path: "/hang" });
    req.on("error", () => {});
    req.end();
    await new Promise((r) => setTimeout(r, 200));
    // Still waiting: nothing went away yet.
    expect(await abandoned()).toBe(before);
    req.destroy();
    for (let i = 0; i < 50 && (await abandoned()) === before; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await abandoned()).toBe(before + 1);
  });

  it("reports the thread's metrics without the process-wide ones the main thread reports", async () => {
    const names = (await thread.metrics()).map((m) => m.name);
    expect(names).toContain("portico_resolver_hits_total");
    expect(names).not.toContain("portico_process_cpu_seconds_total");
  });
});
