import { AsyncLocalStorage } from "node:async_hooks";

/**
 * What every log line of a request or an operation carries. One store per request, created by
 * the HTTP server in front of Next.js (scripts/next-server.ts) and filled in as the request is
 * understood: proxy.ts adds the realm, the page or action that resolves the tenant adds its slug.
 * The store is an object, so what is added deeper down shows on every later line of the request.
 */
export interface LogContext {
  requestId?: string;
  realm?: "tenant" | "agency" | "none";
  /** The tenant's slug (never its name or id: the slug is what operators search by). */
  tenant?: string;
  operationId?: string;
  operation?: string;
}

// Next.js loads server code in several module graphs of one process (proxy, route handlers,
// server components) and the HTTP server is outside all of them: one storage for all, on globalThis.
const KEY = Symbol.for("portico.log-context");
type Holder = { [KEY]?: AsyncLocalStorage<LogContext> };

function storage(): AsyncLocalStorage<LogContext> {
  const holder = globalThis as Holder;
  holder[KEY] ??= new AsyncLocalStorage<LogContext>();
  return holder[KEY];
}

/** Runs `fn` with `context` as the log context of everything it does, awaited or not. */
export function withLogContext<T>(context: LogContext, fn: () => T): T {
  return storage().run(context, fn);
}

/** The current request's or operation's context, or undefined outside one. */
export function logContext(): LogContext | undefined {
  return storage().getStore();
}

/** Adds to the current context (no-op outside one); later lines of the request carry it. */
export function annotateLogContext(fields: Partial<LogContext>): void {
  const store = storage().getStore();
  if (store) Object.assign(store, fields);
}
