import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTenantDb } from "../../lib/db/tenant-db.server.ts";
import { isUnavailable } from "../../lib/db/unavailable.ts";
import { scratchDatabase } from "../support/databases.ts";

/**
 * A tenant's pool in front of a server that is slow to accept: a real PostgreSQL behind a TCP
 * proxy that leaves the first `silent` connections hanging (taken, never answered).
 */
interface SlowServer {
  url: string;
  connections: () => number;
  silence: (n: number) => void;
  close: () => Promise<void>;
}

async function slowServer(targetUrl: string): Promise<SlowServer> {
  const target = new URL(targetUrl);
  let silent = 0;
  let seen = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    seen += 1;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    if (silent > 0) {
      silent -= 1;
      return; // taken, never answered
    }
    const upstream = net.connect(Number(target.port), target.hostname);
    sockets.add(upstream);
    upstream.on("error", () => socket.destroy());
    socket.pipe(upstream).pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = new URL(targetUrl);
  url.hostname = "127.0.0.1";
  url.port = String((server.address() as net.AddressInfo).port);
  return {
    url: url.toString(),
    connections: () => seen,
    silence: (n) => {
      silent = n;
      seen = 0;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

let db: Awaited<ReturnType<typeof scratchDatabase>>;
let proxy: SlowServer;

beforeAll(async () => {
  db = await scratchDatabase("retry");
  proxy = await slowServer(db.url);
});
afterAll(async () => {
  await proxy?.close();
  await db?.drop();
});

function client() {
  return createTenantDb(proxy.url, "retry-test", { poolSize: 2, idleMs: 1_000, connectTimeoutMs: 1_500 });
}

describe("a tenant pool meeting a server slow to accept", () => {
  it("answers a query through a second connection when the first hangs", async () => {
    const pooled = client();
    try {
      proxy.silence(1);
      const rows = await pooled.client.$queryRaw<{ one: number }[]>`SELECT 1 AS one`;
      expect(rows).toEqual([{ one: 1 }]);
      expect(proxy.connections()).toBe(2);
    } finally {
      await pooled.close();
    }
  });

  it("starts a transaction through a second connection when the first hangs", async () => {
    const pooled = client();
    try {
      proxy.silence(1);
      const [rows] = await pooled.client.$transaction([pooled.client.$queryRaw<{ two: number }[]>`SELECT 2 AS two`]);
      expect(rows).toEqual([{ two: 2 }]);
      expect(proxy.connections()).toBe(2);
    } finally {
      await pooled.close();
    }
  });

  it("reports a server that never answers as unavailable after exactly two tries", async () => {
    const pooled = client();
    try {
      proxy.silence(100);
      const error = await pooled.client.$queryRaw`SELECT 1`.then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).not.toBeNull();
      expect(isUnavailable(error)).toBe(true);
      expect(proxy.connections()).toBe(2);
    } finally {
      proxy.silence(0);
      await pooled.close();
    }
  });

  it("connects straight through when the server answers (control)", async () => {
    const pooled = client();
    try {
      proxy.silence(0);
      await expect(pooled.client.$queryRaw`SELECT 3 AS three`).resolves.toEqual([{ three: 3 }]);
      expect(proxy.connections()).toBe(1);
    } finally {
      await pooled.close();
    }
  });
});
