import { mkdtempSync, rmSync } from "node:fs";
import { access } from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { Worker } from "node:worker_threads";
import type { MetricObjectWithValues, MetricValue } from "prom-client";
import { noteLocalTenantDown, skipLocalRendersInFlight } from "../../lib/http/local-page-cache.ts";
import type { LogContext } from "../../lib/observability/context.ts";

/**
 * Next.js on a worker thread of its own, behind the HTTP server on the main thread
 * (docs/decisions/063): the main thread answers from the page cache and forwards the rest here.
 * A render holds the event loop it runs on for milliseconds at a time and leaves its garbage in
 * its isolate's heap; on a thread of its own neither delays a page the cache answers.
 */

/** Set by bundled builds (scripts/build-image.mjs): the thread's entry is a bundle beside this one. */
declare const __PORTICO_BUNDLED__: boolean | undefined;

/** The response header the app thread reports a request's log context in (removed before sending). */
export const LOG_CONTEXT_HEADER = "x-portico-log-context";

export interface AppThreadData {
  /** The Unix socket the thread listens on. */
  socketPath: string;
  /** The public server's port, which Next.js builds its request URLs with. */
  port: number;
}
export type ToAppThread = { type: "metrics"; id: number } | { type: "close" };
export type FromAppThread =
  | { type: "listening" }
  | { type: "tenant-down"; tenantId: string }
  | { type: "skip-renders"; tenantId: string }
  | { type: "metrics"; id: number; values: MetricObjectWithValues<MetricValue<string>>[] }
  | { type: "closed"; failed: string[] };

/** Headers of one connection, not of the response: the main thread's own connection sets its own. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade", "te"]);

export interface AppThread {
  /** Forwards the request to the app thread and its response back, streamed both ways. */
  handle(req: http.IncomingMessage, res: http.ServerResponse, context: LogContext): Promise<void>;
  /** The app thread's metrics, as prom-client's JSON, without the process-wide defaults. */
  metrics(): Promise<MetricObjectWithValues<MetricValue<string>>[]>;
  /** Closes the app and its pools; resolves with the pools that did not close cleanly. */
  close(): Promise<string[]>;
}

/**
 * Starts the app thread and resolves once it serves. If the thread stops later, the process
 * exits (1): a server without its app must not keep passing its readiness probe.
 */
export async function startAppThread(port: number, entry: URL = appThreadEntry()): Promise<AppThread> {
  // A directory only this user can enter: the socket accepts what the main thread vouched for
  // (the client address header), so nothing else on the machine may connect to it.
  const dir = mkdtempSync(path.join(os.tmpdir(), "portico-app-"));
  const socketPath = path.join(dir, "app.sock");
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  process.once("exit", removeDir);
  // libuv starts its thread pool on first use, at the priority of the thread that used it first,
  // and the app thread lowers its own (decision 064). Started here, at this thread's: the pool's
  // work (a database handshake's key derivation, file reads) is not lowered with the renders.
  await access(dir);
  const worker = new Worker(entry, { workerData: { socketPath, port } satisfies AppThreadData });

  const asked = new Map<number, (values: MetricObjectWithValues<MetricValue<string>>[]) => void>();
  let nextId = 0;
  let closing: Promise<string[]> | null = null;
  let onClosed: ((failed: string[]) => void) | null = null;
  let onListening: (() => void) | null = null;
  worker.on("message", (message: FromAppThread) => {
    if (message.type === "listening") onListening?.();
    else if (message.type === "tenant-down") noteLocalTenantDown(message.tenantId);
    else if (message.type === "skip-renders") skipLocalRendersInFlight(message.tenantId);
    else if (message.type === "metrics") {
      asked.get(message.id)?.(message.values);
      asked.delete(message.id);
    } else if (message.type === "closed") onClosed?.(message.failed);
  });
  const stopped = new Promise<never>((_, reject) => {
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`the app thread stopped (exit code ${code})`)));
  });
  stopped.catch((error: Error) => {
    if (closing) return;
    console.error(`next-server: ${error.stack ?? error.message}`);
    process.exit(1);
  });
  await Promise.race([new Promise<void>((resolve) => (onListening = resolve)), stopped]);

  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  return {
    handle: (req, res, context) =>
      new Promise<void>((resolve) => {
        const headers = { ...req.headers };
        for (const name of HOP_BY_HOP) delete headers[name];
        const upstream = http.request({ socketPath, agent, method: req.method, path: req.url, headers }, (response) => {
          const logged = response.headers[LOG_CONTEXT_HEADER];
          if (typeof logged === "string") Object.assign(context, readLogContext(logged));
          const out: http.OutgoingHttpHeaders = {};
          for (const [name, value] of Object.entries(response.headers))
            if (value !== undefined && !HOP_BY_HOP.has(name) && name !== LOG_CONTEXT_HEADER) out[name] = value;
          res.writeHead(response.statusCode ?? 502, response.statusMessage, out);
          // Through res.write and res.end, which the page cache reads as they pass.
          response.pipe(res);
          response.once("end", () => resolve());
          response.once("error", () => {
            res.destroy();
            resolve();
          });
        });
        let abandoned = false;
        upstream.once("error", (error) => {
          if (abandoned) return resolve();
          if (!res.headersSent) {
            console.error(`next-server: the app thread did not answer: ${error.message}`);
            res.writeHead(502, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" });
            res.end("Bad Gateway\n");
          } else res.destroy();
          resolve();
        });
        // A visitor who goes away stops the render meant for them.
        res.once("close", () => {
          if (!res.writableFinished) {
            abandoned = true;
            upstream.destroy();
          }
          resolve();
        });
        req.pipe(upstream);
      }),
    metrics: () =>
      new Promise((resolve) => {
        const id = ++nextId;
        asked.set(id, (values) =>
          // The process's CPU, memory and event loop are the main thread's to report, once.
          resolve(
            values.filter((m) => !m.name.startsWith("portico_process_") && !m.name.startsWith("portico_nodejs_")),
          ),
        );
        worker.postMessage({ type: "metrics", id } satisfies ToAppThread);
      }),
    close: () =>
      (closing ??= new Promise<string[]>((resolve) => {
        const timer = setTimeout(() => resolve(["app thread"]), 10_000);
        timer.unref();
        onClosed = (failed) => {
          clearTimeout(timer);
          resolve(failed);
        };
        worker.postMessage({ type: "close" } satisfies ToAppThread);
      }).finally(removeDir)),
  };
}

/** scripts/app-thread.ts, or its bundle beside this one's in the image. */
function appThreadEntry(): URL {
  const bundled = typeof __PORTICO_BUNDLED__ !== "undefined" && __PORTICO_BUNDLED__;
  return bundled ? new URL("./app-thread.mjs", import.meta.url) : new URL("../app-thread.ts", import.meta.url);
}

function readLogContext(value: string): Partial<LogContext> {
  try {
    const { realm, tenant } = JSON.parse(value) as Partial<LogContext>;
    return {
      ...(realm === "tenant" || realm === "agency" || realm === "none" ? { realm } : {}),
      ...(typeof tenant === "string" ? { tenant } : {}),
    };
  } catch {
    return {};
  }
}
