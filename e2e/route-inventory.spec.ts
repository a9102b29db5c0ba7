import { hash } from "@node-rs/argon2";
import { expect, test } from "@playwright/test";
import { randomBytes } from "node:crypto";
import http from "node:http";
import path from "node:path";
import { appRoutes, concretePaths, inventoryValues, type AppRoute } from "../test/support/routes.ts";
import { adminQuery, adminSql } from "./cli.ts";
import { AGENCY_PASSWORD, port } from "./hosts.ts";
import { PASSWORD, tenantWithUsers } from "./fixtures.ts";

/**
 * The route inventory: every page and route handler under app/ (read from the file system, so a
 * page added tomorrow is requested too), on each kind of host, as every kind of visitor who is not
 * entitled to the private data it may show, plain and in each form Next.js answers with a page's
 * payload (RSC, prefetch, ?_rsc, .rsc). Recognisable sentinel values are seeded first; no response
 * body may carry one its visitor is not entitled to. Positive controls show the same requests do
 * carry them for those who are entitled (docs/decisions/018).
 */

// In order, in one worker: the sentinels and sessions are made once, in beforeAll.
test.describe.configure({ mode: "default" });
test.setTimeout(180_000);

const mark = randomBytes(4).toString("hex");
const S = {
  attendeeEmail: `sentinel-attendee-${mark}@inventory.example`,
  attendeeName: `Sentinel Attendee ${mark}`,
  ticket: `SentinelTicket${mark}xyz`,
  draftTitle: `Sentinel Draft ${mark}`,
  agencyOnly: `Sentinel Agency ${mark}`,
} as const;
type Sentinel = keyof typeof S;

type Persona =
  | "anonymous"
  | "member"
  | "removedStaff"
  | "otherTenantStaff"
  | "agencyViewer"
  | "halfSignedIn"
  | "agencyHalfSignedIn"
  | "staff";
/** What each visitor may see. Only "staff" (of the seeded tenant) and the agency viewer are entitled to anything. */
const ENTITLED: Record<Persona, readonly Sentinel[]> = {
  anonymous: [],
  member: [],
  removedStaff: [],
  otherTenantStaff: [],
  // Staff with a second factor who gave their password only (docs/decisions/045).
  halfSignedIn: [],
  // An agency operator who gave their password only and owes the second factor (docs/decisions/046).
  agencyHalfSignedIn: [],
  agencyViewer: ["agencyOnly"],
  staff: ["attendeeEmail", "attendeeName", "ticket", "draftTitle"],
};
const UNENTITLED: Persona[] = [
  "anonymous",
  "member",
  "removedStaff",
  "otherTenantStaff",
  "agencyViewer",
  "halfSignedIn",
  "agencyHalfSignedIn",
];

const VARIANTS: Record<string, (path: string) => { path: string; headers: Record<string, string> }> = {
  plain: (p) => ({ path: p, headers: {} }),
  rsc: (p) => ({ path: p, headers: { RSC: "1" } }),
  prefetch: (p) => ({ path: p, headers: { RSC: "1", "Next-Router-Prefetch": "1" } }),
  rscQuery: (p) => ({ path: `${p}${p.includes("?") ? "&" : "?"}_rsc=x`, headers: { RSC: "1" } }),
  rscSuffix: (p) => ({ path: p === "/" ? "/index.rsc" : `${p}.rsc`, headers: {} }),
};

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request to the test server with exactly these headers: no cookie jar, no redirects followed. */
function send(
  host: string,
  pathAndQuery: string,
  headers: Record<string, string> = {},
  method = "GET",
  body?: string,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: "127.0.0.1", port, path: pathAndQuery, method, headers: { host: `${host}:${port}`, ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.setTimeout(60_000, () => req.destroy(new Error(`timed out: ${host}${pathAndQuery}`)));
    req.end(body);
  });
}

/**
 * A request as a visitor makes it. Next.js answers an RSC request whose `_rsc` cache-busting value
 * does not match its headers with a redirect to the matching one; a client follows it, so do we.
 */
async function visit(host: string, pathAndQuery: string, headers: Record<string, string>): Promise<Reply> {
  let reply = await send(host, pathAndQuery, headers);
  let body = reply.body;
  for (
    let hops = 0;
    hops < 2 && reply.status === 307 && /[?&]_rsc(=|&|$)/.test(String(reply.headers.location ?? ""));
    hops++
  ) {
    reply = await send(host, String(reply.headers.location), headers);
    body += reply.body;
  }
  return { ...reply, body };
}

