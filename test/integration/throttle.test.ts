import { spawn } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashPassword, verifyPassword } from "../../lib/auth/credentials.server.ts";
import { createControlDb, type ControlDb } from "../../lib/db/control.server.ts";
import { dropRoleIfExists } from "../../lib/db/postgres.ts";
import { CLIENT_IP_HEADER, parseTrustedProxies, stampClientIp } from "../../lib/http/client-ip.ts";
import { outboxTransport } from "../../lib/mail/transport.server.ts";
import { flushOutbox } from "../../lib/mail/outbox.server.ts";
import { ensureAppRole } from "../../lib/bootstrap/control-plane.server.ts";
import {
  lockedTenantAccounts,
  tenantLockedOut,
  unlockAccount,
  type LockoutDeps,
} from "../../lib/auth/lockouts.server.ts";
import {
  checkPasswordUnderLockout,
  createThrottle,
  LIMITS,
  LOCKOUT_SECONDS,
  tenantAccount,
  tooManyAttempts,
  type Throttle,
} from "../../lib/security/throttle.server.ts";
import { adminUrl, testControlPlane, uniqueTag, withAdmin, type TestControlPlane } from "../support/databases.ts";
import { tenantViewer } from "../support/viewers.ts";

/**
 * Rate limits and lockouts against a real control plane, written through the web app's own
 * least-privileged role (so its grants are part of what is tested), with the shipped limits.
 */
let cp: TestControlPlane;
let role: string;
let appUrl: string;
let app: ControlDb;
const pools: pg.Pool[] = [];

function instance(prefix: string): Throttle {
  const pool = new pg.Pool({ connectionString: appUrl, max: 2 });
  pools.push(pool);
  return createThrottle({ pool, prefix });
}

beforeAll(async () => {
  cp = await testControlPlane();
  role = `portico_app_${cp.tag}`;
  appUrl = await ensureAppRole(adminUrl(), `control_${cp.tag}`, "apppassword123", role);
  app = createControlDb(appUrl, 2);
});
afterAll(async () => {
  for (const pool of pools) await pool.end();
  await app?.$disconnect();
  await cp?.cleanup();
  await withAdmin((admin) => dropRoleIfExists(admin, role));
});

/** A real password check (argon2) for one account, as the sign-in providers do it. */
async function signIn(
  t: Throttle,
  account: string,
  ip: string,
  hash: string,
  password: string,
  onLocked = async () => {},
) {
  return checkPasswordUnderLockout(
    t,
    { account, ip },
    async () =>
      (await verifyPassword(hash, password))
        ? { ok: true, user: account }
        : { ok: false, owner: { email: account, name: "Owner" } },
    onLocked,
  );
}

