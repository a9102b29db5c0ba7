import { expect, test } from "@playwright/test";
import { at, direct, openOutbox } from "./hosts.ts";

/**
 * The development outbox holds sign-in and invitation links: reading it needs an agency sign-in
 * in every mode (security case 36). Anonymous requests, plain or as React Server Component
 * fetches, get the sign-in redirect and none of the mail; a signed-in agency user reads it.
 */
test("the outbox answers anonymous visitors with the sign-in redirect and no mail; an agency user reads it", async ({ page, request }) => {
  await page.goto(at("initech.localhost", "/sign-in"));
  const form = page.locator("form").filter({ hasText: "Email me a sign-in link" });
  await form.getByLabel("Email").fill("dean@initech.example");
  await form.getByRole("button", { name: "Email me a sign-in link" }).click();
  await expect(page.getByTestId("link-request-result")).toContainText("If that address has an account here");

  const variants: Array<Record<string, string>> = [{}, { RSC: "1" }, { "Next-Router-Prefetch": "1", RSC: "1" }];
  for (const headers of variants) {
    for (const path of ["/outbox", "/outbox?to=dean%40initech.example", "/outbox?_rsc=x"]) {
      const res = await request.get(...direct("admin.localhost", path, headers));
      expect(res.status(), `${path} ${JSON.stringify(headers)}`).toBeGreaterThanOrEqual(300);
      expect(res.status()).toBeLessThan(400);
      expect(res.headers()["location"] ?? "").toMatch(/\/sign-in\?callbackUrl=%2Foutbox/);
      const body = await res.text();
      expect(body).not.toContain("sign-in/link?token=");
      expect(body).not.toContain("outbox-text");
    }
  }

  // Positive control: the agency viewer, signed in, reads the link.
  await openOutbox(page, "dean@initech.example");
  await expect(page.getByTestId("outbox-text").first()).toContainText("/sign-in/link?token=");
});
