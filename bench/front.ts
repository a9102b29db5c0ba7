/**
 * The page cache and the fair share (issue #20; decisions 054 and 055), over HTTP against three
 * web servers on the same fleet: "before" (PORTICO_PAGE_CACHE_MB=0, PORTICO_FAIR_SHARE=off:
 * every page rendered per request, as before them) and two instances "after" with the shipped
 * defaults, except rate limits off (PORTICO_PLAN_RATE_LIMITS: they are a plan's policy, tested in
 * lib/tenancy/tenant-traffic.test.ts; here the concurrency share is measured).
 */
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import http from "node:http";
import { encode } from "next-auth/jwt";
import { deriveSessionSecret } from "../lib/auth/credentials.server.ts";
import type { ControlDb } from "../lib/db/control.server.ts";
import { freePort } from "../lib/db/embedded.server.ts";
import type { TenantDb } from "../lib/db/tenant-db.server.ts";
import { notifyTenantContentChanged } from "../lib/tenancy/invalidation.server.ts";
import type { Placement } from "./cpus.ts";
import { loadApart } from "./load-apart.ts";
import { load, type LoadResult } from "./load.ts";
import { startNextServer } from "./next-process.ts";
import { startStaticFloor } from "./static-floor.ts";
import type { Figure, ScalePoint } from "./report.ts";
import { median } from "./stats.ts";
import { cpuMsOf, describeThreadTimes, processesNamed, threadTimes, threadTimesBetween } from "./thread-times.ts";
import { seededRandom, zipf } from "./zipf.ts";

export interface FrontBenchInput {
  env: NodeJS.ProcessEnv;
  placement: Placement;
  tenants: number;
  ids: string[];
  slugOf: (i: number) => string;
  control: ControlDb;
  /** A client of tenant `i`'s own database, for the edits and the signed-in member. */
  tenantDb: (id: string) => Promise<TenantDb>;
  secretKey: string;
  /** CPU time PostgreSQL has used so far, in ms (bench/cpus.ts): what it took while a phase ran. */
  postgresCpuMs: () => Promise<number>;
  phaseMs: number;
  concurrency: number;
  zipfS: number;
  say: (line: string) => void;
}

export interface FrontBenchResult {
  figures: Figure[];
  /** Zipf traffic to 1, 10, 100 and all tenants, anonymous catalogue from the cache. */
  curve: ScalePoint[];
  detail: Record<string, unknown>;
}

const ROUNDS = 10;
const SIGNED_IN_ROUNDS = 20;

/**
 * The page cache sized to hold the fleet's two public pages measured (catalogue and first event,
 * about 45 KB each) with room to spare, as the connection budget is sized to the hot set: the
 * shipped 64 MB holds about 1,400 such pages.
 */
export function cacheMbFor(tenants: number): string {
  return String(Math.max(64, Math.ceil((tenants * 2 * 64) / 1024)));
}
/** The uniform phases' unmeasured ramp-up at the same traffic. */
const UNIFORM_RAMP_MS = 3_000;
/**
 * The tail figure's rate, as a share of what the same server answered at saturation in the same
 * run (decision 065): latency at a load the server sustains, not the length of its queue.
 */
const OPEN_LOOP_SHARE = 0.5;
/** Connections the open loop may hold at once; past them a request waits for one, its wait counted. */
const OPEN_LOOP_CONNECTIONS = 64;
const RATE_LIMITS_OFF = "starter=0,standard=0,premium=0";
const FLOOD_CONNECTIONS = 128;
/** Edits made while the safety load runs, one every EDIT_EVERY_MS. */
const EDIT_EVERY_MS = 400;

const tenantsNamed = (body: string): number[] =>
  [...body.matchAll(/(?:Bench Tenant |of tenant )(\d+)\b/g)].map((m) => Number(m[1]));