describe("sign-in lockout", () => {
  it("the 6th attempt is refused even with the right password; before the lockout the right password works", async () => {
    const t = instance(`p-${uniqueTag()}`);
    const hash = await hashPassword("right-password");
    const account = tenantAccount("t1", "ada@example.com");
    // Positive control: the right password signs in, and clears earlier failures.
    expect(await signIn(t, account, "198.51.100.1", hash, "wrong")).toEqual({ ok: false, refusal: undefined });
    expect(await signIn(t, account, "198.51.100.1", hash, "right-password")).toEqual({ ok: true, user: account });
    let locks = 0;
    for (let i = 1; i <= LIMITS.signInFailuresPerAccount.points; i++) {
      const outcome = await signIn(t, account, "198.51.100.1", hash, "wrong", async () => void locks++);
      // The failure that reaches the limit is told so at once.
      expect(outcome.ok).toBe(false);
      if (i < 5) expect(outcome).toEqual({ ok: false, refusal: undefined });
      else expect(outcome).toEqual({ ok: false, refusal: tooManyAttempts(15 * 60) });
    }
    expect(locks).toBe(1);
    const sixth = await signIn(t, account, "198.51.100.1", hash, "right-password");
    expect(sixth.ok).toBe(false);
    expect(!sixth.ok && sixth.refusal?.message).toMatch(/^Too many attempts\. Try again in 1[45] minutes\.$/);
    expect(!sixth.ok && sixth.refusal?.retryAfterSeconds).toBeGreaterThan(14 * 60);
  });

  it("a different account from the same IP is still served until its own limit", async () => {
    const t = instance(`p-${uniqueTag()}`);
    const hash = await hashPassword("right-password");
    const [a, b] = [tenantAccount("t1", "a@example.com"), tenantAccount("t1", "b@example.com")];
    for (let i = 0; i < 5; i++) await signIn(t, a, "203.0.113.5", hash, "wrong");
    expect((await signIn(t, a, "203.0.113.5", hash, "right-password")).ok).toBe(false);
    expect(await signIn(t, b, "203.0.113.5", hash, "right-password")).toEqual({ ok: true, user: b });
    for (let i = 0; i < 5; i++) await signIn(t, b, "203.0.113.5", hash, "wrong");
    expect((await signIn(t, b, "203.0.113.5", hash, "right-password")).ok).toBe(false);
    // The same email in another tenant is another account.
    expect((await signIn(t, tenantAccount("t2", "a@example.com"), "203.0.113.5", hash, "right-password")).ok).toBe(
      true,
    );
  });

  it("an address over its budget of failures waits, whichever account it tries", async () => {
    const t = instance(`p-${uniqueTag()}`);
    const hash = await hashPassword("right-password");
    for (let i = 0; i < LIMITS.signInFailuresPerIp.points; i++)
      await t.signInFailed({ account: tenantAccount("t1", `u${i}@example.com`), ip: "192.0.2.7" });
    const fresh = tenantAccount("t1", "fresh@example.com");
    const refused = await signIn(t, fresh, "192.0.2.7", hash, "right-password");
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.refusal?.message).toMatch(/^Too many attempts/);
    // Positive control: the same account from another address.
    expect((await signIn(t, fresh, "192.0.2.8", hash, "right-password")).ok).toBe(true);
  });

  it("grows on repeat: 15 minutes, then an hour", async () => {
    const t = instance(`p-${uniqueTag()}`);
    const account = tenantAccount("t1", "rep@example.com");
    const locks = [];
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 5; i++) {
        const lock = await t.signInFailed({ account, ip: "198.51.100.9" });
        if (lock) locks.push(lock);
      }
      expect((await t.lockedUntil([account])).size).toBe(1);
      expect(await t.lift(account)).toBe(true);
      expect((await t.lockedUntil([account])).size).toBe(0);
    }
    expect(locks).toEqual([
      { seconds: LOCKOUT_SECONDS[0], count: 1 },
      { seconds: LOCKOUT_SECONDS[1], count: 2 },
    ]);
  });

  it("is shared by two app processes on one control plane", async () => {
    const prefix = `p-${uniqueTag()}`;
    const account = tenantAccount("t1", "shared@example.com");
    const run = (failures: number) =>
      new Promise<{ pid: number; locks: Array<unknown>; refused: boolean }>((resolve, reject) => {
        const child = spawn(
          process.execPath,
          [
            "--conditions=react-server",
            "--import",
            "tsx",
            "test/integration/children/throttle-failures.ts",
            appUrl,
            prefix,
            account,
            "198.51.100.20",
            String(failures),
          ],
          { stdio: ["ignore", "pipe", "inherit"] },
        );
        let out = "";
        child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
        child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`child exited ${code}`))));
      });
    const first = await run(3);
    // Positive control: three failures in one process do not lock.
    expect(first).toMatchObject({ locks: [null, null, null], refused: false });
    const second = await run(2);
    expect(second.pid).not.toBe(first.pid);
    // Its second failure is the fifth overall: this process locks the account.
    expect(second).toMatchObject({ locks: [null, { seconds: LOCKOUT_SECONDS[0], count: 1 }], refused: true });
    // And a third instance sees the lock.
    expect(await instance(prefix).signInRefusal({ account, ip: "198.51.100.21" })).not.toBeNull();
  });
});

