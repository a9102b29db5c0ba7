import { expect, test } from "@playwright/test";
import { at, direct, openOutbox } from "./hosts.ts";

/**
 * The development outbox holds sign-in and invitation links: reading it needs an agency sign-in
 * in every mode (security case 36). Anonymous requests, plain or as React Server Component
 * fetches, get the sign-in redirect and none of the mail; a signed-in agency user reads it.
 */
test("the outbox answers anonymous visitors with the sign-in redirect and no mail; an agency user reads it", async ({
  page,
  request,
}) => {
  await page.goto(at("initech.localhost", "/sign-in"));
  const form = page.locator("form").filter({ hasText: "Email me a sign-in link" });
  await form.getByLabel("Email").fill("dean@initech.example");
  await form.getByRole("button", { name: "Email me a sign-in link" }).click();
  await expect(page.getByTestId("link-request-result")).toContainText("If that address has an account here");

  const variants: Array<Record<string, string>> = [{}, { RSC: "1" }, { "Next-Router-Prefetch": "1", RSC: "1" }];
  for (const headers of variants) {
    for (const path of ["/outbox", "/outbox?to=dean%40initech.example", "/outbox?_rsc=x"]) {
      let res = await request.get(...direct("admin.localhost", path, headers));
      // Next.js may first normalise the URL (e.g. drop `?_rsc=x`'s value): follow that, not more.
      for (let hops = 0; hops < 3 && /^\/outbox/.test(res.headers()["location"] ?? ""); hops++) {
        res = await request.get(...direct("admin.localhost", res.headers()["location"]!, headers));
      }
      const where = `${path} ${JSON.stringify(headers)} → ${res.status()}`;
      const body = await res.text();
      expect(body, where).not.toContain("sign-in/link?token=");
      expect(body, where).not.toContain("outbox-text");
      // Sent to the sign-in form: a redirect, or in an RSC payload the redirect it carries. (A
      // prefetch gets only the route's outline, never the page, so there is nothing to redirect.)
      if (!headers["Next-Router-Prefetch"])
        expect(`${res.headers()["location"] ?? ""} ${body}`, where).toMatch(/\/sign-in\?callbackUrl=%2Foutbox/);
    }
  }

  // Positive control: the agency viewer, signed in, reads the link.
  await openOutbox(page, "dean@initech.example");
  await expect(page.getByTestId("outbox-text").first()).toContainText("/sign-in/link?token=");
});
