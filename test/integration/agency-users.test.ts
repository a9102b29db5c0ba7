import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  acceptAgencyInvitation,
  assertOwner,
  changeAgencyUser,
  inviteAgencyUser,
  peekAgencyInvitation,
} from "../../lib/auth/agency-members.server.ts";
import { outboxTransport } from "../../lib/mail/transport.server.ts";
import { testControlPlane, type TestControlPlane } from "../support/databases.ts";

/** Agency membership against a real control plane: invitations and the last-owner rule. */
let cp: TestControlPlane;
const hosts = { rootDomain: "localhost", agencyHost: "admin.localhost", bareHost: "agency" as const };

beforeAll(async () => {
  cp = await testControlPlane();
});
afterAll(() => cp?.cleanup());

const invitations = () => ({
  mail: outboxTransport(cp.deps.control),
  link: (host: string, p: string) => `http://${host}:3000${p}`,
  hosts,
});
const owner = (email: string) => cp.deps.control.agencyUser.create({ data: { email, name: email, role: "owner" } });

describe("agency users", () => {
  it("an invitation is emailed, works once, and sets the password", async () => {
    const { userId } = await inviteAgencyUser(
      cp.deps.control,
      invitations(),
      { email: "Sam@Agency.Example", name: "Sam", role: "operator" },
      "olive@agency.example",
    );
    const mail = await cp.deps.control.outboxMessage.findFirstOrThrow({
      where: { toAddress: "sam@agency.example" },
      orderBy: { at: "desc" },
    });
    expect(mail.text).toContain("as operator");
    const token = /\/invite\?token=([A-Za-z0-9_-]{43})/.exec(mail.text)?.[1];
    expect(token).toBeDefined();
    expect(mail.text).toContain("http://admin.localhost:3000/invite?token=");

    expect(await peekAgencyInvitation(cp.deps.control, token)).toEqual({
      email: "sam@agency.example",
      name: "Sam",
      role: "operator",
    });
    expect(await acceptAgencyInvitation(cp.deps.control, token, "hash-1")).toBe("sam@agency.example");
    expect(await acceptAgencyInvitation(cp.deps.control, token, "hash-2")).toBeNull();
    expect(await peekAgencyInvitation(cp.deps.control, token)).toBeNull();
    expect((await cp.deps.control.agencyUser.findUniqueOrThrow({ where: { id: userId } })).passwordHash).toBe("hash-1");

    await expect(
      inviteAgencyUser(
        cp.deps.control,
        invitations(),
        { email: "sam@agency.example", name: "Sam", role: "viewer" },
        "x",
      ),
    ).rejects.toThrow(/already an agency user/);
    await expect(
      inviteAgencyUser(cp.deps.control, invitations(), { email: "not an email", name: "X", role: "viewer" }, "x"),
    ).rejects.toThrow(/enter an email address/);
  });

  it("only an active owner may manage agency users", async () => {
    const op = await cp.deps.control.agencyUser.create({
      data: { email: "op@agency.example", name: "Op", role: "operator" },
    });
    await expect(assertOwner(cp.deps.control, op.id)).rejects.toThrow(/only an active agency owner/);
    await expect(assertOwner(cp.deps.control, null)).rejects.toThrow(/only an active agency owner/);
    const o = await owner("boss@agency.example");
    await expect(assertOwner(cp.deps.control, o.id)).resolves.toBeUndefined();
    await changeAgencyUser(cp.deps.control, o.id, { role: "viewer" }).catch(() => {});
  });

  it("deactivation ends every session (session version) and withdraws open invitations; reactivation restores", async () => {
    const { userId } = await inviteAgencyUser(
      cp.deps.control,
      invitations(),
      { email: "vic@agency.example", name: "Vic", role: "viewer" },
      "x",
    );
    const before = await cp.deps.control.agencyUser.findUniqueOrThrow({ where: { id: userId } });
    expect(await changeAgencyUser(cp.deps.control, userId, { active: false })).toMatchObject({
      active: false,
      changed: true,
    });
    const after = await cp.deps.control.agencyUser.findUniqueOrThrow({ where: { id: userId } });
    expect(after.sessionVersion).toBe(before.sessionVersion + 1);
    const mail = await cp.deps.control.outboxMessage.findFirstOrThrow({
      where: { toAddress: "vic@agency.example" },
      orderBy: { at: "desc" },
    });
    const token = /token=([A-Za-z0-9_-]{43})/.exec(mail.text)![1];
    expect(await acceptAgencyInvitation(cp.deps.control, token, "h")).toBeNull();
    expect(await changeAgencyUser(cp.deps.control, userId, { active: true })).toMatchObject({
      active: true,
      changed: true,
    });
  });

  it("the last active owner can be neither demoted nor deactivated, even by two owners at once", async () => {
    await cp.deps.control.agencyUser.updateMany({ where: { role: "owner" }, data: { role: "viewer" } });
    const a = await owner("a@agency.example");
    await expect(changeAgencyUser(cp.deps.control, a.id, { role: "operator" })).rejects.toThrow(/last active owner/);
    await expect(changeAgencyUser(cp.deps.control, a.id, { active: false })).rejects.toThrow(/last active owner/);

    const b = await owner("b@agency.example");
    // a demotes b while b demotes a: exactly one succeeds. A third session holds both rows so
    // that both changes have started (and, without the row lock, would both have counted two
    // owners) before either can write.
    const holder = new pg.Client({ connectionString: cp.url });
    await holder.connect();
    await holder.query("BEGIN");
    await holder.query(`SELECT id FROM "AgencyUser" WHERE id IN ($1, $2) FOR SHARE`, [a.id, b.id]);
    const racing = Promise.allSettled([
      changeAgencyUser(cp.deps.control, b.id, { role: "viewer" }),
      changeAgencyUser(cp.deps.control, a.id, { role: "viewer" }),
    ]);
    await new Promise((r) => setTimeout(r, 300));
    await holder.query("COMMIT");
    await holder.end();
    const outcomes = await racing;
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
    expect(outcomes.filter((o) => o.status === "rejected" && /last active owner/.test(String(o.reason)))).toHaveLength(
      1,
    );
    expect(await cp.deps.control.agencyUser.count({ where: { role: "owner", active: true } })).toBe(1);

    // A deactivated owner does not count.
    const c = await owner("c@agency.example");
    const remaining = await cp.deps.control.agencyUser.findFirstOrThrow({
      where: { role: "owner", active: true, id: { not: c.id } },
    });
    await changeAgencyUser(cp.deps.control, c.id, { active: false });
    await expect(changeAgencyUser(cp.deps.control, remaining.id, { role: "viewer" })).rejects.toThrow(
      /last active owner/,
    );
  });
});