function cookiesOf(reply: Reply, jar: Map<string, string>): void {
  for (const line of reply.headers["set-cookie"] ?? []) {
    const [pair] = line.split(";");
    const eq = pair!.indexOf("=");
    jar.set(pair!.slice(0, eq), pair!.slice(eq + 1));
  }
}
const cookieHeader = (jar: Map<string, string>) => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");

/** Signs in through next-auth's own endpoints, as the sign-in form does; returns the Cookie header. */
async function signIn(host: string, email: string, password: string): Promise<string> {
  const jar = new Map<string, string>();
  const csrf = await send(host, "/api/auth/csrf");
  cookiesOf(csrf, jar);
  const { csrfToken } = JSON.parse(csrf.body) as { csrfToken: string };
  const form = new URLSearchParams({ csrfToken, email, password, json: "true", callbackUrl: "/" }).toString();
  const reply = await send(
    host,
    "/api/auth/callback/password",
    { Cookie: cookieHeader(jar), "Content-Type": "application/x-www-form-urlencoded" },
    "POST",
    form,
  );
  cookiesOf(reply, jar);
  const session = [...jar.keys()].find((k) => k.endsWith(".session"));
  expect(session, `signing in ${email} on ${host}: ${reply.status} ${reply.body.slice(0, 200)}`).toBeTruthy();
  return cookieHeader(jar);
}

/** Runs at most `limit` of the tasks at once. */
async function inBatches<T>(tasks: Array<() => Promise<T>>, limit: number): Promise<T[]> {
  const out: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < tasks.length) {
        const i = next++;
        out[i] = await tasks[i]!();
      }
    }),
  );
  return out;
}

const AGENCY_HALF = `half-${mark}@agency.localhost`;
let tenantHost = "";
let otherHost = "";
let values: Record<string, string[]> = {};
const cookies: Record<Persona, string> = {
  anonymous: "",
  member: "",
  removedStaff: "",
  otherTenantStaff: "",
  agencyViewer: "",
  halfSignedIn: "",
  agencyHalfSignedIn: "",
  staff: "",
};
let db = "";
const routes: AppRoute[] = appRoutes(path.resolve("app"));

test.beforeAll(async () => {
  // Two tenants, the sentinels and eight sign-ins (argon2 each): slow on a busy machine.
  test.setTimeout(180_000);
  const slug = await tenantWithUsers(
    "inventory",
    [
      { email: "owner@inventory.example", name: "Ivy Owner", role: "owner" },
      { email: "staff@inventory.example", name: "Sid Staff", role: "staff" },
      { email: "gone@inventory.example", name: "Gus Gone", role: "staff" },
      { email: "member@inventory.example", name: "Mia Member", role: "member" },
      { email: "twostep@inventory.example", name: "Tess Twostep", role: "staff" },
      { email: S.attendeeEmail, name: S.attendeeName, role: "member" },
    ],
    "premium",
  );
  const other = await tenantWithUsers(
    "elsewhere",
    [{ email: "staff@inventory.example", name: "Sid Elsewhere", role: "staff" }],
    "premium",
  );
  tenantHost = `${slug}.localhost`;
  otherHost = `${other}.localhost`;
  db = `t_${slug.replaceAll("-", "_")}`;
  // A published event with one member's confirmed registration (their ticket is theirs alone),
  // and a draft only staff may know of.
  await adminSql(
    db,
    `INSERT INTO "Event" (id, slug, title, "startsAt", "endsAt", "timeZone", status, "updatedAt") VALUES (gen_random_uuid(), 'open-day', 'Open Day', now() + interval '3 days', now() + interval '3 days 2 hours', 'UTC', 'published', now())`,
  );
  await adminSql(
    db,
    `INSERT INTO "Event" (id, slug, title, "startsAt", "endsAt", "timeZone", status, "updatedAt") VALUES (gen_random_uuid(), 'secret-plan', $1, now() + interval '9 days', now() + interval '9 days 2 hours', 'UTC', 'draft', now())`,
    [S.draftTitle],
  );
  await adminSql(
    db,
    `INSERT INTO "Registration" (id, "eventId", "userId", email, name, status, "ticketCode", "updatedAt")
     SELECT gen_random_uuid(), e.id, u.id, u.email, u.name, 'confirmed', $1, now() FROM "Event" e, "User" u WHERE e.slug = 'open-day' AND u.email = $2`,
    [S.ticket, S.attendeeEmail],
  );
  // An agency-only figure: a name only agency users see, on the agency's users page.
  await adminSql(
    "portico",
    `INSERT INTO "AgencyUser" (id, email, name, role, "passwordHash", "updatedAt") VALUES (gen_random_uuid(), $1, $2, 'viewer', $3, now())`,
    [`sentinel-${mark}@agency.localhost`, S.agencyOnly, await hash(AGENCY_PASSWORD)],
  );
  // An agency operator: must use a second factor, has none yet (so the second step is enrolment).
  await adminSql(
    "portico",
    `INSERT INTO "AgencyUser" (id, email, name, role, "passwordHash", "updatedAt") VALUES (gen_random_uuid(), $1, 'Hal Half', 'operator', $2, now())`,
    [AGENCY_HALF, await hash(AGENCY_PASSWORD)],
  );

  cookies.staff = await signIn(tenantHost, "staff@inventory.example", PASSWORD);
  cookies.member = await signIn(tenantHost, "member@inventory.example", PASSWORD);
  cookies.removedStaff = await signIn(tenantHost, "gone@inventory.example", PASSWORD);
  // Removed from the team the way the team page does it: deactivated, sessions ended.
  await adminSql(
    db,
    `UPDATE "User" SET active = false, "sessionVersion" = "sessionVersion" + 1 WHERE email = 'gone@inventory.example'`,
  );
  cookies.otherTenantStaff = await signIn(otherHost, "staff@inventory.example", PASSWORD);
  // Staff who turned on an authenticator app and gave only their password: half signed in. The
  // guard needs only the confirmed app's row to ask; no code is ever checked here.
  await adminSql(
    db,
    `INSERT INTO "UserTotp" ("userId", "secretCiphertext", "keyId", "confirmedAt")
     SELECT id, 'not-a-secret', 'k', now() FROM "User" WHERE email = 'twostep@inventory.example'`,
  );
  cookies.halfSignedIn = await signIn(tenantHost, "twostep@inventory.example", PASSWORD);
  cookies.agencyViewer = await signIn("admin.localhost", "viewer@agency.localhost", AGENCY_PASSWORD);
  cookies.agencyHalfSignedIn = await signIn("admin.localhost", AGENCY_HALF, AGENCY_PASSWORD);

  const [operation] = await adminQuery<{ id: string }>(
    "portico",
    `SELECT id FROM "Operation" ORDER BY "createdAt" DESC LIMIT 1`,
  );
  values = inventoryValues({
    tenantSlug: slug,
    eventSlugs: ["open-day", "secret-plan"],
    ticketCode: S.ticket,
    operationId: operation?.id,
  });
});

