import { describe, expect, it } from "vitest";
import type { MailBrand, MailContent, MailEvent } from "./content.ts";
import type { MailLocale } from "./messages/index.ts";
import { personalise } from "./personalise.ts";
import { renderMail, renderPersonalisable, startsWithGreeting } from "./templates.tsx";

/** Fixed inputs: the snapshots change only when a template or a string does. */
const brand: MailBrand = {
  name: "Acme Academy",
  logoUrl: "http://learn.acme.localhost:3000/logo/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.png",
  logoAlt: "Acme Academy logo",
  primary: "#fde047",
  onPrimary: "#000000",
  homeUrl: "http://learn.acme.localhost:3000/",
};
const event: MailEvent = {
  title: "Launch night",
  summary: "Demos, food and drinks.",
  // 18:30–21:00 in Berlin (CET, UTC+1).
  startsAt: new Date("2026-12-01T17:30:00Z"),
  endsAt: new Date("2026-12-01T20:00:00Z"),
  timeZone: "Europe/Berlin",
  venue: "Hall A, Torstraße 1, Berlin",
  onlineUrl: "https://meet.example/launch",
  url: "http://learn.acme.localhost:3000/events/launch-night",
};
const sentAt = new Date("2026-11-20T09:00:00Z");

const kinds: MailContent[] = [
  { kind: "sign-in-link", link: "http://learn.acme.localhost:3000/sign-in/link?token=TOKEN", minutes: 15 },
  {
    kind: "first-admin-invitation",
    name: "Ada Acme",
    link: "http://learn.acme.localhost:3000/invite?token=T",
    days: 7,
  },
  {
    kind: "team-invitation",
    name: "Stan Staff",
    invitedBy: "Ada Acme",
    role: "staff",
    link: "http://learn.acme.localhost:3000/invite?token=T",
    days: 7,
  },
  {
    kind: "team-promotion",
    name: "Stan Staff",
    by: "Ada Acme",
    role: "admin",
    link: "http://learn.acme.localhost:3000/sign-in",
  },
  {
    kind: "agency-invitation",
    name: "Otto Operator",
    invitedBy: "Olga Owner",
    role: "operator",
    link: "http://admin.localhost:3000/invite?token=T",
    days: 7,
  },
  {
    kind: "account-locked",
    realm: "tenant",
    name: "Ada Acme",
    until: new Date("2026-12-01T10:15:00Z"),
    nextMinutes: 60,
  },
  {
    kind: "account-locked",
    realm: "agency",
    name: "Olga Owner",
    until: new Date("2026-12-01T10:15:00Z"),
    nextMinutes: 15,
  },
  {
    kind: "guest-confirmation",
    name: "Gus Guest",
    event,
    link: "http://learn.acme.localhost:3000/registrations/confirm?token=T",
  },
  {
    kind: "registered",
    name: "Mia Member",
    event,
    registrationId: "r-1",
    ticketUrl: "http://learn.acme.localhost:3000/tickets/CODE",
  },
  { kind: "waitlisted", name: "Mia Member", event },
  {
    kind: "promoted",
    name: "Mia Member",
    event,
    registrationId: "r-1",
    ticketUrl: "http://learn.acme.localhost:3000/tickets/CODE",
  },
  { kind: "registration-cancelled", name: "Mia Member", event },
  { kind: "event-cancelled", name: "Mia Member", event, homeUrl: "http://learn.acme.localhost:3000/" },
  {
    kind: "staff-message",
    name: "Ada Acme",
    event,
    subject: "Doors",
    body: "**Doors** open at *18:00*.\n\n- Bring your ticket\n- [Directions](https://maps.example/hall-a)",
    from: "Stan Staff",
  },
  { kind: "password-reset", link: "http://learn.acme.localhost:3000/reset-password?token=TOKEN", minutes: 30 },
  {
    kind: "email-change-confirm",
    name: "Mia Member",
    newEmail: "mia.new@example.com",
    link: "http://learn.acme.localhost:3000/account/email?token=TOKEN",
    hours: 24,
  },
  { kind: "email-change-notice", name: "Mia Member", newEmail: "mia.new@example.com" },
];

