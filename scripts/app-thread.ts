/**
 * The thread Next.js renders on in production (docs/decisions/063), started by
 * scripts/lib/app-thread-host.ts. The HTTP server on the main thread (scripts/next-server.ts) answers
 * from its page cache and forwards every other request here, over a Unix socket only this
 * process can reach; a render's work and its garbage never pause the cached pages.
 *
 * What crosses back to the main thread: each response's log context (realm and tenant, in the
 * LOG_CONTEXT_HEADER the main thread removes), the health breaker's notices for the page cache,
 * this thread's metrics when scraped, and the end of its pools on shutdown.
 */
import http from "node:http";
import { parentPort, workerData } from "node:worker_threads";
import { registerLocalPageCache } from "../lib/http/local-page-cache.ts";
import { closeAll } from "../lib/observability/lifecycle.ts";
import { log } from "../lib/observability/logger.ts";
import { withLogContext, type LogContext } from "../lib/observability/context.ts";
import { metrics } from "../lib/observability/metrics.ts";
import { REQUEST_ID_HEADER } from "../lib/observability/request-id.ts";
import { LOG_CONTEXT_HEADER, type AppThreadData, type FromAppThread, type ToAppThread } from "./lib/app-thread-host.ts";
import { lowerOwnThreadPriority, RENDER_THREAD_NICENESS } from "./lib/thread-priority.ts";

const parent = parentPort;
if (!parent) throw new Error("scripts/app-thread.ts runs as a worker thread of scripts/next-server.ts");
const { socketPath, port } = workerData as AppThreadData;
const tell = (message: FromAppThread) => parent.postMessage(message);

// Where the two threads share a CPU, the cached pages go first and the renders take the rest
// (decision 064).
const lowered = lowerOwnThreadPriority(RENDER_THREAD_NICENESS);
if (lowered.thread === null) log().warn({ reason: lowered.reason }, "renders keep the main thread's priority");
else
  log().info(
    { thread: lowered.thread, nice: lowered.to, mainThreadNice: lowered.from },
    "renders run at a lower priority",
  );

// The page cache lives on the main thread: the health breaker's notices go there.
registerLocalPageCache({
  tenantDown: (tenantId) => tell({ type: "tenant-down", tenantId }),
  skipRendersInFlight: (tenantId) => tell({ type: "skip-renders", tenantId }),
});

const { default: next } = await import("next");
// As on the main thread before (scripts/next-server.ts): Next.js builds its request URLs from
// `hostname` and `port`, which must be the public server's, not this socket's.
const app = next({ dev: false, hostname: "localhost", port, dir: process.cwd() });
const handle = app.getRequestHandler();
await app.prepare();

const server = http.createServer((req, res) => {
  const context: LogContext = { requestId: String(req.headers[REQUEST_ID_HEADER] ?? "") || undefined };
  // The log context as the page left it (proxy.ts adds the realm, the page the tenant), for the
  // main thread's request line and metrics.
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => http.ServerResponse;
  res.writeHead = ((...args: unknown[]) => {
    const { realm, tenant } = context;
    if (!res.headersSent && (realm || tenant)) res.setHeader(LOG_CONTEXT_HEADER, JSON.stringify({ realm, tenant }));
    return writeHead(...args);
  }) as typeof res.writeHead;
  withLogContext(context, () => {
    handle(req, res).catch((error: unknown) => {
      log().error({ err: error }, "request failed");
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
      res.end();
    });
  });
});
// The main thread keeps its connections to this socket open between requests.
server.keepAliveTimeout = 0;
server.headersTimeout = 0;
server.requestTimeout = 0;

parent.on("message", (message: ToAppThread) => {
  if (message.type === "metrics") {
    void metrics()
      .registry.getMetricsAsJSON()
      .then((values) => tell({ type: "metrics", id: message.id, values }));
  } else if (message.type === "close") {
    void (async () => {
      server.close();
      server.closeAllConnections();
      await app.close().catch(() => {});
      const failed = await closeAll(5_000);
      tell({ type: "closed", failed });
    })();
  }
});

server.listen(socketPath, () => tell({ type: "listening" }));
