import { expect, test } from "@playwright/test";
import { at, direct, port } from "./hosts.ts";

test("next-auth refuses a credentials sign-in without its CSRF token", async ({ request }) => {
  const [url, init] = direct("acme.localhost", "/api/auth/callback/password");
  const response = await request.post(url, {
    ...init,
    form: { email: "owner@acme.example", password: "portico-demo" },
  });
  expect(response.status()).toBe(302);
  expect(response.headers()["location"]).toBe(`http://acme.localhost:${port}/api/auth/signin?csrf=true`);
  expect(response.headers()["set-cookie"] ?? "").not.toContain("portico.session=");

  // Positive control: with the token (and its cookie) the same request signs in.
  const { csrfToken } = (await (await request.get(...direct("acme.localhost", "/api/auth/csrf"))).json()) as {
    csrfToken: string;
  };
  const ok = await request.post(url, {
    ...init,
    form: { email: "owner@acme.example", password: "portico-demo", csrfToken },
  });
  expect(ok.status()).toBe(302);
  expect(ok.headers()["set-cookie"] ?? "").toContain("portico.session=");
});

test("a server action posted from another origin is refused (CSRF on actions)", async ({ page, request }) => {
  // Find the sign-in link action's id in the page's own flight data (positive control: it works same-origin).
  let actionId: string | undefined;
  page.on("request", (r) => {
    const id = r.headers()["next-action"];
    if (id) actionId = id;
  });
  await page.goto(at("acme.localhost", "/sign-in"));
  const form = page.locator("form").filter({ hasText: "Email me a sign-in link" });
  await form.getByLabel("Email").fill("nobody@example.com");
  await form.getByRole("button", { name: "Email me a sign-in link" }).click();
  await expect(page.getByTestId("link-request-result")).toContainText("If that address has an account here");
  expect(actionId).toMatch(/^[0-9a-f]{40,}$/);

  const [url, init] = direct("acme.localhost", "/sign-in", {
    "next-action": actionId!,
    origin: "http://evil.com",
    "content-type": "text/plain;charset=UTF-8",
    accept: "text/x-component",
  });
  const forged = await request.post(url, { ...init, data: '[{"$K":1},"$K1"]' });
  expect(forged.status()).toBeGreaterThanOrEqual(400);
  expect(await forged.text()).not.toContain("If that address has an account here");
});

test("interleaved concurrent requests for two tenants never carry the other's data (security case 17)", async ({
  request,
}) => {
  const tenants = [
    { host: "acme.localhost", mine: "Acme Pharma Academy", theirs: "Globex Capital Forum" },
    { host: "globex.localhost", mine: "Globex Capital Forum", theirs: "Acme Pharma Academy" },
  ];
  const wrong: string[] = [];
  let served = 0;
  for (let round = 0; round < 5; round++) {
    await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const t = tenants[i % 2]!;
        const response = await request.get(...direct(t.host, i % 4 < 2 ? "/" : "/sign-in"));
        const body = await response.text();
        served += 1;
        if (response.status() !== 200 || !body.includes(t.mine) || body.includes(t.theirs))
          wrong.push(`${t.host} ${response.status()}`);
      }),
    );
  }
  expect(served).toBe(200);
  expect(wrong).toEqual([]);
});