describe("limited actions", () => {
  it("caps email sign-in links per account; another account from the same IP is still served", async () => {
    const t = instance(`p-${uniqueTag()}`);
    const who = { account: tenantAccount("t1", "links@example.com"), ip: "198.51.100.30" };
    for (let i = 0; i < LIMITS.signInLinkPerAccount.points; i++)
      expect(await t.attempt("sign-in-link", who)).toBeNull();
    const refusal = await t.attempt("sign-in-link", who);
    expect(refusal?.message).toMatch(/^Too many attempts\. Try again in 1[45] minutes\.$/);
    expect(refusal?.retryAfterSeconds).toBeGreaterThan(14 * 60);
    expect(await t.attempt("sign-in-link", { ...who, account: tenantAccount("t1", "other@example.com") })).toBeNull();
  });

  it("caps each action per IP across accounts", async () => {
    const t = instance(`p-${uniqueTag()}`);
    for (let i = 0; i < LIMITS.signUpPerIp.points; i++)
      expect(
        await t.attempt("sign-up", { account: tenantAccount("t1", `s${i}@example.com`), ip: "198.51.100.40" }),
      ).toBeNull();
    expect(
      await t.attempt("sign-up", { account: tenantAccount("t1", "late@example.com"), ip: "198.51.100.40" }),
    ).not.toBeNull();
    expect(
      await t.attempt("sign-up", { account: tenantAccount("t1", "late@example.com"), ip: "198.51.100.41" }),
    ).toBeNull();
  });
});

describe("lockout notice and lift", () => {
  it("mails the owner, audits the lockout, lists it for admins, and an admin's lift is audited", async () => {
    const t = instance(`p-${uniqueTag()}`);
    // The notice is queued in the control plane's outbox; asking for it to be sent flushes it here,
    // as the worker's role (the web role may only add to the outbox).
    const flushes: number[] = [];
    const deps: LockoutDeps = {
      control: app,
      agencyHost: "admin.localhost",
      throttle: t,
      requestFlush: async () => {
        const queued = await cp.deps.control.mailOutbox.count({
          where: { toAddress: "owner@lock.example", status: "pending" },
        });
        flushes.push(queued);
        await flushOutbox(cp.deps.control, "control", { transport: outboxTransport(app) });
      },
    };
    const tenant = {
      id: (await cp.deps.control.tenant.create({ data: { slug: cp.slug("lk"), name: "Lock Co", theme: {} } })).id,
      name: "Lock Co",
      primaryHost: "lock.localhost",
    };
    const hash = await hashPassword("right-password");
    const account = tenantAccount(tenant.id, "owner@lock.example");
    for (let i = 0; i < 5; i++) {
      await checkPasswordUnderLockout(
        t,
        { account, ip: "198.51.100.50" },
        async () =>
          (await verifyPassword(hash, "wrong"))
            ? { ok: true, user: 1 }
            : { ok: false, owner: { email: "owner@lock.example", name: "Olga" } },
        (owner, lock, ip) => tenantLockedOut(tenant, owner, lock, ip, deps),
      );
    }
    // Queued first (pending when the flush was asked for), then sent once.
    expect(flushes).toEqual([1]);
    const mails = await app.outboxMessage.findMany({ where: { toAddress: "owner@lock.example" } });
    expect(mails).toHaveLength(1);
    expect(
      await cp.deps.control.mailOutbox.findMany({
        where: { toAddress: "owner@lock.example" },
        select: { status: true },
      }),
    ).toEqual([{ status: "sent" }]);
    expect(mails[0]).toMatchObject({ tenantId: tenant.id, subject: "Your Lock Co account is locked for a while" });
    expect(mails[0]!.text).toMatch(/ask an admin of the portal/);
    const audit = () =>
      app.auditEntry.findMany({
        where: { tenantId: tenant.id },
        orderBy: { id: "asc" },
        select: { action: true, ip: true, actorLabel: true, details: true },
      });
    expect(await audit()).toEqual([
      {
        action: "tenant-user.locked",
        ip: "198.51.100.50",
        actorLabel: "throttle",
        details: { email: "owner@lock.example", minutes: 15, lockoutsToday: 1 },
      },
    ]);

    const viewer = tenantViewer(tenant.id, {
      id: "admin-1",
      email: "admin@lock.example",
      name: "Admin",
      role: "admin",
    });
    const listed = await lockedTenantAccounts(tenant, viewer, deps);
    expect(listed.map((l) => l.email)).toEqual(["owner@lock.example"]);
    // Another tenant's admin sees nothing of it, and may not ask for this tenant's list.
    const elsewhere = "00000000-0000-0000-0000-000000000000";
    const otherAdmin = tenantViewer(elsewhere, {
      id: "admin-2",
      email: "admin@other.example",
      name: "Other",
      role: "admin",
    });
    expect(await lockedTenantAccounts({ id: elsewhere }, otherAdmin, deps)).toEqual([]);
    expect(() => lockedTenantAccounts(tenant, otherAdmin, deps)).toThrow();
    expect(() =>
      lockedTenantAccounts(
        tenant,
        tenantViewer(tenant.id, { id: "staff-1", email: "staff@lock.example", name: "Staff", role: "staff" }),
        deps,
      ),
    ).toThrow();

    const admin = { type: "tenant-user" as const, id: "admin-1", label: "admin@lock.example" };
    expect(
      await unlockAccount(
        { tenantId: tenant.id, email: "owner@lock.example" },
        admin,
        { ip: "198.51.100.51", userAgent: "vitest" },
        deps,
      ),
    ).toBe(true);
    expect(await lockedTenantAccounts(tenant, viewer, deps)).toEqual([]);
    // Unlocked: the right password works again; a second lift has nothing to do.
    const after = await checkPasswordUnderLockout(
      t,
      { account, ip: "198.51.100.50" },
      async () => ({ ok: true as const, user: "owner" }),
      async () => {},
    );
    expect(after).toEqual({ ok: true, user: "owner" });
    expect(
      await unlockAccount(
        { tenantId: tenant.id, email: "owner@lock.example" },
        admin,
        { ip: null, userAgent: null },
        deps,
      ),
    ).toBe(false);
    expect((await audit()).map((a) => [a.action, a.actorLabel])).toEqual([
      ["tenant-user.locked", "throttle"],
      ["tenant-user.unlocked", "admin@lock.example"],
    ]);
  });
});

