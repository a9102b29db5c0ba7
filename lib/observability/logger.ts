import { createRequire } from "node:module";
import path from "node:path";
import pino, { type DestinationStream, type Logger } from "pino";
import { logContext } from "./context.ts";
import { redact, scrubText } from "./redact.ts";

/**
 * The process's logger (docs/decisions/036): JSON lines on stdout in production, for whatever
 * collects them; readable lines in development. Every line of a request carries its request id,
 * realm and tenant slug, every line of an operation its id (lib/observability/context.ts), and
 * nothing secret (lib/observability/redact.ts).
 *   PORTICO_LOG_LEVEL   trace | debug | info (default) | warn | error | fatal | silent
 *   PORTICO_LOG_FORMAT  json (default in production) | pretty (default under `npm run dev`)
 */
export type { Logger };

const LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
export type LogLevel = (typeof LEVELS)[number];

export interface LogSettings {
  level: LogLevel;
  format: "json" | "pretty";
}

/** The settings from the environment; a wrong value is named, as loadEnv does for the rest. */
export function logSettings(source: Record<string, string | undefined> = process.env): LogSettings {
  const level = (source.PORTICO_LOG_LEVEL || "info").toLowerCase();
  if (!(LEVELS as readonly string[]).includes(level))
    throw new Error(`PORTICO_LOG_LEVEL: must be one of ${LEVELS.join(", ")} (got "${source.PORTICO_LOG_LEVEL}")`);
  const format = (source.PORTICO_LOG_FORMAT || (source.NODE_ENV === "development" ? "pretty" : "json")).toLowerCase();
  if (format !== "json" && format !== "pretty")
    throw new Error(`PORTICO_LOG_FORMAT: must be "json" or "pretty" (got "${source.PORTICO_LOG_FORMAT}")`);
  return { level: level as LogLevel, format };
}

/**
 * pino-pretty as a plain stream in this thread (no transport worker, which bundlers cannot
 * follow). It is a development dependency: where it is not installed the lines stay JSON.
 */
function prettyStream(): DestinationStream | undefined {
  try {
    const load = createRequire(path.join(process.cwd(), "package.json"));
    const pretty = load("pino-pretty") as (options: object) => DestinationStream;
    return pretty({ colorize: true, translateTime: "HH:MM:ss.l", ignore: "pid,hostname", singleLine: true });
  } catch {
    return undefined;
  }
}

/** A logger writing to `destination` (default stdout); tests pass their own to read the lines. */
export function createLogger(settings: LogSettings, destination?: DestinationStream): Logger {
  const stream = destination ?? (settings.format === "pretty" ? prettyStream() : undefined);
  return pino(
    {
      level: settings.level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Level names, not numbers: what people grep for and log pipelines map without a table.
      formatters: {
        level: (label) => ({ level: label }),
        // Every object logged, whatever its shape: secret keys and URL passwords go.
        log: (object) => redact(object) as Record<string, unknown>,
      },
      mixin: () => {
        const context = logContext();
        return context ? { ...context } : {};
      },
      hooks: {
        // Messages are text the code assembled, often with an error's message in it.
        logMethod(args, method) {
          const clean = args.map((a) => (typeof a === "string" ? scrubText(a) : a)) as Parameters<typeof method>;
          return method.apply(this, clean);
        },
      },
    },
    stream ?? pino.destination({ fd: 1, sync: true }),
  );
}

// One logger per process, shared by every module graph Next.js loads (see context.ts).
const KEY = Symbol.for("portico.logger");
type Holder = { [KEY]?: Logger };

export function log(): Logger {
  const holder = globalThis as Holder;
  holder[KEY] ??= createLogger(logSettings());
  return holder[KEY];
}

/** A `(line) => void` for code that takes a line writer (the worker, the outage log). */
export function logLines(level: "info" | "warn" | "error" = "info"): (line: string) => void {
  return (line) => log()[level](line);
}
