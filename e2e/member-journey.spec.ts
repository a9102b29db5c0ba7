import { expect, test } from "@playwright/test";
import { adminSql } from "./cli.ts";
import { signedIn, tenantWithUsers } from "./fixtures.ts";
import { at, direct, openOutbox } from "./hosts.ts";

/** An event of one place on a tenant, straight into its database (test set-up only). */
async function onePlaceEvent(tenant: string, slug: string, title: string) {
  await adminSql(
    `t_${tenant.replaceAll("-", "_")}`,
    `INSERT INTO "Event" (id, slug, title, summary, "startsAt", "endsAt", "timeZone", venue, capacity, status, "updatedAt")
     VALUES (gen_random_uuid(), $1, $2, 'One place only.', now() + interval '10 days', now() + interval '10 days 2 hours', 'Europe/Berlin', 'Room 1', 1, 'published', now())`,
    [slug, title],
  );
}

test("member journey on two tenants at once: register, ticket, waitlist, cancel, promotion; nothing crosses", async ({
  browser,
}) => {
  test.setTimeout(120_000);
  const slug = "masterclass";
  const a = await tenantWithUsers("alpha", [
    { email: "ada@alpha.example", name: "Ada", role: "member" },
    { email: "sam@alpha.example", name: "Sam", role: "member" },
  ]);
  const b = await tenantWithUsers("beta", [{ email: "gil@beta.example", name: "Gil", role: "member" }]);
  const A = `${a}.localhost`;
  const B = `${b}.localhost`;
  await onePlaceEvent(a, slug, "Alpha masterclass");
  await onePlaceEvent(b, slug, "Beta masterclass");
  const [ada, sam, gil] = await Promise.all([
    signedIn(browser, A, "ada@alpha.example"),
    signedIn(browser, A, "sam@alpha.example"),
    signedIn(browser, B, "gil@beta.example"),
  ]);

  // Browse → register: Ada takes Alpha's only place, Gil Beta's (same slug, another tenant).
  for (const [page, host, title] of [
    [ada, A, "Alpha masterclass"],
    [gil, B, "Beta masterclass"],
  ] as const) {
    await page.goto(at(host));
    await page.getByRole("link", { name: title }).click();
    await expect(page.getByTestId("places")).toHaveText("1 of 1 left");
    await page.getByTestId("register-form").getByRole("button", { name: "Register" }).click();
    await expect(page.getByTestId("registration")).toHaveAttribute("data-status", "confirmed");
  }

  // The ticket carries a QR code of its own code; another member cannot open it.
  await ada.getByTestId("ticket-link").click();
  await expect(ada.getByTestId("ticket")).toHaveAttribute("data-status", "confirmed");
  await expect(ada.getByTestId("ticket-qr").locator("svg")).toBeVisible();
  await expect(ada.getByTestId("google-calendar-link")).toHaveAttribute(
    "href",
    /^https:\/\/calendar\.google\.com\/calendar\/render\?action=TEMPLATE&text=Alpha\+masterclass&dates=\d{8}T\d{6}Z%2F\d{8}T\d{6}Z/,
  );
  await expect(ada.getByTestId("outlook-calendar-link")).toHaveAttribute(
    "href",
    /^https:\/\/outlook\.live\.com\/calendar\/0\/deeplink\/compose\?.*startdt=\d{4}-\d{2}-\d{2}T\d{2}%3A\d{2}%3A\d{2}Z/,
  );
  const code = await ada.getByTestId("ticket-code").innerText();
  expect((await sam.goto(at(A, `/tickets/${code}`)))?.status()).toBe(404);

  // Sam finds the event full and joins the waitlist.
  await sam.goto(at(A, `/events/${slug}`));
  await expect(sam.getByTestId("places")).toHaveText("0 of 1 left");
  await sam.getByRole("button", { name: "Join the waitlist" }).click();
  await expect(sam.getByTestId("registration")).toHaveAttribute("data-status", "waitlisted");
  await expect(sam.getByTestId("waitlist-position")).toHaveText("You are number 1 on the waitlist");
  await sam.goto(at(A, "/registrations"));
  await expect(sam.locator(`[data-event="${slug}"]`).getByTestId("registration-label")).toHaveText(
    "You are number 1 on the waitlist",
  );

  // Ada cancels, after being told her seat goes to the waitlist; backing out keeps it.
  await ada.goto(at(A, `/events/${slug}`));
  const cancelForm = ada.getByTestId("cancel-registration");
  await cancelForm.getByRole("button", { name: "Cancel my registration…" }).click();
  await expect(cancelForm.getByTestId("confirm-text")).toContainText("next person on the waitlist");
  await cancelForm.getByRole("button", { name: "Cancel", exact: true }).click();
  await expect(cancelForm.getByTestId("confirm-text")).toBeHidden();
  await ada.reload();
  await expect(ada.getByTestId("registration")).toHaveAttribute("data-status", "confirmed");
  // Sam is promoted at once and told by email.
  await cancelForm.getByRole("button", { name: "Cancel my registration…" }).click();
  await cancelForm.getByRole("button", { name: "Yes, cancel my registration" }).click();
  await expect(ada.getByTestId("register-form")).toBeVisible();
  await sam.goto(at(A, "/registrations"));
  await expect(sam.locator(`[data-event="${slug}"]`)).toHaveAttribute("data-status", "confirmed");
  const outbox = await (await browser.newContext()).newPage();
  await openOutbox(outbox, "sam@alpha.example");
  await expect(outbox.getByTestId("outbox-subject").first()).toHaveText("A place opened up: Alpha masterclass");
  // Branded HTML, shown in a frame with no permissions, beside the text part and the calendar file.
  const html = outbox.getByTestId("outbox-html").first();
  await expect(html).toHaveAttribute("sandbox", "");
  await expect(html.contentFrame().getByText("A place at Alpha masterclass opened up and it is yours.")).toBeVisible();
  await expect(outbox.getByTestId("outbox-text").first()).toContainText("Room 1");
  await expect(outbox.getByTestId("outbox-attachment").first()).toHaveText("invite.ics");
  // Ada, who cancelled, is told so.
  await openOutbox(outbox, "ada@alpha.example");
  await expect(outbox.getByTestId("outbox-subject").first()).toHaveText("Registration cancelled: Alpha masterclass");

  // Nothing crossed: Gil's list holds only Beta's event, still confirmed.
  await gil.goto(at(B, "/registrations"));
  await expect(gil.getByTestId("my-registrations").locator("li")).toHaveCount(1);
  await expect(gil.locator(`[data-event="${slug}"]`)).toHaveAttribute("data-status", "confirmed");
  await expect(gil.getByTestId("my-registrations")).toContainText("Beta masterclass");

  // A calendar file per event.
  const ics = await gil.request.get(...direct(B, `/events/${slug}/calendar.ics`));
  expect(ics.headers()["content-type"]).toContain("text/calendar");
  expect(await ics.text()).toContain("SUMMARY:Beta masterclass");
});