export async function frontBench(input: FrontBenchInput): Promise<FrontBenchResult> {
  const { tenants, slugOf, say } = input;
  const servers: ChildProcess[] = [];
  const pidOf = new Map<number, number>();
  const start = async (extra: Record<string, string>) => {
    const port = await freePort();
    const server = await startNextServer(
      port,
      { ...input.env, ...extra },
      { prefix: input.placement.webServerPrefix() },
    );
    servers.push(server);
    pidOf.set(port, server.pid!);
    if (!input.placement.unavailable) await input.placement.separate(server.pid!);
    return port;
  };
  try {
    say("page cache and fair share: one web server rendering every page (before), two with the cache and fair share…");
    const before = await start({ PORTICO_PAGE_CACHE_MB: "0", PORTICO_FAIR_SHARE: "off" });
    const metricsToken = randomBytes(32).toString("hex");
    const caching = {
      PORTICO_PLAN_RATE_LIMITS: RATE_LIMITS_OFF,
      PORTICO_PAGE_CACHE_MB: cacheMbFor(tenants),
      PORTICO_METRICS_TOKEN: metricsToken,
    };
    const after = await start(caching);
    const second = await start(caching);
    const host = (i: number, port: number) => `${slugOf(i)}.localhost:${port}`;
    const indexOfHost = (h: string) => Number(h.slice(6, 10));
    // A body is right when every tenant it names is its own (and it names its own).
    const namesOnlyItself = (h: string, named: number[]) =>
      named.length > 0 && named.every((n) => n === indexOfHost(h));
    const own = (h: string, _status: number, body: string) => namesOnlyItself(h, tenantsNamed(body));
    // The throughput and latency phases check each body cheaply (its own tenant's name), so that
    // the load generator's own work does not show as the server's latency; the safety phase
    // checks every tenant a body names.
    const mine = (h: string, _status: number, body: string) => body.includes(`Bench Tenant ${indexOfHost(h)}<`);
    const errorsIn = (rs: LoadResult[]) => rs.reduce((n, r) => n + r.errors, 0);

    /** Asks `port` once for each of `paths` of every tenant, a tenant's paths one after another. */
    const askEachOnce = (port: number, paths: string[]) => {
      let next = 0;
      return load({
        port,
        path: paths[0]!,
        concurrency: input.concurrency,
        durationMs: 300_000,
        until: () => next >= tenants * paths.length,
        pickHost: () => host(Math.floor(next / paths.length) % tenants, port),
        pickPath: () => paths[next++ % paths.length]!,
        check: own,
      });
    };

    // Warm-up: JIT on every server, then every tenant's catalogue and first event once on each,
    // so the caches hold the fleet's public pages as in production. "Before" is asked too: a
    // server that has served the fleet holds its tenants' clients (bench: memory per cached
    // client), and one that served a single tenant would be measured against that, not the cache.
    for (const port of [before, after, second])
      await load({ port, path: "/", concurrency: input.concurrency, durationMs: 3_000, pickHost: () => host(0, port) });
    for (const port of [before, after, second]) await askEachOnce(port, ["/", "/events/event-0"]);

    // Paired rounds, the median of their ratios (as the throughput rounds in run.ts), in the
    // order a b, b a, a b…: a machine getting slower or faster during the phase (the database's
    // background writes after provisioning) weighs on both sides alike.
    const paired = async (a: () => Promise<LoadResult>, b: () => Promise<LoadResult>, rounds = ROUNDS) => {
      const as: LoadResult[] = [];
      const bs: LoadResult[] = [];
      const ratios: number[] = [];
      for (let r = 0; r < rounds; r++) {
        if (r % 2 === 0) {
          as.push(await a());
          bs.push(await b());
        } else {
          bs.push(await b());
          as.push(await a());
        }
        ratios.push(bs.at(-1)!.rps / as.at(-1)!.rps);
      }
      return { as, bs, ratio: median(ratios), ratios };
    };
    const roundMs = Math.max(1_000, input.phaseMs / 8);

    say("  anonymous catalogue of one tenant: rendered per request (before) ÷ from the cache…");
    const anonymous = (port: number) => () =>
      load({
        port,
        path: "/",
        concurrency: input.concurrency,
        durationMs: roundMs,
        pickHost: () => host(0, port),
        check: mine,
      });
    const cached = await paired(anonymous(before), anonymous(after));

    say("  the same catalogue signed in as a member: before ÷ after…");
    const cookie = await memberCookie(input, input.ids[0]!);
    const signedIn = (port: number) => () =>
      load({
        port,
        path: "/",
        headers: { cookie },
        concurrency: input.concurrency,
        // Longer and more rounds than the cached ones: at ~50 pages/s a 1 s round is ~50
        // requests, and the requests still in flight at its end weigh on its rate.
        durationMs: roundMs * 2,
        pickHost: () => host(0, port),
        check: (h, s, body) =>
          mine(h, s, body) && (body.includes("Bench Member") || body.includes("member@bench.example")),
      });
    const member = await paired(signedIn(before), signedIn(after), SIGNED_IN_ROUNDS);

    say("  Zipf traffic to 1, 10, 100 and every tenant, anonymous catalogue from the cache…");
    const curve: ScalePoint[] = [];
    const curveResults: LoadResult[] = [];
    for (const [i, k] of [...new Set([1, 10, 100, tenants].filter((k) => k <= tenants))].entries()) {
      const z = zipf(k, input.zipfS, seededRandom(300 + i));
      const r = await load({
        port: after,
        path: "/",
        concurrency: input.concurrency,
        durationMs: input.phaseMs,
        pickHost: () => host(z.next(), after),
        check: mine,
      });
      curve.push({ tenants: k, rps: r.rps, p50Ms: r.p50Ms, p99Ms: r.p99Ms });
      curveResults.push(r);
      say(
        `    ${k} tenants: ${r.rps.toFixed(0)} req/s, p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms, ${r.errors} errors`,
      );
    }

    say(`  uniform traffic over ${tenants} tenants, anonymous catalogue: from the cache, and rendered (before)…`);
    // From a load process of its own (bench/load-apart.ts): this one's pauses are not the server's.
    const uniform = (port: number, durationMs = input.phaseMs, rate?: number) =>
      loadApart({
        port,
        path: "/",
        concurrency: rate ? OPEN_LOOP_CONNECTIONS : input.concurrency,
        rate,
        // Its connections open and its code compiled first, as a load test calibrates.
        warmupMs: rate ? UNIFORM_RAMP_MS : undefined,
        durationMs,
        hosts: Array.from({ length: tenants }, (_, i) => host(i, port)),
        expect: Array.from({ length: tenants }, (_, i) => `Bench Tenant ${i}<`),
      });
    // The cache's steady state at this rate: every tenant gets a few requests a second, well
    // within the pages' 60 s lifetime. The phases since the warm-up took minutes, so most pages
    // have expired: ask for each catalogue once more (the pages' first renders are the curve's
    // and the warm-up's, not the tail's), then the same traffic for a few seconds unmeasured,
    // as a load test ramps up: the collection of those renders' garbage is not the steady state.
    // The server's counters say whether anything was rendered while measured, and what it paused for.
    await askEachOnce(after, ["/"]);
    await uniform(after, UNIFORM_RAMP_MS);
    const countedBefore = await serverCounters(after, metricsToken);
    const postgresBefore = await input.postgresCpuMs();
    const uniformStarted = performance.now();
    const uniformAfter = await uniform(after);
    const postgresBusy = (await input.postgresCpuMs()) - postgresBefore;
    const uniformMs = performance.now() - uniformStarted;
    const serverDuring = between(countedBefore, await serverCounters(after, metricsToken));
    say(`    meanwhile on the server: ${serverDuring.said}`);
    say(`    PostgreSQL, on the load process's CPU: ${(postgresBusy / uniformMs).toFixed(2)} of a CPU`);
    const loadPauses = uniformAfter.loadProcess;
    say(
      `    and in the load process: ${loadPauses.busy.toFixed(2)} of a CPU, ${loadPauses.collections} collections (${loadPauses.collectionMs.toFixed(1)} ms), event loop delay p99 ${loadPauses.loopDelayP99Ms.toFixed(1)} ms, longest ${loadPauses.loopDelayMaxMs.toFixed(1)} ms, nice ${loadPauses.priority}`,
    );
    // The tail visitors see (decision 065): the same traffic at a fixed rate, half of what the
    // server just answered at saturation, each request timed from when it was due.
    const rate = Math.max(1, Math.round(uniformAfter.rps * OPEN_LOOP_SHARE));
    // Where the server's threads spent the window (bench/thread-times.ts), and the machine's own
    // memory reclaimer (Linux DAMON's kdamond, where it runs): a wait before the handler is
    // either the event loop busy or the thread waiting for its CPU.
    const countedAtRate = await serverCounters(after, metricsToken);
    const reclaimers = await processesNamed(/^kdamond/);
    const threadsAtRate = await threadTimes(pidOf.get(after)!);
    const reclaimAtRate = await cpuMsOf(reclaimers);
    const uniformAtRate = await uniform(after, input.phaseMs, rate);
    const serverThreadsAtRate = threadTimesBetween(threadsAtRate, await threadTimes(pidOf.get(after)!));
    const reclaimMs = (await cpuMsOf(reclaimers)) - reclaimAtRate;
    const serverAtRate = between(countedAtRate, await serverCounters(after, metricsToken));
    say(
      `    at ${rate} req/s (open loop): p50 ${uniformAtRate.p50Ms.toFixed(1)} ms, p99 ${uniformAtRate.p99Ms.toFixed(1)} ms, ${uniformAtRate.requests} requests on ${uniformAtRate.connections} connections; meanwhile on the server: ${serverAtRate.said}`,
    );
    say(`    the server's threads, warm-up included: ${describeThreadTimes(serverThreadsAtRate)}`);
    if (reclaimers.length > 0)
      say(`    the kernel's memory reclaimer (kdamond) ran ${reclaimMs.toFixed(0)} ms meanwhile`);
    say(
      `    and in the load process: ${uniformAtRate.loadProcess.busy.toFixed(2)} of a CPU, event loop delay p99 ${uniformAtRate.loadProcess.loopDelayP99Ms.toFixed(1)} ms, longest ${uniformAtRate.loadProcess.loopDelayMaxMs.toFixed(1)} ms`,
    );
    // The instrument's floor (bench/static-floor.ts): the same open loop, same rate, same
    // connections, against a server on the same CPU that only sends bytes it holds.
    const floorPort = await freePort();
    const sample = await getPage(after, host(0, after), "/");
    if (sample.status !== 200) throw new Error(`the floor's sample page answered ${sample.status}`);
    const floorServer = await startStaticFloor(
      {
        port: floorPort,
        page: sample,
        named: "Bench Tenant 0",
        hosts: Array.from({ length: tenants }, (_, i) => host(i, floorPort)),
        names: Array.from({ length: tenants }, (_, i) => `Bench Tenant ${i}`),
      },
      input.placement.webServerPrefix(),
    );
    servers.push(floorServer);
    if (!input.placement.unavailable) await input.placement.separate(floorServer.pid!);
    // Warmed as the web server was before its open loop (the closed loop at saturation): its
    // code compiled and its young generation's memory touched, so the floor is a warm server's.
    await uniform(floorPort);
    const floorAtRate = await uniform(floorPort, input.phaseMs, rate);
    floorServer.kill("SIGTERM");
    say(
      `    the same open loop against a static server of the same bytes on the same CPU (the instrument's floor): p50 ${floorAtRate.p50Ms.toFixed(1)} ms, p99 ${floorAtRate.p99Ms.toFixed(1)} ms; load process event loop delay p99 ${floorAtRate.loadProcess.loopDelayP99Ms.toFixed(1)} ms`,
    );
    await uniform(before, UNIFORM_RAMP_MS);
    const uniformBefore = await uniform(before);

    say(
      `  Zipf over ${tenants} tenants on both caching servers while events are edited, one every ${EDIT_EVERY_MS} ms…`,
    );
    // A failed request (a refusal, a timeout, the unavailable notice) is not another tenant's
    // page: the safety figure counts the bodies that name another tenant, and the failures apart.
    let foreign = 0;
    const ownCounted = (h: string, _status: number, body: string) => {
      const named = tenantsNamed(body);
      if (named.some((n) => n !== indexOfHost(h))) foreign += 1;
      return namesOnlyItself(h, named);
    };
    const safety = await editWhileLoaded(input, [after, second], host, ownCounted);

    say(`  flood: ${FLOOD_CONNECTIONS} connections at one tenant while the others' pages are rendered…`);
    const floodAfter = await flood(input, after, host);
    const floodBefore = await flood(input, before, host);

    const figures: Figure[] = [
      {
        figure: "anonymous catalogue of one tenant, from the page cache ÷ rendered per request (before)",
        measured: `${avg(cached.bs)} req/s`,
        baseline: `${avg(cached.as)} req/s`,
        ratio: `${cached.ratio.toFixed(1)} (median of ${ROUNDS} rounds)`,
        target: "≥ 5",
        pass: cached.ratio >= 5,
      },
      {
        figure: "signed-in catalogue (never cached), with the cache and fair share ÷ before",
        measured: `${avg(member.bs)} req/s`,
        baseline: `${avg(member.as)} req/s`,
        ratio: `${member.ratio.toFixed(3)} (median of ${SIGNED_IN_ROUNDS} rounds, ${Math.min(...member.ratios).toFixed(2)}–${Math.max(...member.ratios).toFixed(2)})`,
        target: "≥ 0.95",
        pass: member.ratio >= 0.95,
      },
      {
        figure: `p99 ÷ p50, uniform traffic over ${tenants} tenants at half the rate below (open loop; anonymous catalogue, page cache)`,
        measured: `${uniformAtRate.p99Ms.toFixed(1)} ms`,
        baseline: `${uniformAtRate.p50Ms.toFixed(1)} ms (${rate} req/s)`,
        ratio: (uniformAtRate.p99Ms / uniformAtRate.p50Ms).toFixed(2),
        target: "≤ 3",
        pass: uniformAtRate.p99Ms / uniformAtRate.p50Ms <= 3,
      },
      {
        figure:
          "  the same open loop against a static server of the same bytes on the same CPU (the instrument's floor)",
        measured: `${floorAtRate.p99Ms.toFixed(1)} ms`,
        baseline: `${floorAtRate.p50Ms.toFixed(1)} ms (${rate} req/s, ${floorAtRate.errors} failed)`,
        ratio: (floorAtRate.p99Ms / floorAtRate.p50Ms).toFixed(2),
        target: "",
        pass: null,
      },
      {
        figure: `  the same at saturation (closed loop, ${input.concurrency} connections)`,
        measured: `${uniformAfter.p99Ms.toFixed(1)} ms`,
        baseline: `${uniformAfter.p50Ms.toFixed(1)} ms (${uniformAfter.rps.toFixed(0)} req/s)`,
        ratio: (uniformAfter.p99Ms / uniformAfter.p50Ms).toFixed(2),
        target: "",
        pass: null,
      },
      {
        figure: `  the same rendered per request (before), closed loop`,
        measured: `${uniformBefore.p99Ms.toFixed(1)} ms`,
        baseline: `${uniformBefore.p50Ms.toFixed(1)} ms (${uniformBefore.rps.toFixed(0)} req/s)`,
        ratio: (uniformBefore.p99Ms / uniformBefore.p50Ms).toFixed(2),
        target: "",
        pass: null,
      },
      {
        figure: `responses naming another tenant, Zipf over ${tenants} tenants on two instances while ${safety.edits} events were edited`,
        measured: `${foreign} of ${safety.requests}`,
        baseline: "",
        ratio: "",
        target: "0",
        pass: foreign === 0 && safety.requests > 0,
      },
      {
        figure: "  failed meanwhile (not 200, or not naming its own tenant), by status",
        measured: `${safety.wrong - foreign}`,
        baseline: Object.entries(safety.statuses)
          .map(([status, n]) => `${status}: ${n}`)
          .join(", "),
        ratio: "",
        target: "",
        pass: null,
      },
      {
        figure: "longest an instance served an edited event's old page after the edit (every edit, both instances)",
        measured: `${safety.worstMs.toFixed(0)} ms`,
        baseline: `median ${safety.medianMs.toFixed(0)} ms over ${safety.edits} edits; that request sent at ${safety.worstSentMs.toFixed(0)} ms; the new page first served after ${safety.newMedianMs.toFixed(0)} ms (median), ${safety.newWorstMs.toFixed(0)} ms (longest)`,
        ratio: "",
        target: "≤ 1000 ms",
        pass: safety.edits > 0 && safety.worstMs <= 1_000,
      },
      {
        figure: `others' p95 during a flood at one tenant (${FLOOD_CONNECTIONS} connections) ÷ without, fair share`,
        measured: `${floodAfter.withP95.toFixed(1)} ms`,
        baseline: `${floodAfter.withoutP95.toFixed(1)} ms`,
        ratio: floodAfter.ratio.toFixed(2),
        target: "≤ 1.5",
        pass: floodAfter.ratio <= 1.5 && floodAfter.othersErrors === 0,
      },
      {
        figure: "  the flooded tenant meanwhile: served at its share (rendered pages/s; refused with 503)",
        measured: `${floodAfter.floodServedRps.toFixed(0)} req/s`,
        baseline: `others ${floodAfter.othersRps.toFixed(0)} req/s; ${floodAfter.floodRefused} refused`,
        ratio: "",
        target: "> 0",
        pass: floodAfter.floodServedRps > 0,
      },
      {
        figure: "  the same flood with every page rendered at once (before)",
        measured: `${floodBefore.withP95.toFixed(1)} ms`,
        baseline: `${floodBefore.withoutP95.toFixed(1)} ms`,
        ratio: floodBefore.ratio.toFixed(2),
        target: "",
        pass: null,
      },
      {
        figure: "  failed or wrong-tenant responses in the cache, signed-in, curve and uniform phases",
        measured: `${errorsIn([...cached.as, ...cached.bs, ...member.as, ...member.bs, uniformAfter, uniformAtRate, uniformBefore, ...curveResults])}`,
        baseline: "",
        ratio: "",
        target: "0",
        pass:
          errorsIn([
            ...cached.as,
            ...cached.bs,
            ...member.as,
            ...member.bs,
            uniformAfter,
            uniformAtRate,
            uniformBefore,
            ...curveResults,
          ]) === 0,
      },
    ];
    return {
      figures,
      curve,
      detail: {
        cached: cached.ratios,
        member: member.ratios,
        uniformAfter,
        serverDuring,
        postgresDuringUniform: postgresBusy / uniformMs,
        uniformAtRate,
        floorAtRate,
        serverAtRate,
        serverThreadsAtRate,
        reclaimMsAtRate: reclaimMs,
        uniformBefore,
        safety,
        floodAfter,
        floodBefore,
      },
    };
  } finally {
    for (const server of servers) server.kill("SIGTERM");
    // Each start pinned this process and PostgreSQL off CPU 0: give every CPU back, or the
    // sections after this one (provisioning, fleet migration) run on one CPU.
    if (!input.placement.unavailable) await input.placement.share(process.pid);
  }
}

