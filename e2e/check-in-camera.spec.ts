import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { chromium, expect, test } from "@playwright/test";
import { adminSql } from "./cli.ts";
import { PASSWORD, tenantWithUsers } from "./fixtures.ts";
import { at } from "./hosts.ts";
import { qrVideo } from "./qr-video.ts";

test("at the door, a ticket's QR code held up to the camera checks its holder in", async () => {
  test.setTimeout(90_000);
  const t = await tenantWithUsers("iota", [{ email: "sid@iota.example", name: "Sid Staff", role: "staff" }]);
  const host = `${t}.localhost`;
  const db = `t_${t.replaceAll("-", "_")}`;
  const code = "camTicket1234567890ab";
  await adminSql(
    db,
    `INSERT INTO "Event" (id, slug, title, "startsAt", "endsAt", "timeZone", status, "updatedAt") VALUES (gen_random_uuid(), 'gala', 'Gala', now() + interval '1 day', now() + interval '1 day 3 hours', 'UTC', 'published', now())`,
  );
  await adminSql(
    db,
    `INSERT INTO "Registration" (id, "eventId", email, name, status, "ticketCode", "updatedAt") SELECT gen_random_uuid(), id, 'vip@iota.example', 'Vera VIP', 'confirmed', $1, now() FROM "Event" WHERE slug = 'gala'`,
    [code],
  );

  const dir = await mkdtemp(path.join(os.tmpdir(), "portico-camera-"));
  const video = path.join(dir, "ticket.y4m");
  await qrVideo(video, code);
  // A browser whose camera plays that video.
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--use-fake-ui-for-media-stream",
      "--use-fake-device-for-media-stream",
      `--use-file-for-fake-video-capture=${video}`,
    ],
  });
  try {
    const page = await (await browser.newContext({ permissions: ["camera"] })).newPage();
    await page.goto(at(host, "/sign-in"));
    await page.getByLabel("Email").first().fill("sid@iota.example");
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect(page.getByTestId("account-email")).toHaveText("sid@iota.example");
    await page.goto(at(host, "/manage/events/gala/check-in"));
    await expect(page.getByTestId("arrivals")).toHaveText("0 of 1 checked in");
    await page.getByRole("button", { name: "Scan with camera" }).click();
    await expect(page.getByTestId("check-in-result")).toContainText("Vera VIP checked in.", { timeout: 20_000 });
    await page.reload();
    await expect(page.getByTestId("arrivals")).toHaveText("1 of 1 checked in");
  } finally {
    await browser.close();
    await rm(dir, { recursive: true, force: true });
  }
});