const hostOf = (realm: AppRoute["realm"]) => (realm === "tenant" ? tenantHost : "admin.localhost");

test("positive controls: the sentinels are on the pages of those entitled to them, in every form", async () => {
  for (const [name, variant] of Object.entries(VARIANTS)) {
    const { path: p, headers } = variant("/manage/events/open-day/attendees");
    const attendees = await visit(tenantHost, p, { ...headers, Cookie: cookies.staff });
    if (name === "prefetch") {
      // A prefetch of a dynamic page answers with its route tree and no page data: it reached the
      // page (the check below still runs on it for everyone else), but there is nothing to find.
      expect(attendees.status, `staff, ${name}`).toBe(200);
      expect(attendees.body, `staff, ${name}`).toContain('"attendees"');
      continue;
    }
    expect(attendees.body, `staff, ${name}`).toContain(S.attendeeEmail);
    expect(attendees.body, `staff, ${name}`).toContain(S.ticket);
    const manage = variant("/manage");
    expect(
      (await visit(tenantHost, manage.path, { ...manage.headers, Cookie: cookies.staff })).body,
      `staff, ${name}`,
    ).toContain(S.draftTitle);
    const users = variant("/users");
    expect(
      (await visit("admin.localhost", users.path, { ...users.headers, Cookie: cookies.agencyViewer })).body,
      `agency viewer, ${name}`,
    ).toContain(S.agencyOnly);
  }
  // The half-signed-in session is live, and is sent to its second step (and nowhere else).
  const half = await send(tenantHost, "/manage", { Cookie: cookies.halfSignedIn });
  expect(half.status).toBe(307);
  expect(String(half.headers.location)).toMatch(/^\/sign-in\/second-factor\?callbackUrl=%2Fmanage$/);
  expect((await send(tenantHost, "/sign-in/second-factor", { Cookie: cookies.halfSignedIn })).body).toContain(
    "twostep@inventory.example",
  );
  // So is the half-signed-in agency operator's, on the agency host: to the second step, which
  // asks them to set up an app (docs/decisions/046).
  const agencyHalf = await send("admin.localhost", "/users", { Cookie: cookies.agencyHalfSignedIn });
  expect(agencyHalf.status).toBe(307);
  // (The dashboard's layout checks too, and may answer first with "/" to return to.)
  expect(String(agencyHalf.headers.location)).toMatch(/^\/sign-in\/second-factor\?callbackUrl=%2F(users)?$/);
  const step = (await send("admin.localhost", "/sign-in/second-factor", { Cookie: cookies.agencyHalfSignedIn })).body;
  expect(step).toContain(AGENCY_HALF);
  expect(step).toContain('data-testid="second-factor-required"');
  // The other personas are who they claim to be: their sessions work where they should.
  expect((await send(tenantHost, "/account", { Cookie: cookies.member })).body).toContain("member@inventory.example");
  expect((await send(otherHost, "/manage", { Cookie: cookies.otherTenantStaff })).status).toBe(200);
});