/** What the server at `port` reports, from its /metrics: its page cache, collections and pauses. */
interface ServerCounters {
  /** The page cache's counters (hits, misses, refreshes…), totals since the server started. */
  cache: Record<string, number>;
  /** Garbage collections by kind (minor, major, incremental, weakcb): count and ms, totals. */
  gc: Record<string, { count: number; ms: number }>;
  /** The longest event-loop delay since the previous scrape (each scrape starts it again). */
  loopDelayMaxMs: number;
}

async function serverCounters(port: number, token: string): Promise<ServerCounters> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(`/metrics on port ${port} answered ${response.status}`);
  const text = await response.text();
  const counters: ServerCounters = { cache: {}, gc: {}, loopDelayMaxMs: NaN };
  for (const m of text.matchAll(/^portico_page_cache_(\w+)_total (\d+)$/gm)) counters.cache[m[1]!] = Number(m[2]);
  for (const m of text.matchAll(/^portico_nodejs_gc_duration_seconds_(sum|count)\{kind="(\w+)"\} ([\d.e+-]+)$/gm)) {
    const kind = (counters.gc[m[2]!] ??= { count: 0, ms: 0 });
    if (m[1] === "sum") kind.ms = Number(m[3]) * 1000;
    else kind.count = Number(m[3]);
  }
  const delay = /^portico_nodejs_eventloop_lag_max_seconds ([\d.e+-]+)$/m.exec(text);
  if (delay) counters.loopDelayMaxMs = Number(delay[1]) * 1000;
  return counters;
}

