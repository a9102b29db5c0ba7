import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { TenantAdmission, type Admission, type AdmissionLimits } from "./tenant-admission.ts";

const limits: AdmissionLimits = { concurrency: 2, queue: 1, waitMs: 2_000 };

function admitted(a: Admission): () => void {
  if (!a.admitted) throw new Error(`refused: ${a.reason}`);
  return a.release;
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("per-tenant admission", () => {
  it("serves up to its concurrency at once, queues the next, refuses beyond the queue", async () => {
    const gate = new TenantAdmission(() => limits);
    const first = admitted(await gate.admit("a.example"));
    admitted(await gate.admit("a.example"));
    const waiting = gate.admit("a.example");
    expect(gate.load("a.example")).toEqual({ active: 2, waiting: 1 });
    expect(await gate.admit("a.example")).toEqual({ admitted: false, reason: "queue-full", retryAfterSeconds: 2 });
    // A slot handed on: the waiting request goes in, in its turn.
    first();
    admitted(await waiting);
    expect(gate.load("a.example")).toEqual({ active: 2, waiting: 0 });
    expect(gate.figures).toEqual({ admitted: 3, borrowed: 0, queued: 1, refused: 1 });
  });

  it("keeps one tenant's flood to its own slots: another tenant is admitted at once", async () => {
    const gate = new TenantAdmission(() => limits);
    for (let i = 0; i < 2; i++) admitted(await gate.admit("flood.example"));
    void gate.admit("flood.example");
    expect((await gate.admit("flood.example")).admitted).toBe(false);
    // Positive control beside the refusal: the neighbour is served without waiting.
    admitted(await gate.admit("quiet.example"));
    expect(gate.load("quiet.example")).toEqual({ active: 1, waiting: 0 });
  });

  it("refuses a request that waited its whole allowance, and one whose client went away", async () => {
    const gate = new TenantAdmission(() => ({ concurrency: 1, queue: 2, waitMs: 2_000 }));
    const holder = admitted(await gate.admit("a.example"));
    const timedOut = gate.admit("a.example");
    await vi.advanceTimersByTimeAsync(2_000);
    expect(await timedOut).toMatchObject({ admitted: false, reason: "waited-too-long" });
    const client = new AbortController();
    const abandoned = gate.admit("a.example", client.signal);
    client.abort();
    expect((await abandoned).admitted).toBe(false);
    expect(gate.load("a.example")).toEqual({ active: 1, waiting: 0 });
    // Positive control: one that waits for a slot freed in time is admitted.
    const patient = gate.admit("a.example");
    holder();
    admitted(await patient);
  });

  it("counts a release once, however often it is called", async () => {
    const gate = new TenantAdmission(() => limits);
    const release = admitted(await gate.admit("a.example"));
    release();
    release();
    expect(gate.load("a.example").active).toBe(0);
  });

  it("asks for each tenant's own limits (a plan's), and refuses nonsense limits", async () => {
    const gate = new TenantAdmission((key) =>
      key === "premium.example" ? { concurrency: 3, queue: 0, waitMs: 0 } : { concurrency: 1, queue: 0, waitMs: 0 },
    );
    for (let i = 0; i < 3; i++) admitted(await gate.admit("premium.example"));
    admitted(await gate.admit("starter.example"));
    expect((await gate.admit("starter.example")).admitted).toBe(false);
    const broken = new TenantAdmission(() => ({ concurrency: 0, queue: 0, waitMs: 0 }));
    await expect(broken.admit("a.example")).rejects.toThrow(/concurrency must be a whole number/);
  });

  it("forgets idle tenants beyond its bound, never a busy one while an idle one can go", async () => {
    const gate = new TenantAdmission(() => limits, { maxTenants: 2 });
    const busy = admitted(await gate.admit("busy.example"));
    admitted(await gate.admit("idle.example"))();
    admitted(await gate.admit("new.example"));
    expect(gate.load("busy.example").active).toBe(1);
    expect([gate.tracks("busy.example"), gate.tracks("idle.example"), gate.tracks("new.example")]).toEqual([
      true,
      false,
      true,
    ]);
    busy();
    expect(gate.load("busy.example").active).toBe(0);
  });

  it("lends a tenant more than its share while it is alone, and only then", async () => {
    const gate = new TenantAdmission(() => ({ concurrency: 2, queue: 4, waitMs: 2_000 }), { borrowUpTo: 2 });
    // Alone: past its 2, up to twice that.
    const alone = await Promise.all(Array.from({ length: 4 }, () => gate.admit("a.example")));
    expect(alone.every((a) => a.admitted)).toBe(true);
    expect(gate.figures.borrowed).toBe(2);
    // Capped at borrowUpTo × its concurrency, alone or not: the next one waits.
    const capped = gate.admit("a.example");
    expect(gate.load("a.example")).toEqual({ active: 4, waiting: 1 });
    // A neighbour arrives: it gets its own share, and nothing more is lent to either.
    admitted(await gate.admit("b.example"));
    admitted(await gate.admit("b.example"));
    expect(await Promise.race([gate.admit("b.example").then(() => "admitted"), Promise.resolve("waiting")])).toBe(
      "waiting",
    );
    expect(gate.figures.borrowed).toBe(2);
    for (const a of alone) if (a.admitted) a.release();
    expect((await capped).admitted).toBe(true);
  });
});