const label = (c: MailContent) => (c.kind === "account-locked" ? `${c.kind}-${c.realm}` : c.kind);

describe.each<MailLocale>(["en", "de", "fr"])("every message in %s", (locale) => {
  it.each(kinds.map((c) => [label(c), c] as const))("%s renders the same HTML and text", async (name, content) => {
    const mail = await renderMail(content, { brand, locale, sentAt });
    expect(mail.subject).not.toMatch(/[\r\n]/);
    await expect(`Subject: ${mail.subject}\n\n${mail.text}`).toMatchFileSnapshot(
      `./__snapshots__/${locale}/${name}.txt`,
    );
    await expect(mail.html).toMatchFileSnapshot(`./__snapshots__/${locale}/${name}.html`);
    // Branded: the tenant's name, logo (absolute) and colours in the header.
    expect(mail.html).toContain(`lang="${locale}"`);
    expect(mail.html).toContain("background-color:#fde047");
    expect(mail.html).toContain(`src="${brand.logoUrl}"`);
  });
});

describe("event details", () => {
  it("gives date and time in the event's zone, named, in the reader's language", async () => {
    const en = await renderMail(kinds[8]!, { brand, locale: "en", sentAt });
    expect(en.text).toContain("Tue, 1 Dec 2026, 18:30–21:00 CET (Europe/Berlin)");
    expect(en.text).toContain("Hall A, Torstraße 1, Berlin");
    expect(en.text).toContain("https://meet.example/launch");
    const de = await renderMail(kinds[8]!, { brand, locale: "de", sentAt });
    expect(de.text).toContain("Di., 1. Dez. 2026, 18:30–21:00 MEZ (Europe/Berlin)");
    const fr = await renderMail(kinds[8]!, { brand, locale: "fr", sentAt });
    expect(fr.text).toContain("mar. 1 déc. 2026, 18:30–21:00 UTC+1 (Europe/Berlin)");
  });

  it("links Google and Outlook calendars in the confirmation, not in the waitlist note", async () => {
    const confirmed = await renderMail(kinds[8]!, { brand, sentAt });
    expect(confirmed.html).toContain("https://calendar.google.com/calendar/render?action=TEMPLATE");
    expect(confirmed.html).toContain("https://outlook.live.com/calendar/0/deeplink/compose?");
    const waitlisted = await renderMail(kinds[9]!, { brand, sentAt });
    expect(waitlisted.html).not.toContain("calendar.google.com");
    expect(waitlisted.attachments).toEqual([]);
  });
});

