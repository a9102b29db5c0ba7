// A stand-in for scripts/app-thread.ts in test/integration/app-thread.test.ts: the same messages
// and socket, with routes that exercise the forwarding instead of Next.js.
import http from "node:http";
import { parentPort, workerData } from "node:worker_threads";

const { socketPath } = workerData;
let abandoned = 0;
const server = http.createServer((req, res) => {
  if (req.url === "/stream") {
    res.setHeader("set-cookie", ["a=1; Path=/", "b=2; Path=/"]);
    res.setHeader("x-portico-log-context", JSON.stringify({ realm: "tenant", tenant: "acme" }));
    res.setHeader("keep-alive", "timeout=99");
    res.writeHead(200, { "content-type": "text/plain" });
    let n = 0;
    const timer = setInterval(() => {
      res.write(`part ${++n}\n`);
      if (n === 3) {
        clearInterval(timer);
        res.end();
      }
    }, 20);
  } else if (req.url === "/echo") {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      res.writeHead(201, { "content-type": "text/plain", "x-seen-connection": String(req.headers.connection) });
      res.end(`${req.method} ${Buffer.concat(chunks).toString()} ${req.headers["x-client-ip"] ?? ""}`);
    });
  } else if (req.url === "/big") {
    const chunk = Buffer.alloc(64 * 1024, 120);
    let left = 128;
    res.writeHead(200, { "content-length": String(chunk.length * left) });
    const more = () => {
      while (left > 0) {
        left--;
        if (!res.write(chunk)) return void res.once("drain", more);
      }
      res.end();
    };
    more();
  } else if (req.url === "/hang") {
    res.once("close", () => abandoned++);
  } else if (req.url === "/abandoned") {
    res.end(String(abandoned));
  } else {
    res.writeHead(404);
    res.end("not found");
  }
});
parentPort.on("message", (message) => {
  if (message.type === "metrics")
    parentPort.postMessage({
      type: "metrics",
      id: message.id,
      values: [
        {
          name: "portico_process_cpu_seconds_total",
          help: "cpu",
          type: "counter",
          aggregator: "sum",
          values: [{ value: 99, labels: {} }],
        },
        {
          name: "portico_resolver_hits_total",
          help: "hits",
          type: "counter",
          aggregator: "sum",
          values: [{ value: 7, labels: {} }],
        },
      ],
    });
  else if (message.type === "close") server.close(() => parentPort.postMessage({ type: "closed", failed: [] }));
});
server.listen(socketPath, () => parentPort.postMessage({ type: "listening" }));
