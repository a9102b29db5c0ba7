import { AGENCY_OWNER_TOTP, nextCode } from "./agency-totp.ts";
import { controlQuery } from "./cli.ts";
import { port } from "./port.ts";

export { port };

/** An absolute URL on one of the test hosts, e.g. at("acme.localhost", "/events/x"). */
export function at(host: string, path = "/"): string {
  return `http://${host}:${port}${path}`;
}

/**
 * For Playwright's API client: Node's resolver, unlike Chromium's, does not map *.localhost to
 * loopback, so requests go to 127.0.0.1 with the tenant's name in the Host header.
 */
export function direct(host: string, path = "/", headers: Record<string, string> = {}) {
  return [
    `http://127.0.0.1:${port}${path}`,
    { headers: { host: `${host}:${port}`, ...headers }, maxRedirects: 0 },
  ] as const;
}

export const AGENCY_PASSWORD = "agency-e2e-password"; // set by scripts/e2e-server.ts

/** The agency users whose authenticator app the tests hold (docs/decisions/046). */
const AGENCY_TOTP: Record<string, string> = { "owner@agency.localhost": AGENCY_OWNER_TOTP };

type Cookie = Awaited<ReturnType<import("@playwright/test").BrowserContext["cookies"]>>[number];
/** This worker's signed-in agency sessions of those users, reused while they still work. */
const agencySessions = new Map<string, Cookie[]>();

/**
 * Signs into the agency dashboard through its sign-in page, and its second step for an owner
 * whose app the tests hold. A second step proves a code of a new time step (a code counts once),
 * so a worker that signed that owner in before reuses the session it got, once the dashboard
 * shows it still works (a test may have signed it out); only then does it sign in again.
 */
export async function signInAgency(
  page: import("@playwright/test").Page,
  email = "owner@agency.localhost",
  password = AGENCY_PASSWORD,
) {
  const secret = AGENCY_TOTP[email];
  // Only the right password stands for a kept session: a test of a wrong one must see the refusal.
  const kept = secret && password === AGENCY_PASSWORD ? agencySessions.get(email) : undefined;
  if (kept) {
    await page.context().addCookies(kept);
    await page.goto(at("admin.localhost", "/sign-in"));
    // A live session is sent on from the sign-in page; an ended one is shown the form.
    if (new URL(page.url()).pathname === "/") return;
    agencySessions.delete(email);
  } else {
    await page.goto(at("admin.localhost", "/sign-in"));
  }
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  if (!secret) return;
  const step = await Promise.race([
    page.waitForURL((u) => u.pathname === "/sign-in/second-factor").then(() => true),
    page
      .getByTestId("form-error")
      .waitFor()
      .then(() => false),
  ]);
  if (!step) return; // refused: the caller checks why
  await proveAgencyApp(page, email);
  agencySessions.set(email, await page.context().cookies(at("admin.localhost")));
}

/** The next code of the seeded owner's app (or `email`'s) the server will take, waiting for it if need be. */
export async function agencyAppCode(email = "owner@agency.localhost"): Promise<string> {
  const [row] = await controlQuery<{ step: string | null }>(
    `SELECT t."lastUsedStep"::text AS step FROM "AgencyTotp" t JOIN "AgencyUser" u ON u.id = t."agencyUserId" WHERE u.email = $1`,
    [email],
  );
  const { code, waitMs } = await nextCode(AGENCY_TOTP[email]!, row?.step ? Number(row.step) : null);
  if (waitMs > 0) await new Promise((r) => setTimeout(r, waitMs));
  return code;
}

/** Sends the next valid code on the agency's second step; another worker's sign-in may take it first, so it tries again. */
export async function proveAgencyApp(page: import("@playwright/test").Page, email: string) {
  for (let attempt = 0; attempt < 4; attempt++) {
    if (attempt > 0) await page.reload(); // clears the refusal shown
    await page.getByLabel("Code from your authenticator app").fill(await agencyAppCode(email));
    await page.getByRole("button", { name: "Verify" }).click();
    const outcome = await Promise.race([
      page.waitForURL((u) => u.pathname !== "/sign-in/second-factor").then(() => "done"),
      page
        .getByTestId("totp-form")
        .getByTestId("form-error")
        .waitFor()
        .then(() => "refused"),
    ]);
    if (outcome === "done") return;
  }
  throw new Error(`the agency's second step refused every code for ${email}`);
}

/**
 * Opens the development outbox on the agency host, reading mail to `to`. The outbox needs an
 * agency sign-in (security case 36): when the page is sent to the sign-in form, it signs in as
 * the agency viewer, which the sign-in returns to the outbox.
 */
export async function openOutbox(page: import("@playwright/test").Page, to: string) {
  const url = at("admin.localhost", `/outbox?to=${encodeURIComponent(to)}`);
  await page.goto(url);
  if (new URL(page.url()).pathname === "/sign-in") {
    await page.getByLabel("Email").fill("viewer@agency.localhost");
    await page.getByLabel("Password").fill(AGENCY_PASSWORD);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.waitForURL((u) => u.pathname === "/outbox");
  }
}

/**
 * Holds the page's JavaScript until the returned release() is called, so whatever the test does in
 * between happens before React hydrates: a user typing into a server-rendered form on a slow link.
 * Navigate with waitUntil "domcontentloaded"; "load" would wait for the held scripts.
 */
export async function holdScripts(page: import("@playwright/test").Page): Promise<() => Promise<void>> {
  const pattern = "**/_next/static/chunks/**/*.js";
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  await page.route(pattern, async (route) => {
    await gate;
    await route.continue();
  });
  // Left in place once opened: unrouting while held requests are still in the handler races them.
  return async () => open();
}