test("a guest registers without an account where the portal allows it, and confirms by email once", async ({
  browser,
}) => {
  test.setTimeout(90_000);
  const t = await tenantWithUsers("theta", []);
  const host = `${t}.localhost`;
  await onePlaceEvent(t, "open-day", "Open day");
  const db = `t_${t.replaceAll("-", "_")}`;
  const guest = await (await browser.newContext()).newPage();
  // Not allowed yet: sign in to register.
  await guest.goto(at(host, "/events/open-day"));
  await expect(guest.getByRole("link", { name: "Sign in to register" })).toBeVisible();
  await expect(guest.getByTestId("guest-form")).toHaveCount(0);

  await adminSql(
    db,
    `INSERT INTO "PortalSettings" (id, "allowGuestRegistration", "updatedAt") VALUES (1, true, now()) ON CONFLICT (id) DO UPDATE SET "allowGuestRegistration" = true`,
  );
  await guest.reload();
  const form = guest.getByTestId("guest-form");
  await form.getByLabel("Your name").fill("Gus Guest");
  await form.getByLabel("Your email").fill("gus@guest.example");
  await form.getByRole("button", { name: "Register as a guest" }).click();
  await expect(guest.getByTestId("guest-pending")).toBeVisible();
  await guest.reload();
  await expect(guest.getByTestId("places")).toHaveText("1 of 1 left"); // a pending guest holds no seat

  const outbox = await (await browser.newContext()).newPage();
  await openOutbox(outbox, "gus@guest.example");
  const link = /http:\/\/\S+\/registrations\/confirm\?token=[A-Za-z0-9_-]+/.exec(
    await outbox.getByTestId("outbox-text").first().innerText(),
  )?.[0];
  expect(link).toContain(host);
  await guest.goto(link as string);
  await expect(guest.getByTestId("guest-confirmed")).toHaveAttribute("data-status", "confirmed");
  await guest.getByRole("link", { name: "Show your ticket" }).click();
  await expect(guest.getByTestId("ticket")).toHaveAttribute("data-status", "confirmed");
  await guest.goto(link as string);
  await expect(guest.getByTestId("confirm-invalid")).toBeVisible();
  await guest.goto(at(host, "/events/open-day"));
  await expect(guest.getByTestId("places")).toHaveText("0 of 1 left");
});
