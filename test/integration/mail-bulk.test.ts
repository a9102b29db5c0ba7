import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PooledClient } from "../../lib/db/client-cache.ts";
import type { TenantDb } from "../../lib/db/tenant-db.server.ts";
import { smtpTransport, type MailTransport } from "../../lib/mail/transport.server.ts";
import {
  flushMail,
  mailFlushesSettled,
  setMailFlushRequester,
  tenantMailTarget,
  type MailTarget,
} from "../../lib/platform/mail-queue.server.ts";
import { messageAttendees } from "../../lib/portal/staff.server.ts";
import { provisionTenant } from "../../lib/provisioning/provision.server.ts";
import { parseTenantSpec } from "../../lib/provisioning/spec.ts";
import type { ResolvedTenant } from "../../lib/tenancy/resolver.ts";
import { FALLBACK_THEME } from "../../lib/tenancy/theme.ts";
import { openTenantDb, testControlPlane, type TestControlPlane } from "../support/databases.ts";
import { installTestPlatform } from "../support/platform.ts";
import { tenantViewer } from "../support/viewers.ts";

/**
 * "Message all attendees" to 10,000 people: the request queues (one statement) and returns; the
 * flush, sliced as the "mail.flush" job runs it, delivers every message to a real SMTP server
 * once, each reader's own name in it, the message rendered once and personalised per reader.
 */
const ATTENDEES = 10_000;
let cp: TestControlPlane;
let installed: ReturnType<typeof installTestPlatform>;
let pooled: PooledClient<TenantDb>;
let tenant: ResolvedTenant;
let smtp: SMTPServer;
let transport: MailTransport;
let eventId: string;
const received: string[] = [];
const subjects = new Set<string>();
/** The greeting line each recipient's message carried. */
const greetings = new Map<string, string>();

beforeAll(async () => {
  cp = await testControlPlane();
  const slug = cp.slug("bulk");
  const { tenantId } = await provisionTenant(
    cp.deps,
    parseTenantSpec({ slug, name: "Bulk Co", theme: FALLBACK_THEME }),
    { mode: "create", seed: false },
  );
  installed = installTestPlatform(cp);
  tenant = await installed.tenant(slug);
  pooled = await openTenantDb(cp, tenantId, "mail-bulk-test");
  const event = await pooled.client.event.create({
    data: {
      slug: "summit",
      title: "Summit",
      summary: "Everyone.",
      startsAt: new Date("2031-05-04T08:00:00Z"),
      endsAt: new Date("2031-05-04T17:00:00Z"),
      timeZone: "Europe/Paris",
      status: "published",
    },
  });
  eventId = event.id;
  await pooled.client.$executeRawUnsafe(
    `INSERT INTO "Registration" ("id", "eventId", "email", "name", "status", "ticketCode", "updatedAt")
     SELECT gen_random_uuid(), $1::uuid, 'p' || g || '@bulk.example', 'Person ' || g, 'confirmed', 'bulk-' || g, now()
     FROM generate_series(1, ${ATTENDEES}) g`,
    eventId,
  );
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    disableReverseLookup: true,
    logger: false,
    onData(stream, session, done) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        for (const r of session.envelope.rcptTo) received.push(r.address);
        const message = Buffer.concat(chunks).toString("utf8");
        const subject = /^Subject: (.*)$/m.exec(message)?.[1];
        if (subject) subjects.add(subject.trim());
        // The text part's greeting line, short and ASCII, reads as sent in any transfer encoding but base64.
        const greeting = /^Hello Person \d+,$/m.exec(message)?.[0];
        for (const r of session.envelope.rcptTo) if (greeting) greetings.set(r.address, greeting);
        done();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", resolve));
  transport = smtpTransport(`smtp://127.0.0.1:${(smtp.server.address() as { port: number }).port}`);
  installed.platform.mail = transport;
});
afterAll(async () => {
  setMailFlushRequester(null);
  await mailFlushesSettled();
  transport?.close();
  await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
  await installed?.uninstall();
  await pooled?.close();
  await cp?.cleanup();
});

describe("a message to 10,000 attendees", () => {
  it("is queued by the request, which returns before anything is sent; the flush delivers each once", async () => {
    // The queue stands where production's job queue does: the request only asks for a flush.
    const asked: MailTarget[] = [];
    setMailFlushRequester(async (target) => void asked.push(target));
    const staff = tenantViewer(tenant.id, {
      id: crypto.randomUUID(),
      email: "sam@bulk.example",
      name: "Sam",
      role: "staff",
    });
    const count = await messageAttendees(tenant, staff, eventId, "Doors open at 8", "See you **there**.");
    expect(count).toBe(ATTENDEES);
    expect(asked).toEqual([tenantMailTarget(tenant.id)]);
    expect(received).toHaveLength(0);
    expect(await pooled.client.mailOutbox.count({ where: { status: "pending", attempts: 0 } })).toBe(ATTENDEES);

    // The job: bounded slices until nothing is due, as the "mail.flush" handler runs them.
    let slices = 0;
    for (let more = true; more; slices++) more = (await flushMail(asked[0]!, { limit: 2_500 })).more;
    expect(slices).toBeGreaterThan(1);
    expect(received).toHaveLength(ATTENDEES);
    expect(new Set(received).size).toBe(ATTENDEES);
    expect(received).toContain("p1@bulk.example");
    expect(received).toContain(`p${ATTENDEES}@bulk.example`);
    expect([...subjects]).toEqual(["Summit: Doors open at 8"]);
    // Each reader greeted by name: the shared rendering personalised, not one name for everyone.
    expect(greetings.size).toBe(ATTENDEES);
    expect(greetings.get("p1@bulk.example")).toBe("Hello Person 1,");
    expect(greetings.get(`p${ATTENDEES}@bulk.example`)).toBe(`Hello Person ${ATTENDEES},`);
    expect(await pooled.client.mailOutbox.count({ where: { status: "sent" } })).toBe(ATTENDEES);
  }, 300_000);
});
