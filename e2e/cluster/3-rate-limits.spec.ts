import { hash } from "@node-rs/argon2";
import { expect, test } from "@playwright/test";
import { CLUSTER_PASSWORD, UPSTREAM_HEADER, cluster, request, sql, type Answer } from "./cluster.ts";

/**
 * Rate limits hold across both instances: their counters live in the control plane
 * (lib/security/throttle.server.ts), so failures spread by nginx over both count as on one.
 * Each client here has a loopback address of its own (127.0.0.x), as nginx sees it.
 */
const HOST = "globex.localhost";

/** A script's password sign-in through nginx (or one instance), as next-auth's own client posts it. */
class Client {
  private cookie = "";
  private csrf = "";
  readonly upstreams = new Set<string>();
  constructor(
    private readonly from: string,
    private readonly port = cluster.nginxPort,
  ) {}

  async signIn(email: string, password: string, headers: Record<string, string> = {}): Promise<Answer> {
    if (!this.csrf) {
      const got = await request(this.port, HOST, "/api/auth/csrf", { from: this.from });
      this.cookie = (got.headers["set-cookie"] ?? []).map((c) => c.split(";")[0]).join("; ");
      this.csrf = (JSON.parse(got.body) as { csrfToken: string }).csrfToken;
    }
    const answer = await request(this.port, HOST, "/api/auth/callback/password", {
      method: "POST",
      from: this.from,
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: this.cookie, ...headers },
      body: new URLSearchParams({ email, password, csrfToken: this.csrf, json: "true" }).toString(),
    });
    const upstream = answer.headers[UPSTREAM_HEADER];
    if (typeof upstream === "string") this.upstreams.add(upstream);
    return answer;
  }
}

const signedIn = (a: Answer) => a.status === 200 && !(JSON.parse(a.body) as { url: string }).url.includes("error=");

async function globexMember(name: string): Promise<string> {
  const email = `${name}-${Date.now().toString(36)}@globex.example`;
  await sql(
    `INSERT INTO "User" (id, email, name, role, "passwordHash", "updatedAt") VALUES (gen_random_uuid(), $1, $2, 'member', $3, now())`,
    [email, name, await hash(CLUSTER_PASSWORD)],
    "t_globex",
  );
  return email;
}

test("five wrong passwords spread over both instances lock the account on both; another account is still served", async () => {
  const ann = await globexMember("ann");
  const bob = await globexMember("bob");
  const client = new Client("127.0.0.21");
  // Positive control: the right password works before any failure.
  expect(signedIn(await client.signIn(ann, CLUSTER_PASSWORD))).toBe(true);
  client.upstreams.clear();
  for (let i = 1; i <= 5; i++) expect((await client.signIn(ann, `wrong-${i}`)).status).toBe(401);
  // nginx sent them to both instances, and together they locked the account.
  expect(client.upstreams.size).toBe(2);
  const refused = await client.signIn(ann, CLUSTER_PASSWORD);
  expect(refused.status).toBe(429);
  expect((JSON.parse(refused.body) as { message: string }).message).toMatch(
    /^Too many attempts\. Try again in 1[45] minutes\.$/,
  );
  // Each instance, asked directly, refuses it too.
  for (const instance of cluster.instances)
    expect((await new Client("127.0.0.21", instance.port).signIn(ann, CLUSTER_PASSWORD)).status).toBe(429);
  // Positive control: another account, from the same address, signs in.
  expect(signedIn(await client.signIn(bob, CLUSTER_PASSWORD))).toBe(true);
});

test("a hundred failures from one address, spread over both instances, make that address wait; another address is served", async () => {
  test.setTimeout(120_000);
  const cy = await globexMember("cy");
  const blocked = new Client("127.0.0.22");
  // Positive control: under the limit, 99 failures, the right password still works.
  for (let i = 0; i < 99; i++) expect((await blocked.signIn(`nobody-${i}@globex.example`, "wrong")).status).toBe(401);
  expect(signedIn(await blocked.signIn(cy, CLUSTER_PASSWORD))).toBe(true);
  expect(blocked.upstreams.size).toBe(2);
  // The hundredth uses up the address's budget, wherever it lands.
  expect((await blocked.signIn("nobody-99@globex.example", "wrong")).status).toBe(401);
  const refused = await blocked.signIn(cy, CLUSTER_PASSWORD);
  expect(refused.status).toBe(429);
  expect(Number(refused.headers["retry-after"])).toBeGreaterThan(800);
  // Security case 58: through nginx, an X-Forwarded-For of the client's choosing changes nothing;
  // nginx replaces it with the address it saw.
  expect((await blocked.signIn(cy, CLUSTER_PASSWORD, { "x-forwarded-for": "127.0.0.23" })).status).toBe(429);
  // Positive control: that other address itself signs in, through nginx.
  expect(signedIn(await new Client("127.0.0.23").signIn(cy, CLUSTER_PASSWORD))).toBe(true);
});
