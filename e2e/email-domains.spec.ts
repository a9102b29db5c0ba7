import { expect, test, type Page } from "@playwright/test";
import { controlQuery } from "./cli.ts";
import { publishTxt } from "./dns.ts";
import { signedIn, tenantWithUsers } from "./fixtures.ts";
import { AGENCY_PASSWORD, at, signInAgency } from "./hosts.ts";

/**
 * Verified email domains in Chromium (docs/decisions/044): a portal's owner adds a domain at
 * /manage/domains, reads the TXT record to publish and checks it against a real DNS server (the
 * e2e server's own dns2 server, e2e/dns.ts), which the app asks through PORTICO_DNS_SERVERS; and
 * an agency owner confirms a domain on the tenant's page with a reason that the audit log shows.
 * Domains are under .com: the production build refuses names reserved from the internet.
 */

/** The row of one domain on the owner's page. */
const row = (page: Page, domain: string) => page.locator(`li[data-domain="${domain}"]`);

async function addDomain(page: Page, domain: string) {
  const form = page.getByTestId("add-domain-form");
  await form.getByLabel("Domain").fill(domain);
  await form.getByRole("button", { name: "Add domain" }).click();
  await expect(form.getByTestId("domain-message")).toHaveText(
    `${domain} was added. Publish its TXT record, then check it.`,
  );
  await expect(row(page, domain).getByTestId("domain-status")).toHaveText("Not verified");
}

/** The record the page tells the owner to publish. */
async function recordOf(page: Page, domain: string): Promise<{ name: string; value: string }> {
  const record = row(page, domain).getByTestId("domain-record");
  return {
    name: (await record.getByTestId("record-name").textContent())!,
    value: (await record.getByTestId("record-value").textContent())!,
  };
}

test("an owner adds a domain, publishes its TXT record and verifies it; a wrong record leaves it unverified", async ({
  browser,
}) => {
  const email = "opal@owner.example";
  const slug = await tenantWithUsers("domains", [{ email, name: "Opal Owner", role: "owner" }]);
  const host = `${slug}.localhost`;
  const good = `good-${slug}.com`;
  const wrong = `wrong-${slug}.com`;
  const page = await signedIn(browser, host, email);
  await page.goto(at(host, "/manage/domains"));
  await expect(page.getByTestId("no-domains")).toBeVisible();
  await addDomain(page, good);
  await addDomain(page, wrong);

  // Each row shows its own record: the name under the domain, a value with a token of its own.
  const goodRecord = await recordOf(page, good);
  const wrongRecord = await recordOf(page, wrong);
  expect(goodRecord.name).toBe(`_portico-verification.${good}`);
  expect(wrongRecord.name).toBe(`_portico-verification.${wrong}`);
  expect(goodRecord.value).toMatch(/^portico-verification=[A-Za-z0-9_-]{43}$/);
  expect(wrongRecord.value).toMatch(/^portico-verification=[A-Za-z0-9_-]{43}$/);
  expect(wrongRecord.value).not.toBe(goodRecord.value);

  // The good domain's owner publishes its record; at the other, someone pasted the first row's value.
  await publishTxt(goodRecord.name, [goodRecord.value]);
  await publishTxt(wrongRecord.name, [goodRecord.value]);

  const wrongRow = row(page, wrong);
  await wrongRow.getByRole("button", { name: "Check now" }).click();
  await expect(wrongRow.getByTestId("form-error")).toContainText(
    `The TXT records at ${wrongRecord.name} do not hold this portal's value. Publish TXT ${wrongRecord.value} at ${wrongRecord.name}`,
  );
  await expect(wrongRow.getByTestId("domain-status")).toHaveText("Not verified");
  await expect(wrongRow).toHaveAttribute("data-verified", "no");

  // Positive control beside it: the right record verifies its domain.
  const goodRow = row(page, good);
  await goodRow.getByRole("button", { name: "Check now" }).click();
  await expect(goodRow.getByTestId("domain-message")).toHaveText(`${good} is verified.`);
  await expect(goodRow.getByTestId("domain-status")).toHaveText("Verified");
  await expect(goodRow).toContainText(`by ${email} (DNS record)`);
  await expect(goodRow.getByTestId("domain-record")).toHaveCount(0);

  // After a reload the failed check stays beside the unverified domain, saying what to publish.
  await page.reload();
  await expect(row(page, wrong).getByTestId("last-check")).toContainText(`Publish TXT ${wrongRecord.value}`);
  await expect(row(page, wrong).getByTestId("domain-status")).toHaveText("Not verified");
  await expect(row(page, good).getByTestId("domain-status")).toHaveText("Verified");

  // Once the right value is there, the same row verifies: only the value was wrong.
  await publishTxt(wrongRecord.name, [wrongRecord.value]);
  await row(page, wrong).getByRole("button", { name: "Check now" }).click();
  await expect(row(page, wrong).getByTestId("domain-status")).toHaveText("Verified");

  const [tenant] = await controlQuery<{ id: string }>(`SELECT id FROM "Tenant" WHERE slug = $1`, [slug]);
  const audited = await controlQuery<{ action: string; domain: string }>(
    `SELECT action, details->>'domain' AS domain FROM "AuditEntry" WHERE "tenantId" = $1 AND action LIKE 'email-domain.%' ORDER BY id`,
    [tenant?.id],
  );
  expect(audited).toEqual([
    { action: "email-domain.add", domain: good },
    { action: "email-domain.add", domain: wrong },
    { action: "email-domain.verify", domain: good },
    { action: "email-domain.verify", domain: wrong },
  ]);
});

