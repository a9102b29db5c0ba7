import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTenantDb } from "../../lib/db/tenant-db.server.ts";
import { isPoolBusy, isUnavailable } from "../../lib/db/unavailable.ts";
import { scratchDatabase } from "../support/databases.ts";

/**
 * A tenant's pool in front of a server that is slow to accept: a real PostgreSQL behind a TCP
 * proxy that leaves the first `silent` connections hanging (taken, never answered), or passes the
 * first `slow` ones on only after a delay (a handshake that completes, late).
 */
interface SlowServer {
  url: string;
  connections: () => number;
  silence: (n: number) => void;
  slowDown: (n: number, delayMs: number) => void;
  close: () => Promise<void>;
}

async function slowServer(targetUrl: string): Promise<SlowServer> {
  const target = new URL(targetUrl);
  let silent = 0;
  let slow = 0;
  let delayMs = 0;
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
    const forward = () => {
      if (socket.destroyed) return;
      const upstream = net.connect(Number(target.port), target.hostname);
      sockets.add(upstream);
      upstream.on("error", () => socket.destroy());
      socket.pipe(upstream).pipe(socket);
    };
    if (slow > 0) {
      slow -= 1;
      setTimeout(forward, delayMs); // the client's first bytes wait in the socket meanwhile
    } else forward();
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
    slowDown: (n, ms) => {
      slow = n;
      delayMs = ms;
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

  // A brand-new tenant's first page asks for more connections than its pool holds while the pool
  // is still opening its first two. The requests queued behind the handshakes wait once more.
  it("serves requests that queued while the pool was still opening its connections", async () => {
    const pooled = client();
    try {
      proxy.slowDown(2, 1_200);
      const results = await Promise.allSettled(
        [1, 2, 3, 4].map((n) => pooled.client.$queryRaw<{ n: number }[]>`SELECT ${n}::int AS n, pg_sleep(0.5)::text`),
      );
      expect(results.map((r) => (r.status === "fulfilled" ? r.value[0]!.n : r.reason))).toEqual([1, 2, 3, 4]);
      expect(proxy.connections()).toBe(2);
    } finally {
      proxy.slowDown(0, 0);
      await pooled.close();
    }
  });

  it("still refuses a request whose wait was spent behind open connections busy with other work", async () => {
    const pooled = client();
    try {
      proxy.slowDown(0, 0);
      // Both connections open and idle first: the pool is warm, not opening.
      await Promise.all([1, 2].map(() => pooled.client.$queryRaw`SELECT 1`));
      expect(pooled.openConnections()).toBe(2);
      let busyDone = false;
      // Prisma queries start when awaited: then() sends both now.
      const busy = Promise.all(
        [1, 2].map(() => pooled.client.$queryRaw`SELECT pg_sleep(2.5)::text`.then((r) => r)),
      ).then(() => (busyDone = true));
      const error = await pooled.client.$queryRaw`SELECT 1`.then(
        () => null,
        (e: unknown) => e,
      );
      // One wait, not two: the refusal came while the other work still held both connections.
      const refusedWhileBusy = !busyDone;
      await busy;
      expect(isPoolBusy(error)).toBe(true);
      expect(refusedWhileBusy).toBe(true);
    } finally {
      await pooled.close();
    }
  });
});
