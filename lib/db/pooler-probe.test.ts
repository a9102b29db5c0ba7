import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { probePooler } from "./pooler-probe.ts";

/** A loopback server answering every connection's first bytes with `reply` (or silence). */
async function server(reply: string | null): Promise<{ port: number; close(): Promise<void> }> {
  const s = net.createServer((socket) => {
    socket.on("error", () => {});
    socket.once("data", () => (reply === null ? undefined : socket.end(reply)));
  });
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  return {
    port: (s.address() as net.AddressInfo).port,
    close: () => new Promise<void>((resolve) => s.close(() => resolve())),
  };
}

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

describe("probePooler", () => {
  it("is satisfied by a PostgreSQL-protocol answer to an SSLRequest, with or without TLS", async () => {
    for (const reply of ["N", "S"]) {
      const s = await server(reply);
      open.push(s);
      expect(await probePooler("127.0.0.1", s.port)).toBeNull();
    }
  });

  it("names what is wrong otherwise: nothing listening, another protocol, silence", async () => {
    const http = await server("HTTP/1.1 400 Bad Request\r\n\r\n");
    const silent = await server(null);
    open.push(http, silent);
    const closed = await server("N");
    await closed.close();
    expect(await probePooler("127.0.0.1", closed.port)).toBe("ECONNREFUSED");
    expect(await probePooler("127.0.0.1", http.port)).toBe("it does not speak PostgreSQL's protocol");
    expect(await probePooler("127.0.0.1", silent.port, 300)).toBe("no answer within 300 ms");
  });
});