describe("staff messages", () => {
  const staff = (body: string) => ({ ...kinds[13]!, body }) as MailContent;

  it("greet once: no second greeting when the message has its own", async () => {
    const own = await renderMail(staff("Hello,\n\nDoors open at six."), { brand, sentAt });
    expect(own.text).not.toContain("Hello Ada Acme,");
    expect(own.text.match(/Hello/g)).toHaveLength(1);
    const none = await renderMail(staff("Doors open at six."), { brand, sentAt });
    expect(none.text).toContain("Hello Ada Acme,");
  });

  it("render **bold** bold in HTML and readable in text", async () => {
    const mail = await renderMail(staff("It is **free**."), { brand, sentAt });
    expect(mail.html).toContain("<strong>free</strong>");
    expect(mail.text).toContain("It is free.");
    expect(mail.text).not.toContain("**");
  });

  it("neutralise script, raw HTML and javascript: links, keeping a safe link beside them", async () => {
    const mail = await renderMail(
      staff(
        '<script>alert(1)</script> <iframe src="https://evil.example"></iframe>\n\n[x](javascript:alert(2)) [ok](https://ok.example/)',
      ),
      { brand, sentAt },
    );
    expect(mail.html).not.toMatch(/<script|<iframe|href="javascript:/i);
    expect(mail.html).toContain("&lt;script&gt;");
    expect(mail.html).toContain('href="https://ok.example/"');
  });

  it("recognise greetings in each language, but not words that merely start like one", () => {
    expect(startsWithGreeting("Hi all,")).toBe(true);
    expect(startsWithGreeting("Liebe Gäste,")).toBe(true);
    expect(startsWithGreeting("Bonjour à tous")).toBe(true);
    expect(startsWithGreeting("History of the venue")).toBe(false);
    expect(startsWithGreeting("Doors open at six")).toBe(false);
  });
});

describe("the calendar file", () => {
  /** RFC 5545 content lines, unfolded, as a calendar reads them. */
  const contentLines = (ics: string) =>
    ics
      .replace(/\r\n[ \t]/g, "")
      .split("\r\n")
      .filter(Boolean);

  it("comes with confirmations and promotions, with one stable UID per registration", async () => {
    const registered = await renderMail(kinds[8]!, { brand, sentAt });
    const promoted = await renderMail(kinds[10]!, { brand, sentAt });
    expect(registered.attachments).toHaveLength(1);
    const [ics] = registered.attachments;
    expect(ics).toMatchObject({ filename: "invite.ics", contentType: "text/calendar; charset=utf-8; method=PUBLISH" });
    const lines = contentLines(ics!.content);
    expect(lines[0]).toBe("BEGIN:VCALENDAR");
    expect(lines.at(-1)).toBe("END:VCALENDAR");
    expect(lines).toContain("METHOD:PUBLISH");
    expect(lines).toContain("UID:registration-r-1@learn.acme.localhost");
    expect(lines).toContain("DTSTART:20261201T173000Z");
    expect(lines).toContain("DTEND:20261201T200000Z");
    expect(lines).toContain("DTSTAMP:20261120T090000Z");
    expect(lines).toContain("SUMMARY:Launch night");
    expect(lines).toContain("LOCATION:Hall A\\, Torstraße 1\\, Berlin");
    expect(lines.filter((l) => l === "BEGIN:VEVENT")).toHaveLength(1);
    for (const raw of ics!.content.split("\r\n")) expect(Buffer.byteLength(raw, "utf8")).toBeLessThanOrEqual(75);
    // The same registration keeps its UID when promoted, so a calendar updates the entry.
    expect(contentLines(promoted.attachments[0]!.content)).toContain("UID:registration-r-1@learn.acme.localhost");
  });

  it("is not attached to messages without a seat", async () => {
    for (const content of kinds.filter((c) => c.kind !== "registered" && c.kind !== "promoted"))
      expect((await renderMail(content, { brand, sentAt })).attachments).toEqual([]);
  });
});

describe("a message shared by many readers", () => {
  const staff = kinds.find((c) => c.kind === "staff-message")!;
  const greeted = { ...staff, body: "Hello all,\n\nDoors open at 18:00." } as MailContent;

  it.each<[string, MailContent, MailLocale]>([
    ["a staff message", staff, "en"],
    ["a staff message with its own greeting", greeted, "de"],
    ["a waitlist note", kinds[9]!, "fr"],
  ])(
    "%s, rendered once and personalised, is what rendering it for each reader gives",
    async (_label, content, locale) => {
      const template = await renderPersonalisable(content, { brand, locale, sentAt });
      expect(template).not.toBeNull();
      for (const name of ["Ada", 'Zoë O\'Brien & <Co> "Ltd"', "李 小龍", "Jean-Luc Picard-Dupont de la Tour"]) {
        const direct = await renderMail({ ...content, name } as MailContent, { brand, locale, sentAt });
        expect(personalise(template!, name), name).toEqual(direct);
      }
    },
  );

  it("is not shared when it carries a reader's own calendar file; a message without one is (control)", async () => {
    expect(await renderPersonalisable(kinds[8]!, { brand, sentAt })).toBeNull();
    expect(await renderPersonalisable(kinds[9]!, { brand, sentAt })).not.toBeNull();
  });

  it("leaves names HTML would reflow to their own rendering; a plain name is personalised (control)", async () => {
    const template = (await renderPersonalisable(staff, { brand, sentAt }))!;
    for (const name of ["", " Ada", "Ada ", "Ada  Lovelace", "Ada\nLovelace", "Ada\tL", "A\u200bda", "x".repeat(201)])
      expect(personalise(template, name), JSON.stringify(name)).toBeNull();
    expect(personalise(template, "Ada Lovelace")?.text).toContain("Hello Ada Lovelace,");
  });
});
