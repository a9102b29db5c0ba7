import { LRUCache } from "lru-cache";

/**
 * Fair share of one web process between tenants (issue #20): each tenant may have at most
 * `concurrency` requests in flight; up to `queue` more wait their turn, each at most `waitMs`;
 * beyond that the request is refused at once, for that tenant alone, so a flood at one portal
 * fills only its own slots and queue while every other tenant is admitted as before.
 *
 * Work-conserving: while no other tenant has a request in flight, a tenant may go past its
 * concurrency, up to `borrowUpTo` times it (a portal alone on the server is served as fast as
 * with no share at all); as soon as another is served, each gets its own share.
 *
 * Keys are whatever the caller names a tenant by (its host, normalised). Gates are kept for the
 * most recent `maxTenants` keys, so a client inventing Host headers cannot grow memory: room is
 * made by dropping the least recently used idle gate. Only when every gate is busy does the
 * cache drop a busy one; its requests still finish and hand their slots on through it.
 */
export interface AdmissionLimits {
  /** Requests of one tenant served at once. */
  concurrency: number;
  /** Requests of one tenant waiting beyond those; more are refused at once. */
  queue: number;
  /** Longest a request waits in its tenant's queue before it is refused. */
  waitMs: number;
}

export type Admission =
  | { admitted: true; release: () => void }
  | { admitted: false; reason: "queue-full" | "waited-too-long"; retryAfterSeconds: number };

interface Waiter {
  grant: () => void;
  timer: NodeJS.Timeout;
}

interface Gate {
  active: number;
  waiting: Waiter[];
}

export interface AdmissionFigures {
  admitted: number;
  /** Admitted past the tenant's concurrency while no other tenant was served. */
  borrowed: number;
  queued: number;
  refused: number;
}

export class TenantAdmission {
  private readonly gates: LRUCache<string, Gate>;
  readonly figures: AdmissionFigures = { admitted: 0, borrowed: 0, queued: 0, refused: 0 };
  /** Requests in flight, all tenants together. */
  private active = 0;
  private readonly borrowUpTo: number;

  constructor(
    private readonly limitsFor: (key: string) => AdmissionLimits,
    options: { maxTenants?: number; borrowUpTo?: number } = {},
  ) {
    if (options.maxTenants !== undefined && options.maxTenants < 1) throw new Error("maxTenants must be at least 1");
    this.borrowUpTo = options.borrowUpTo ?? 1;
    this.gates = new LRUCache<string, Gate>({ max: options.maxTenants ?? 10_000 });
  }

  /**
   * Admits a request of tenant `key` now, after a wait in its queue, or refuses it. `signal`
   * (the client going away) takes a waiting request out of the queue. Call `release` exactly
   * once when an admitted request has finished; a second call does nothing.
   */
  async admit(key: string, signal?: AbortSignal): Promise<Admission> {
    const limits = checked(this.limitsFor(key));
    const gate = this.gateFor(key);
    if (gate.active < limits.concurrency && gate.waiting.length === 0) return this.grant(gate);
    const alone = this.active === gate.active;
    if (gate.waiting.length === 0 && alone && gate.active < limits.concurrency * this.borrowUpTo) {
      this.figures.borrowed++;
      return this.grant(gate);
    }
    if (gate.waiting.length >= limits.queue) return this.refuse("queue-full", limits);
    this.figures.queued++;
    return new Promise<Admission>((resolve) => {
      const leave = () => {
        clearTimeout(waiter.timer);
        const at = gate.waiting.indexOf(waiter);
        if (at >= 0) gate.waiting.splice(at, 1);
        signal?.removeEventListener("abort", onAbort);
      };
      const onAbort = () => {
        leave();
        resolve(this.refuse("waited-too-long", limits));
      };
      const waiter: Waiter = {
        grant: () => {
          leave();
          resolve(this.grant(gate));
        },
        timer: setTimeout(onAbort, limits.waitMs),
      };
      gate.waiting.push(waiter);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Requests of `key` in flight and waiting now (0 and 0 for a tenant never seen). */
  load(key: string): { active: number; waiting: number } {
    const gate = this.gates.peek(key);
    return { active: gate?.active ?? 0, waiting: gate?.waiting.length ?? 0 };
  }

  /** Whether a gate is kept for `key` (the bound on tenants tracked, in tests). */
  tracks(key: string): boolean {
    return this.gates.has(key);
  }

  private gateFor(key: string): Gate {
    let gate = this.gates.get(key);
    if (!gate) {
      gate = { active: 0, waiting: [] };
      this.evictIdleIfFull();
      this.gates.set(key, gate);
    }
    return gate;
  }

  /** Makes room by dropping the least recently used idle gate; busy gates are kept. */
  private evictIdleIfFull(): void {
    if (this.gates.size < this.gates.max) return;
    for (const key of this.gates.rkeys()) {
      const gate = this.gates.peek(key);
      if (gate && gate.active === 0 && gate.waiting.length === 0) {
        this.gates.delete(key);
        return;
      }
    }
  }

  private grant(gate: Gate): Admission {
    gate.active++;
    this.active++;
    this.figures.admitted++;
    let released = false;
    return {
      admitted: true,
      release: () => {
        if (released) return;
        released = true;
        gate.active--;
        this.active--;
        gate.waiting[0]?.grant();
      },
    };
  }

  private refuse(reason: "queue-full" | "waited-too-long", limits: AdmissionLimits): Admission {
    this.figures.refused++;
    return { admitted: false, reason, retryAfterSeconds: Math.max(1, Math.ceil(limits.waitMs / 1000)) };
  }
}

function checked(limits: AdmissionLimits): AdmissionLimits {
  const { concurrency, queue, waitMs } = limits;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error("concurrency must be a whole number ≥ 1");
  if (!Number.isInteger(queue) || queue < 0) throw new Error("queue must be a whole number ≥ 0");
  if (!Number.isInteger(waitMs) || waitMs < 0) throw new Error("waitMs must be a whole number of milliseconds ≥ 0");
  return limits;
}
