import { expect, test } from "@playwright/test";
import { at, direct } from "./hosts.ts";

test("tenant, agency and 404 responses carry the security headers", async ({ request }) => {
  for (const host of ["acme.localhost", "admin.localhost", "nobody.localhost"]) {
    const response = await request.get(...direct(host));
    const headers = response.headers();
    expect(headers["content-security-policy"], host).toMatch(
      /script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/,
    );
    expect(headers["content-security-policy"], host).toContain("frame-ancestors 'none'");
    expect(headers["referrer-policy"], host).toBe("strict-origin-when-cross-origin");
    expect(headers["x-content-type-options"], host).toBe("nosniff");
    expect(headers["strict-transport-security"], host).toBeUndefined(); // plain http here
  }
});

test("each response gets a fresh nonce", async ({ request }) => {
  const nonce = async () =>
    /'nonce-([^']+)'/.exec(
      (await request.get(...direct("acme.localhost"))).headers()["content-security-policy"] ?? "",
    )?.[1];
  expect(await nonce()).not.toBe(await nonce());
});

test("the portal runs under its CSP: no violations, scripts hydrate", async ({ page }) => {
  const violations: string[] = [];
  page.on("console", (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
  });
  await page.goto(at("globex.localhost"));
  await expect(page.getByTestId("event-card")).toHaveCount(2);
  // Client-side navigation only works once React has hydrated, i.e. once nonce'd scripts ran.
  await page.getByText("Quarterly Compliance Briefing").click();
  await expect(page.getByTestId("event-title")).toHaveText("Quarterly Compliance Briefing");
  expect(await page.evaluate(() => performance.getEntriesByType("navigation").length)).toBe(1); // no full reload
  expect(violations).toEqual([]);
});
