import { expect, test, type Browser } from "@playwright/test";
import { signedIn, tenantWithUsers } from "./fixtures.ts";
import { at, direct } from "./hosts.ts";

/** Staff create and publish an event, a member registers, staff check the ticket in and export CSV. */
async function staffJourney(
  browser: Browser,
  host: string,
  staffEmail: string,
  memberEmail: string,
  title: string,
  slug: string,
) {
  const staff = await signedIn(browser, host, staffEmail);
  await staff.getByTestId("manage-link").click();
  await staff.getByRole("link", { name: "New event" }).click();
  await staff.getByLabel("Title").fill(title);
  await staff.getByLabel("Address").fill(slug);
  await staff.getByLabel("Time zone").selectOption("America/New_York");
  await staff.getByLabel(/^Starts/).fill("2031-03-09T01:30");
  await staff.getByLabel(/^Ends/).fill("2031-03-09T01:00");
  await staff.getByRole("button", { name: "Create draft" }).click();
  // The end before the start, in the event's own zone, is refused with what to fix.
  await expect(staff.getByTestId("error-endsLocal")).toContainText(
    "The end must be after the start (both are in America/New_York)",
  );
  await staff.getByLabel(/^Ends/).fill("2031-03-09T04:00");
  await staff.getByLabel("Capacity").fill("5");
  await staff.getByLabel("Description").fill("Bring **your badge**.\n\n- coffee\n- =formula? no");
  await staff.getByRole("button", { name: "Create draft" }).click();
  await expect(staff.getByTestId("saved")).toBeVisible();
  await expect(staff.getByTestId("manage-status")).toHaveText("draft");
  // Drafts are invisible to members.
  const member = await signedIn(browser, host, memberEmail);
  expect((await member.goto(at(host, `/events/${slug}`)))?.status()).toBe(404);

  await staff.getByRole("button", { name: "Publish" }).click();
  await expect(staff.getByTestId("manage-status")).toHaveText("published");

  // Shown in the event's zone: 01:30 EST, before the clocks change that night.
  await member.goto(at(host, `/events/${slug}`));
  await expect(member.getByText(/01:30–04:00 (EST|GMT-5)/)).toBeVisible();
  await expect(member.getByTestId("event-description").locator("strong")).toHaveText("your badge");
  await member.getByTestId("register-form").getByRole("button", { name: "Register" }).click();
  await member.getByTestId("ticket-link").click();
  const code = await member.getByTestId("ticket-code").innerText();

  await staff.goto(at(host, `/manage/events/${slug}/check-in`));
  await staff.getByLabel("Ticket code").fill("not-a-real-code-123");
  await staff.getByRole("button", { name: "Check in" }).click();
  await expect(staff.getByTestId("form-error")).toHaveText("No ticket with that code for this event.");
  await staff.getByLabel("Ticket code").fill(code);
  await staff.getByRole("button", { name: "Check in" }).click();
  await expect(staff.getByTestId("check-in-result")).toContainText("checked in");
  await expect(staff.getByTestId("check-in-result")).toHaveAttribute("data-kind", "ok");
  await expect(staff.getByTestId("check-in-repeat")).toHaveCount(0);
  const background = (l: ReturnType<typeof staff.getByTestId>) =>
    l.evaluate((e) => getComputedStyle(e).backgroundColor);
  const good = await background(staff.getByTestId("check-in-result"));
  // The same ticket again: a distinct warning door staff cannot mistake for a good one.
  await staff.getByLabel("Ticket code").fill(code);
  await staff.getByRole("button", { name: "Check in" }).click();
  const repeat = staff.getByTestId("check-in-repeat");
  await expect(repeat).toHaveAttribute("role", "alert");
  await expect(repeat.getByRole("heading")).toHaveText(/^Already checked in at \d{2}:\d{2}$/);
  await expect(staff.getByTestId("check-in-result")).toHaveCount(0);
  expect(await background(repeat)).not.toBe(good); // not the good check-in's green
  await staff.goto(at(host, `/manage/events/${slug}/attendees?q=${encodeURIComponent(memberEmail.slice(0, 4))}`));
  await expect(staff.locator(`[data-email="${memberEmail}"] [data-testid="checked-in"]`)).toHaveText("yes");

  await staff.goto(at(host, `/manage/events/${slug}/message`));
  await staff.getByLabel("Subject").fill("Doors open at 01:00");
  await staff.getByLabel("Message").fill("See you there.");
  // The count of recipients is shown before anything is sent, and sending asks once more.
  await staff.getByRole("button", { name: "Send to 1 attendee…" }).click();
  await expect(staff.getByTestId("confirm-text")).toHaveText(
    "This emails 1 attendee now. An email cannot be taken back.",
  );
  await staff.getByRole("button", { name: "Yes, send to 1 attendee" }).click();
  await expect(staff.getByTestId("message-result")).toHaveText("Sent to 1 confirmed attendee.");
  await staff.goto(at(host, `/manage/events/${slug}/attendees`));
  const [download] = await Promise.all([staff.waitForEvent("download"), staff.getByTestId("csv-export").click()]);
  const csv = Buffer.concat(await (await download.createReadStream()).toArray()).toString("utf8");
  return { csv, staff, member };
}

test("staff journey on two tenants at once: create, publish, register, check in, export CSV; nothing crosses", async ({
  browser,
}) => {
  test.setTimeout(150_000);
  const slug = "town-hall";
  const a = await tenantWithUsers("gamma", [
    { email: "sue@gamma.example", name: "Sue Staff", role: "staff" },
    { email: "mia@gamma.example", name: "=Mia Member", role: "member" },
  ]);
  const b = await tenantWithUsers("delta", [
    { email: "dan@delta.example", name: "Dan Admin", role: "admin" },
    { email: "max@delta.example", name: "Max Member", role: "member" },
  ]);
  const [gamma, delta] = await Promise.all([
    staffJourney(browser, `${a}.localhost`, "sue@gamma.example", "mia@gamma.example", "Gamma town hall", slug),
    staffJourney(browser, `${b}.localhost`, "dan@delta.example", "max@delta.example", "Delta town hall", slug),
  ]);
  expect(gamma.csv).toContain('"Name","Email","Status"');
  // A name that looks like a formula is defused in the export (CSV injection).
  expect(gamma.csv).toMatch(/"'=Mia Member","mia@gamma\.example","confirmed","[^"]+","20\d\d-/);
  expect(gamma.csv).not.toContain("delta");
  expect(delta.csv).toContain('"max@delta.example"');
  expect(delta.csv).not.toContain("gamma");
});

test("members cannot reach the staff area or its CSV", async ({ browser }) => {
  const t = await tenantWithUsers("epsilon", [{ email: "mo@epsilon.example", name: "Mo Member", role: "member" }]);
  const host = `${t}.localhost`;
  const member = await signedIn(browser, host, "mo@epsilon.example");
  await expect(member.getByTestId("manage-link")).toHaveCount(0);
  expect((await member.goto(at(host, "/manage")))?.status()).toBe(403);
  expect((await member.goto(at(host, "/manage/events/anything/attendees")))?.status()).toBe(403);
  expect(
    (
      await member.request.get(
        ...direct(host, "/manage/events/anything/attendees.csv", {
          cookie: (await member.context().cookies()).map((c) => `${c.name}=${c.value}`).join("; "),
        }),
      )
    )?.status(),
  ).toBe(403);
});