test("an agency owner confirms a tenant's domain with a reason on its page, and the audit log shows it", async ({
  browser,
}) => {
  const email = "omar@owner.example";
  const slug = await tenantWithUsers("agencydomain", [{ email, name: "Omar Owner", role: "owner" }]);
  const host = `${slug}.localhost`;
  const domain = `confirmed-${slug}.com`;
  const owner = await signedIn(browser, host, email);
  await owner.goto(at(host, "/manage/domains"));
  await addDomain(owner, domain);

  // A viewer sees the section but neither the domains nor the form.
  const viewer = await (await browser.newContext()).newPage();
  await signInAgency(viewer, "viewer@agency.localhost", AGENCY_PASSWORD);
  await viewer.waitForURL((u) => u.pathname === "/");
  await viewer.goto(at("admin.localhost", `/tenants/${slug}`));
  await expect(viewer.getByTestId("email-domains-refused")).toContainText("Only agency owners");
  await expect(viewer.getByTestId("confirm-domain-form")).toHaveCount(0);

  const agency = await (await browser.newContext()).newPage();
  await signInAgency(agency);
  await agency.waitForURL((u) => u.pathname === "/");
  await agency.goto(at("admin.localhost", `/tenants/${slug}`));
  const section = agency.getByTestId("email-domains");
  const listed = section.getByTestId("tenant-email-domains").locator(`li[data-domain="${domain}"]`);
  await expect(listed).toContainText("not verified");

  // Without a real reason nothing is confirmed, and the form says what to write.
  const form = section.getByTestId("confirm-domain-form");
  await form.getByLabel("Domain", { exact: true }).fill(domain);
  await form.getByLabel("Reason (recorded in the audit log)").fill("ok");
  await form.getByRole("button", { name: "Confirm domain" }).click();
  await expect(form.getByTestId("form-error")).toContainText("Say why (at least 5 characters)");
  await expect(listed).toContainText("not verified");

  const reason = `ticket ${slug}: their IT confirmed by signed letter`;
  await form.getByLabel("Domain", { exact: true }).fill(domain);
  await form.getByLabel("Reason (recorded in the audit log)").fill(reason);
  await form.getByRole("button", { name: "Confirm domain" }).click();
  await expect(form.getByTestId("confirm-domain-message")).toContainText(domain);
  await expect(listed).toContainText("verified (agency confirmation, owner@agency.localhost)");

  // The audit log viewer shows who vouched for which domain, and why.
  await agency.goto(at("admin.localhost", `/audit?tenant=${slug}&action=email-domain.confirm`));
  const entries = agency.getByTestId("audit-rows").locator("tr");
  await expect(entries).toHaveCount(1);
  await expect(entries.first()).toHaveAttribute("data-action", "email-domain.confirm");
  await expect(entries.first()).toContainText("owner@agency.localhost");
  await expect(entries.first()).toContainText(domain);
  await expect(entries.first()).toContainText(reason);

  // The portal's owner sees it verified, by the agency.
  await owner.reload();
  await expect(row(owner, domain).getByTestId("domain-status")).toHaveText("Verified");
  await expect(row(owner, domain)).toContainText("by owner@agency.localhost (agency confirmation)");
});