/** What happened on a server between two readings of its counters. */
function between(from: ServerCounters, to: ServerCounters) {
  const cache = Object.fromEntries(Object.entries(to.cache).map(([k, v]) => [k, v - (from.cache[k] ?? 0)]));
  const gc = Object.fromEntries(
    Object.entries(to.gc).map(([kind, v]) => [
      kind,
      { count: v.count - (from.gc[kind]?.count ?? 0), ms: Number((v.ms - (from.gc[kind]?.ms ?? 0)).toFixed(1)) },
    ]),
  );
  const said =
    `the cache ${Object.entries(cache)
      .map(([k, v]) => `${v} ${k}`)
      .join(", ")}; ` +
    `collections ${Object.entries(gc)
      .filter(([, v]) => v.count > 0)
      .map(([kind, v]) => `${kind} ${v.count} (${v.ms} ms)`)
      .join(", ")}; longest event-loop delay ${to.loopDelayMaxMs.toFixed(1)} ms`;
  return { cache, gc, loopDelayMaxMs: to.loopDelayMaxMs, said };
}

const avg = (rs: LoadResult[]) => (rs.reduce((n, r) => n + r.rps, 0) / rs.length).toFixed(0);

/** A member of tenant `id` and the session cookie a sign-in would have given them (decision 041). */
async function memberCookie(input: FrontBenchInput, id: string): Promise<string> {
  const db = await input.tenantDb(id);
  const user = await db.user.upsert({
    where: { email: "member@bench.example" },
    create: { email: "member@bench.example", name: "Bench Member" },
    update: {},
  });
  const session = await db.userSession.create({
    data: { userId: user.id, method: "password", expiresAt: new Date(Date.now() + 3_600_000) },
  });
  const token = await encode({
    secret: deriveSessionSecret(input.secretKey, `tenant:${id}`),
    maxAge: 3600,
    token: { realm: "tenant", tid: id, uid: user.id, sv: user.sessionVersion, sid: session.id },
  });
  return `portico.session=${token}`;
}