describe("the client address handed to the app", () => {
  async function serve(trustedProxies: string | undefined) {
    const trusted = parseTrustedProxies(trustedProxies);
    const server = http.createServer((req, res) => {
      stampClientIp(req, trusted);
      res.end(String(req.headers[CLIENT_IP_HEADER]));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    const get = async (headers: Record<string, string>) =>
      (await fetch(`http://127.0.0.1:${port}/`, { headers })).text();
    return { get, close: () => new Promise((r) => server.close(r)) };
  }

  it("is the socket's by default: X-Forwarded-For and a forged header are ignored", async () => {
    const s = await serve(undefined);
    try {
      expect(await s.get({})).toBe("127.0.0.1");
      expect(await s.get({ "X-Forwarded-For": "203.0.113.77", [CLIENT_IP_HEADER]: "203.0.113.78" })).toBe("127.0.0.1");
    } finally {
      await s.close();
    }
  });

  it("honours X-Forwarded-For only from a trusted proxy", async () => {
    const s = await serve("127.0.0.1");
    try {
      expect(await s.get({ "X-Forwarded-For": "203.0.113.77" })).toBe("203.0.113.77");
      // A client-sent entry to the left of the proxy's does not count; nor does a forged header.
      expect(await s.get({ "X-Forwarded-For": "10.9.9.9, 203.0.113.77", [CLIENT_IP_HEADER]: "10.9.9.9" })).toBe(
        "203.0.113.77",
      );
    } finally {
      await s.close();
    }
    const other = await serve("10.0.0.0/8");
    try {
      expect(await other.get({ "X-Forwarded-For": "203.0.113.77" })).toBe("127.0.0.1");
    } finally {
      await other.close();
    }
  });
});
