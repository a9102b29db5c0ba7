export const port = Number(process.env.E2E_PORT ?? 3100);

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

/** Signs into the agency dashboard through its sign-in page. */
export async function signInAgency(
  page: import("@playwright/test").Page,
  email = "owner@agency.localhost",
  password = AGENCY_PASSWORD,
) {
  await page.goto(at("admin.localhost", "/sign-in"));
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
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