interface Safety {
  requests: number;
  /** Responses that failed the check: another tenant named, or no page of its own. */
  wrong: number;
  statuses: Record<number, number>;
  edits: number;
  /**
   * After an edit, when the last answer with the old page arrived (ms after the change was made):
   * the old page was served no later than that. When that request was sent is the lower bound
   * (it cannot have been answered sooner); the two differ by how long the loaded server took.
   */
  worstMs: number;
  medianMs: number;
  worstSentMs: number;
  /** After an edit, when the new page was first served (a render of it, under the load). */
  newWorstMs: number;
  newMedianMs: number;
}

/**
 * Zipf load over the fleet on both instances while an editor changes one hot tenant's first
 * event at a time, as a tenant action does (the change, then the content notice). After each
 * edit both instances are asked for that page until each serves the new title: how long the old
 * one was still served.
 */
async function editWhileLoaded(
  input: FrontBenchInput,
  ports: number[],
  host: (i: number, port: number) => string,
  own: (h: string, s: number, body: string) => boolean,
): Promise<Safety> {
  const { tenants, phaseMs } = input;
  let stop = false;
  const loads = ports.map((port, k) => {
    const z = zipf(tenants, input.zipfS, seededRandom(500 + k));
    let n = 0;
    return load({
      port,
      path: "/",
      concurrency: Math.max(2, input.concurrency / ports.length),
      durationMs: phaseMs * 2,
      pickHost: () => host(z.next(), port),
      pickPath: () => (n++ % 2 ? "/events/event-0" : "/"),
      check: own,
      until: () => stop,
    });
  });
  const waits: number[] = [];
  const sends: number[] = [];
  const fresh: number[] = [];
  /** The title each edited tenant's first event had before its latest edit (as its page ends it). */
  const previous = new Map<number, string>();
  const hot = zipf(tenants, input.zipfS, seededRandom(900));
  const deadline = performance.now() + phaseMs * 2 - 2_000;
  let edit = 0;
  while (performance.now() < deadline) {
    const i = hot.next();
    const id = input.ids[i]!;
    const title = `Event 0 of tenant ${i}, edit ${++edit}`;
    if (!previous.has(i)) previous.set(i, `Event 0 of tenant ${i}<`);
    const db = await input.tenantDb(id);
    await db.event.update({ where: { slug: "event-0" }, data: { title } });
    // The edit is committed: from now on a page that shows the old title is stale. (Timed from
    // before the update, a slow connection to the tenant's database counted as staleness.)
    const t0 = performance.now();
    await notifyTenantContentChanged(input.control, id);
    const seen = await Promise.all(ports.map((port) => staleness(port, host(i, port), previous.get(i), title, t0)));
    waits.push(...seen.map((x) => x.lastOldArrivedMs));
    sends.push(...seen.map((x) => x.lastOldSentMs));
    fresh.push(...seen.map((x) => x.firstNewMs));
    previous.set(i, `${title}<`);
    await new Promise((r) => setTimeout(r, EDIT_EVERY_MS));
  }
  stop = true;
  const results = await Promise.all(loads);
  return {
    requests: results.reduce((n, r) => n + r.requests, 0),
    wrong: results.reduce((n, r) => n + r.errors, 0),
    statuses: results.reduce<Record<number, number>>((all, r) => {
      for (const [status, n] of Object.entries(r.statuses)) all[Number(status)] = (all[Number(status)] ?? 0) + n;
      return all;
    }, {}),
    edits: edit,
    worstMs: Math.max(0, ...waits),
    medianMs: waits.length ? median(waits) : 0,
    worstSentMs: Math.max(0, ...sends),
    newWorstMs: Math.max(0, ...fresh),
    newMedianMs: fresh.length ? median(fresh) : 0,
  };
}