test("the inventory holds every page and route under app/", () => {
  expect(routes.length).toBeGreaterThan(40);
});

// One test per page or route, so a leak names its file and each has its own time budget.
for (const route of routes) {
  test(`${route.file} hands no sentinel to a visitor who is not entitled to it`, async () => {
    const unknownHost = `nobody-${mark}.example`;
    const tasks: Array<() => Promise<string | null>> = [];
    for (const concrete of concretePaths(route, values)) {
      // On its own host: every unentitled visitor, in every form. On the other hosts the path
      // means something else (or nothing); still nobody unentitled may get a sentinel there.
      const plans: Array<{ host: string; personas: Persona[]; variants: string[] }> = [
        { host: hostOf(route.realm), personas: UNENTITLED, variants: Object.keys(VARIANTS) },
        {
          host: route.realm === "tenant" ? "admin.localhost" : tenantHost,
          personas: ["anonymous", "member", "agencyViewer"],
          variants: ["plain", "rsc"],
        },
        { host: unknownHost, personas: ["anonymous", "member"], variants: ["plain"] },
      ];
      for (const plan of plans) {
        for (const persona of plan.personas) {
          for (const variantName of plan.variants) {
            tasks.push(async () => {
              const { path: p, headers } = VARIANTS[variantName]!(concrete);
              const what = `GET ${plan.host}${p} (${variantName}) as ${persona}`;
              const reply = await visit(plan.host, p, {
                ...headers,
                ...(cookies[persona] ? { Cookie: cookies[persona] } : {}),
              }).catch((error: Error) => `${what} → ${error.message}`);
              if (typeof reply === "string") return reply;
              // A sentinel the request itself names (a ticket code in its path) may be echoed back.
              const leaked = (Object.keys(S) as Sentinel[]).filter(
                (s) => !ENTITLED[persona].includes(s) && !p.includes(S[s]) && reply.body.includes(S[s]),
              );
              return leaked.length ? `${what} → ${reply.status} carries ${leaked.join(", ")}` : null;
            });
          }
        }
      }
    }
    const leaks = (await inBatches(tasks, 6)).filter((l): l is string => l !== null);
    expect(leaks, `${route.file}: ${tasks.length} requests`).toEqual([]);
  });
}

// Runs last (one worker, in order): the half-signed-in persona was refused above for want of its
// second factor alone. Once its session row records one, the same cookie reaches the staff pages.
test("positive control: the half-signed-in staff, once the second factor is done, see staff pages", async () => {
  const before = await visit(tenantHost, "/manage/events/open-day/attendees", { Cookie: cookies.halfSignedIn });
  expect(before.body).not.toContain(S.attendeeEmail);
  await adminSql(
    db,
    `UPDATE "UserSession" SET "secondFactorAt" = now()
     WHERE "userId" = (SELECT id FROM "User" WHERE email = 'twostep@inventory.example') AND "endedAt" IS NULL`,
  );
  const after = await visit(tenantHost, "/manage/events/open-day/attendees", { Cookie: cookies.halfSignedIn });
  expect(after.body).toContain(S.attendeeEmail);
  expect(after.body).toContain(S.ticket);
});

test("positive control: the half-signed-in agency operator, once the second factor is done, sees agency pages", async () => {
  const before = await visit("admin.localhost", "/users", { Cookie: cookies.agencyHalfSignedIn });
  expect(before.body).not.toContain(S.agencyOnly);
  await adminSql(
    "portico",
    `UPDATE "AgencySession" SET "secondFactorAt" = now()
     WHERE "agencyUserId" = (SELECT id FROM "AgencyUser" WHERE email = $1) AND "endedAt" IS NULL`,
    [AGENCY_HALF],
  );
  const after = await visit("admin.localhost", "/users", { Cookie: cookies.agencyHalfSignedIn });
  expect(after.body).toContain(S.agencyOnly);
});
