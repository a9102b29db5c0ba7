/**
 * Says something about a key at most once per interval. An outage answers every request with the
 * same failure; the log needs one line per tenant per minute, with how many were left unsaid, not
 * a line (or a stack trace) per request.
 */
export class RateLimitedLog {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly write: (line: string) => void,
    private readonly everyMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Writes `line` unless `key` was written less than `everyMs` ago; true when it was written. */
  say(key: string, line: string): boolean {
    const at = this.now();
    const previous = this.last.get(key);
    if (previous && at - previous.at < this.everyMs) {
      previous.suppressed += 1;
      return false;
    }
    // Keys are tenant ids; a bound keeps a fleet-wide outage from growing the map without limit.
    if (!previous && this.last.size >= 10_000) this.last.clear();
    const more = previous?.suppressed ? ` (${previous.suppressed} more since the last report)` : "";
    this.last.set(key, { at, suppressed: 0 });
    this.write(`${line}${more}`);
    return true;
  }
}