/**
 * Asks `port` for the event page, back to back, from `t0` (the change) until it answers `title`
 * (gives up after 10 s), in ms after `t0`: when the last request answered with an old page (`old`,
 * the title before) was sent and when that answer arrived, and when the new page first arrived.
 */
async function staleness(
  port: number,
  h: string,
  old: string | undefined,
  title: string,
  t0: number,
): Promise<{ lastOldSentMs: number; lastOldArrivedMs: number; firstNewMs: number }> {
  let lastOldSentMs = 0;
  let lastOldArrivedMs = 0;
  while (performance.now() - t0 < 10_000) {
    const sent = performance.now() - t0;
    const body = await getBody(port, h, "/events/event-0").catch(() => "");
    const at = performance.now() - t0;
    if (body.includes(title)) return { lastOldSentMs, lastOldArrivedMs, firstNewMs: at };
    if (old && body.includes(old)) [lastOldSentMs, lastOldArrivedMs] = [sent, at];
    await new Promise((r) => setTimeout(r, 5));
  }
  return { lastOldSentMs: 10_000, lastOldArrivedMs: 10_000, firstNewMs: 10_000 };
}

async function getBody(port: number, h: string, path: string): Promise<string> {
  return (await getPage(port, h, path)).body;
}

function getPage(
  port: number,
  h: string,
  path: string,
): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port, path, headers: { host: h } }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: Object.fromEntries(
              Object.entries(res.headers).flatMap(([k, v]) => (typeof v === "string" ? [[k, v]] : [])),
            ),
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        res.on("error", reject);
      })
      .on("error", reject);
  });
}

