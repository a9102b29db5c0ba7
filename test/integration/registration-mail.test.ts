import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TenantUser } from "../../lib/auth/tenant-guard.server.ts";
import type { PooledClient } from "../../lib/db/client-cache.ts";
import type { TenantDb } from "../../lib/db/tenant-db.server.ts";
import { smtpTransport } from "../../lib/mail/transport.server.ts";
import { cancelMemberRegistration, registerMember } from "../../lib/portal/member.server.ts";
import { messageAttendees } from "../../lib/portal/staff.server.ts";
import { provisionTenant } from "../../lib/provisioning/provision.server.ts";
import { parseTenantSpec } from "../../lib/provisioning/spec.ts";
import type { ResolvedTenant } from "../../lib/tenancy/resolver.ts";
import { FALLBACK_THEME } from "../../lib/tenancy/theme.ts";
import { openTenantDb, testControlPlane, type TestControlPlane } from "../support/databases.ts";
import { installTestPlatform } from "../support/platform.ts";
import { tenantViewer } from "../support/viewers.ts";

/**
 * A registration's emails on the real paths: rendered by React Email on the render thread, stored
 * by the outbox transport, and sent by the SMTP transport to a real SMTP server, as MIME.
 */
let cp: TestControlPlane;
let installed: ReturnType<typeof installTestPlatform>;
let pooled: PooledClient<TenantDb>;
let tenant: ResolvedTenant;
let smtp: SMTPServer;
let smtpPort: number;
const received: string[] = [];

async function member(email: string, name: string): Promise<TenantUser> {
  const row = await pooled.client.user.create({ data: { email, name, role: "member", passwordHash: "x" } });
  return tenantViewer(tenant.id, { id: row.id, email: row.email, name: row.name, role: "member" });
}

beforeAll(async () => {
  cp = await testControlPlane();
  const slug = cp.slug("mail");
  const { tenantId } = await provisionTenant(
    cp.deps,
    parseTenantSpec({ slug, name: "Mail Co", theme: FALLBACK_THEME }),
    { mode: "create", seed: false },
  );
  installed = installTestPlatform(cp);
  tenant = await installed.tenant(slug);
  pooled = await openTenantDb(cp, tenantId, "registration-mail-test");
  await pooled.client.event.create({
    data: {
      slug: "launch",
      title: "Launch night",
      summary: "Demos and drinks.",
      startsAt: new Date("2031-03-04T17:30:00Z"),
      endsAt: new Date("2031-03-04T20:00:00Z"),
      timeZone: "Europe/Berlin",
      venue: "Hall A",
      status: "published",
    },
  });
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, _session, done) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        received.push(Buffer.concat(chunks).toString("utf8"));
        done();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", resolve));
  smtpPort = (smtp.server.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
  await installed?.uninstall();
  await pooled?.close();
  await cp?.cleanup();
});

const outbox = (to: string) =>
  cp.deps.control.outboxMessage.findMany({ where: { tenantId: tenant.id, toAddress: to }, orderBy: { at: "asc" } });

describe("registration emails", () => {
  it("store an HTML part, a text part and a calendar file in the outbox", async () => {
    const mia = await member("mia@mail.example", "Mia Member");
    await registerMember(tenant, mia, "launch", {});
    const [mail] = await outbox("mia@mail.example");
    expect(mail).toMatchObject({ subject: "You're registered: Launch night", fromName: "Mail Co" });
    expect(mail!.html).toMatch(/^<!DOCTYPE html/);
    expect(mail!.html).toContain("Launch night");
    expect(mail!.text).toContain("When: Tue, 4 Mar 2031, 18:30–21:00 CET (Europe/Berlin)");
    expect(mail!.text).toMatch(/\/tickets\/[A-Za-z0-9_-]{20}/);
    const attachments = mail!.attachments as Array<{ filename: string; contentType: string; content: string }>;
    expect(attachments.map((a) => a.filename)).toEqual(["invite.ics"]);
    expect(attachments[0]!.content).toContain("DTSTART:20310304T173000Z\r\n");
  });

  it("tell a member who cancels, with the way back to the event", async () => {
    const reg = await pooled.client.registration.findFirstOrThrow({ where: { email: "mia@mail.example" } });
    const mia = tenantViewer(tenant.id, {
      id: reg.userId!,
      email: "mia@mail.example",
      name: "Mia Member",
      role: "member",
    });
    await cancelMemberRegistration(tenant, mia, reg.id);
    const mails = await outbox("mia@mail.example");
    expect(mails.map((m) => m.subject)).toEqual([
      "You're registered: Launch night",
      "Registration cancelled: Launch night",
    ]);
    expect(mails[1]!.text).toMatch(/View the event https?:\/\/\S+\/events\/launch/);
    expect(mails[1]!.attachments).toEqual([]);
    // Cancelling again sends nothing more (positive control above: the first cancel did).
    await cancelMemberRegistration(tenant, mia, reg.id);
    expect(await outbox("mia@mail.example")).toHaveLength(2);
  });

  it("go over SMTP as multipart/alternative (text and HTML) with the .ics attached", async () => {
    const previous = installed.platform.mail;
    (installed.platform as { mail: typeof previous }).mail = smtpTransport(`smtp://127.0.0.1:${smtpPort}`);
    try {
      await registerMember(tenant, await member("sam@mail.example", "Sam Smtp"), "launch", {});
    } finally {
      (installed.platform as { mail: typeof previous }).mail = previous;
    }
    expect(received).toHaveLength(1);
    const raw = received[0]!;
    expect(raw).toMatch(/^Content-Type: multipart\/mixed;/m);
    expect(raw).toMatch(/^Content-Type: multipart\/alternative;/m);
    expect(raw).toMatch(/^Content-Type: text\/plain; charset=utf-8/m);
    expect(raw).toMatch(/^Content-Type: text\/html; charset=utf-8/m);
    expect(raw).toMatch(/^Content-Type: text\/calendar; charset=utf-8; method=PUBLISH;?/m);
    expect(raw).toMatch(/filename=invite\.ics/);
    expect(raw).toMatch(/^To: sam@mail\.example/m);
    expect(await outbox("sam@mail.example")).toHaveLength(0);
  });

  it("render a staff message's Markdown, greeting once", async () => {
    const staff = tenantViewer(tenant.id, {
      id: "00000000-0000-4000-8000-000000000001",
      email: "s@mail.example",
      name: "Stan",
      role: "staff",
    });
    const event = await pooled.client.event.findUniqueOrThrow({ where: { slug: "launch" } });
    expect(await messageAttendees(tenant, staff, event.id, "Doors", "Hello,\n\nDoors open at **six**.")).toBe(1);
    const mails = await outbox("sam@mail.example");
    expect(mails.at(-1)!.subject).toBe("Launch night: Doors");
    expect(mails.at(-1)!.html).toContain("<strong>six</strong>");
    expect(mails.at(-1)!.text).not.toContain("Hello Sam Smtp");
    expect(mails.at(-1)!.text.match(/Hello/g)).toHaveLength(1);
  });
});
