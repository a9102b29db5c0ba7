/**
 * The load generator's floor for the tail figure (decision 065), measured in the same run: a
 * Node.js HTTP server that does nothing but answer each tenant's host with bytes it already
 * holds (a real cached catalogue's status line, headers and body, its tenant's name put in), on
 * the web server's CPU. The same open loop against it gives the p99 ÷ p50 that this machine, its
 * scheduler and the load process put under any server's figure: whatever Portico's tail is above
 * that is Portico's.
 *
 * Run as a script, it reads one plan as JSON on stdin, listens, and writes "ready" on stdout.
 */
import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import { fileURLToPath } from "node:url";

export interface FloorPlan {
  port: number;
  /** A page as the web server sent it, to be answered to every host. */
  page: { headers: Record<string, string>; body: string };
  /** The text in `page.body` that names its tenant, and for each host what it becomes. */
  named: string;
  hosts: string[];
  names: string[];
}

/** Headers that belong to one connection or one moment, not to the page. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "date", "content-length"]);

/** Starts the floor server with `prefix` (the web server's CPU), resolved once it listens. */
export async function startStaticFloor(plan: FloorPlan, prefix: string[]): Promise<ChildProcess> {
  if (plan.hosts.length !== plan.names.length) throw new Error("startStaticFloor: one name per host");
  if (!plan.page.body.includes(plan.named))
    throw new Error(`startStaticFloor: the page does not contain ${plan.named}`);
  const [command, ...args] = [
    ...prefix,
    process.execPath,
    // As the web server runs (decision 057): the same young generation.
    "--max-semi-space-size=64",
    "--import",
    "tsx",
    fileURLToPath(import.meta.url),
  ];
  const child = spawn(command!, args, { stdio: ["pipe", "pipe", "inherit"] });
  const ready = new Promise<void>((resolve, reject) => {
    let said = "";
    child.stdout!.on("data", (c: Buffer) => {
      said += c.toString("utf8");
      if (said.includes("ready")) resolve();
    });
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`the floor server exited with ${code} before listening`)));
  });
  child.stdin!.end(JSON.stringify(plan));
  try {
    await ready;
  } catch (error) {
    child.kill("SIGTERM");
    throw error;
  }
  return child;
}

async function main(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const plan = JSON.parse(Buffer.concat(chunks).toString("utf8")) as FloorPlan;
  const headers = Object.entries(plan.page.headers).filter(([name]) => !HOP_BY_HOP.has(name.toLowerCase()));
  // Every page built before the first request, as a cache holds them: a response is one write.
  const pages = new Map(
    plan.hosts.map((host, i) => [host, Buffer.from(plan.page.body.replaceAll(plan.named, plan.names[i]!), "utf8")]),
  );
  const server = http.createServer((req, res) => {
    const body = pages.get(req.headers.host ?? "");
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, [...headers.flat(), "content-length", String(body.length)]);
    res.end(req.method === "HEAD" ? undefined : body);
  });
  server.keepAliveTimeout = 60_000;
  server.listen(plan.port, "127.0.0.1", () => process.stdout.write("ready\n"));
  process.once("SIGTERM", () => server.close(() => process.exit(0)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