interface Flood {
  withoutP95: number;
  withP95: number;
  ratio: number;
  othersRps: number;
  othersErrors: number;
  floodServedRps: number;
  floodRefused: number;
}

/**
 * Other tenants' rendered pages (Zipf over all but tenant 0, a query string so nothing is
 * cached) without and with FLOOD_CONNECTIONS connections sending tenant 0's page back to back,
 * alternating, three rounds each; the median of each side's p95.
 */
async function flood(input: FrontBenchInput, port: number, host: (i: number, port: number) => string): Promise<Flood> {
  const { tenants } = input;
  const z = zipf(tenants - 1, input.zipfS, seededRandom(700));
  const durationMs = Math.max(2_000, input.phaseMs / 2);
  const others = () =>
    load({
      port,
      path: "/?fresh=1",
      concurrency: input.concurrency,
      durationMs,
      pickHost: () => host(1 + z.next(), port),
    });
  const without: LoadResult[] = [];
  const withFlood: LoadResult[] = [];
  const floods: LoadResult[] = [];
  for (let round = 0; round < 3; round++) {
    without.push(await others());
    const [o, f] = await Promise.all([
      others(),
      load({
        port,
        path: "/?flood=1",
        concurrency: FLOOD_CONNECTIONS,
        durationMs,
        pickHost: () => host(0, port),
      }),
    ]);
    withFlood.push(o);
    floods.push(f);
  }
  const withoutP95 = median(without.map((r) => r.p95Ms));
  const withP95 = median(withFlood.map((r) => r.p95Ms));
  const seconds = (floods.length * durationMs) / 1000;
  return {
    withoutP95,
    withP95,
    ratio: withP95 / withoutP95,
    othersRps: median(withFlood.map((r) => r.rps)),
    othersErrors: [...without, ...withFlood].reduce((n, r) => n + r.errors, 0),
    floodServedRps: floods.reduce((n, r) => n + (r.statuses[200] ?? 0), 0) / seconds,
    floodRefused: floods.reduce((n, r) => n + (r.statuses[503] ?? 0) + (r.statuses[429] ?? 0), 0),
  };
}
