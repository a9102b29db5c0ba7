import { expect, test } from "@playwright/test";
import { verifySignature } from "../lib/audit/stream-format.ts";
import { selfSignedCertificate, webhookReceiver, type WebhookReceiver } from "../test/support/siem-receivers.ts";
import { signedIn, tenantWithUsers } from "./fixtures.ts";
import { at, signInAgency } from "./hosts.ts";

/**
 * Audit streams in the browser (decision 049): an agency owner adds an HTTPS webhook sink that
 * points at a local receiver (its self-signed certificate pasted as the sink's CA), gets the
 * signing key once, sends a test entry, and the receiver gets it, signed with that key. A viewer
 * is refused the page (positive control: the owner's page above).
 */
let receiver: WebhookReceiver;
let secret = "";
const cert = selfSignedCertificate();

test.beforeAll(async () => {
  receiver = await webhookReceiver(cert, () => "");
});
test.afterAll(async () => {
  await receiver?.close();
});

test("an agency owner streams the audit log to a webhook, and the receiver gets a signed test entry", async ({
  page,
  browser,
}) => {
  await signInAgency(page);
  await page.waitForURL((u) => u.pathname === "/");
  await page.goto(at("admin.localhost", "/audit"));
  await page.getByTestId("audit-streams-link").click();
  await expect(page.getByRole("heading", { name: "Audit streams" })).toBeVisible();

  const name = `e2e siem ${Date.now()}`;
  const form = page.getByTestId("add-sink");
  await form.getByLabel("Name").fill(name);
  await form.getByLabel("Webhook URL").fill(receiver.url);
  await form.getByLabel(/CA certificate/).fill(cert.cert);
  await form.getByRole("button", { name: "Add sink" }).click();
  await expect(form.getByTestId("form-message")).toContainText("Sink added");
  secret = (await form.getByTestId("sink-secret").textContent())!.trim();
  expect(secret).toMatch(/^[0-9a-f]{64}$/);

  const sink = page.locator(`[data-testid="sink"][data-name="${name}"]`);
  await expect(sink).toBeVisible();
  await sink.getByTestId("sink-test").click();
  await expect(sink.getByTestId("form-message")).toContainText("A test entry was written");

  // The receiver gets this sink's creation and its test entry, in order, each signed with the key.
  // (Other tests add sinks at the same time, and the agency's log records those too.)
  const ofThisSink = () => {
    const entries = receiver.accepted.flatMap((d) => d.entries);
    const details = (e: (typeof entries)[number]) => (e.details ?? {}) as { sinkId?: string; name?: string };
    const sinkId = entries.find((e) => e.action === "audit-sink.create" && details(e).name === name)?.details as
      { sinkId: string } | undefined;
    return entries
      .filter((e) => sinkId && details(e).sinkId === sinkId.sinkId)
      .map((e) => e.action)
      .filter((a, i, all) => all.indexOf(a) === i);
  };
  await expect.poll(ofThisSink, { timeout: 60_000 }).toEqual(["audit-sink.create", "audit-sink.test"]);
  // Checked now: the first deliveries may arrive before the page showed the key.
  for (const d of receiver.accepted) expect(verifySignature(secret, d.body, d.signature)).toBe(true);
  await expect(sink.getByTestId("sink-last-error")).toHaveText("none");

  // A viewer may not manage sinks.
  const viewer = await (await browser.newContext()).newPage();
  await signInAgency(viewer, "viewer@agency.localhost");
  await viewer.waitForURL((u) => u.pathname === "/");
  const refused = await viewer.goto(at("admin.localhost", "/audit/streams"));
  expect(refused?.status()).toBe(403);
  await expect(viewer.getByTestId("add-sink")).toHaveCount(0);

  // Disabled, it stays listed as such.
  await sink.getByTestId("sink-disable").click();
  await expect(sink).toHaveAttribute("data-enabled", "false");
});

test("a portal owner streams the portal's trail to a webhook; an admin may not", async ({ browser }) => {
  let tenantSecret = "";
  const tenantReceiver = await webhookReceiver(cert, () => "");
  try {
    const slug = await tenantWithUsers("streams", [
      { email: "olga@streams.example", name: "Olga Owner", role: "owner" },
      { email: "adam@streams.example", name: "Adam Admin", role: "admin" },
    ]);
    const host = `${slug}.localhost`;
    const owner = await signedIn(browser, host, "olga@streams.example");
    await owner.goto(at(host, "/manage"));
    await owner.getByRole("link", { name: "Audit streams" }).click();
    const form = owner.getByTestId("add-sink");
    await form.getByLabel("Name").fill("portal siem");
    await form.getByLabel("Webhook URL").fill(tenantReceiver.url);
    await form.getByLabel(/CA certificate/).fill(cert.cert);
    await form.getByRole("button", { name: "Add sink" }).click();
    await expect(form.getByTestId("form-message")).toContainText("Sink added");
    tenantSecret = (await form.getByTestId("sink-secret").textContent())!.trim();
    const sink = owner.locator('[data-testid="sink"][data-name="portal siem"]');
    await sink.getByTestId("sink-test").click();
    await expect(sink.getByTestId("form-message")).toContainText("A test entry was written");

    // The portal's own trail arrives, signed; nothing of the agency's log or another portal's.
    await expect
      .poll(() => tenantReceiver.accepted.flatMap((d) => d.entries.map((e) => e.action)), { timeout: 60_000 })
      .toEqual(expect.arrayContaining(["audit-sink.add", "audit-sink.test"]));
    const scopes = new Set(tenantReceiver.accepted.map((d) => (JSON.parse(d.body) as { scope: string }).scope));
    expect(scopes.size).toBe(1);
    expect(scopes.has("agency")).toBe(false);
    for (const d of tenantReceiver.accepted) expect(verifySignature(tenantSecret, d.body, d.signature)).toBe(true);

    const admin = await signedIn(browser, host, "adam@streams.example");
    const refused = await admin.goto(at(host, "/manage/streams"));
    expect(refused?.status()).toBe(403);
    await expect(admin.getByTestId("add-sink")).toHaveCount(0);
  } finally {
    await tenantReceiver.close();
  }
});
