import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import os from "node:os";
import path from "node:path";
import { createServer as createTlsServer, type Server as TlsServer } from "node:tls";
import {
  parseSyslog,
  unframe,
  verifySignature,
  type ParsedSyslog,
  type StreamEntry,
} from "../../lib/audit/stream-format.ts";

/**
 * Real SIEM receivers for the audit-stream tests (decision 049): an HTTPS webhook and a syslog
 * server over TLS (RFC 5425), both with a self-signed certificate for localhost/127.0.0.1 made
 * by openssl, which the sink trusts through its CA option (the certificate is its own CA).
 * Each can fail (HTTP 500), go down (connection refused: it stops listening) and recover on the
 * same port; the syslog one can also drop a connection mid-stream with a reset.
 */

export interface TestCertificate {
  key: string;
  cert: string;
}

export function selfSignedCertificate(): TestCertificate {
  const dir = mkdtempSync(path.join(os.tmpdir(), "portico-siem-"));
  try {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=localhost",
        "-addext",
        "subjectAltName=DNS:localhost,IP:127.0.0.1",
        "-keyout",
        "key.pem",
        "-out",
        "cert.pem",
      ],
      { cwd: dir, stdio: "pipe" },
    );
    return {
      key: readFileSync(path.join(dir, "key.pem"), "utf8"),
      cert: readFileSync(path.join(dir, "cert.pem"), "utf8"),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function listen(server: HttpsServer | TlsServer, port = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

export interface WebhookDelivery {
  deliveryId: string;
  body: string;
  signature: string;
  signatureValid: boolean;
  entries: StreamEntry[];
}

export interface WebhookReceiver {
  url: string;
  port: number;
  /** Requests answered 2xx, in arrival order. */
  accepted: WebhookDelivery[];
  /** Requests answered with an error. */
  refused: number;
  /** "ok": 204; "fail": 500; "down": not listening (connection refused). */
  setMode(mode: "ok" | "fail" | "down"): Promise<void>;
  close(): Promise<void>;
}

export async function webhookReceiver(cert: TestCertificate, secret: () => string): Promise<WebhookReceiver> {
  let mode: "ok" | "fail" | "down" = "ok";
  const sockets = new Set<Socket>();
  const make = () => {
    const server = createHttpsServer({ key: cert.key, cert: cert.cert }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        if (mode !== "ok") {
          receiver.refused += 1;
          res.writeHead(500).end("down for maintenance");
          return;
        }
        const body = Buffer.concat(chunks).toString("utf8");
        const parsed = JSON.parse(body) as { id: string; entries: StreamEntry[] };
        const signature = String(req.headers["portico-signature"] ?? "");
        receiver.accepted.push({
          deliveryId: String(req.headers["portico-delivery-id"]),
          body,
          signature,
          signatureValid: verifySignature(secret(), body, signature),
          entries: parsed.entries,
        });
        res.writeHead(204).end();
      });
    });
    server.on("connection", (s: Socket) => {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
    });
    return server;
  };
  let server = make();
  const port = await listen(server);
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  const receiver: WebhookReceiver = {
    url: `https://127.0.0.1:${port}/siem`,
    port,
    accepted: [],
    refused: 0,
    async setMode(next) {
      if (next === "down" && mode !== "down") await stop();
      if (next !== "down" && mode === "down") {
        server = make();
        await listen(server, port);
      }
      mode = next;
    },
    async close() {
      if (mode !== "down") await stop();
    },
  };
  return receiver;
}

export interface SyslogReceiver {
  host: string;
  port: number;
  /** Every complete message the receiver kept, parsed, in arrival order. */
  messages: ParsedSyslog[];
  connections: number;
  /**
   * "ok"; "drop": the next connection is reset after `keep` messages, the rest it read discarded
   * (a crash with data in its buffers); "down": not listening.
   */
  setMode(mode: "ok" | "down" | { drop: number }): Promise<void>;
  close(): Promise<void>;
}

export async function syslogReceiver(cert: TestCertificate): Promise<SyslogReceiver> {
  let mode: "ok" | "down" | { drop: number } = "ok";
  const raws = new Set<Socket>();
  const make = () => {
    const server = createTlsServer({ key: cert.key, cert: cert.cert });
    server.on("connection", (raw: Socket) => {
      raws.add(raw);
      raw.on("close", () => raws.delete(raw));
      raw.on("error", () => {});
    });
    server.on("secureConnection", (socket) => {
      receiver.connections += 1;
      // The raw TCP socket under this TLS one, to reset it.
      const raw = [...raws].at(-1)!;
      const drop = typeof mode === "object" ? mode.drop : null;
      if (drop !== null) mode = "ok";
      let kept = 0;
      let buffer: Buffer = Buffer.alloc(0);
      socket.on("error", () => {});
      socket.on("data", (chunk: Buffer) => {
        const { messages, rest } = unframe(Buffer.concat([buffer, chunk]));
        buffer = rest;
        for (const m of messages) {
          if (drop !== null && kept >= drop) {
            raw.resetAndDestroy();
            return;
          }
          receiver.messages.push(parseSyslog(m));
          kept += 1;
        }
      });
    });
    return server;
  };
  let server = make();
  const port = await listen(server);
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const s of raws) s.destroy();
      server.close(() => resolve());
    });
  const receiver: SyslogReceiver = {
    host: "127.0.0.1",
    port,
    messages: [],
    connections: 0,
    async setMode(next) {
      if (next === "down" && mode !== "down") await stop();
      if (next !== "down" && mode === "down") {
        server = make();
        await listen(server, port);
      }
      mode = next;
    },
    async close() {
      if (mode !== "down") await stop();
    },
  };
  return receiver;
}

/** An HTTPS receiver that holds every request until released: a SIEM that hangs. */
export async function hangingReceiver(cert: TestCertificate): Promise<{
  url: string;
  held: Array<{ entries: StreamEntry[] }>;
  release(): void;
  close(): Promise<void>;
}> {
  const waiting: Array<() => void> = [];
  const held: Array<{ entries: StreamEntry[] }> = [];
  let released = false;
  const sockets = new Set<Socket>();
  const server = createHttpsServer({ key: cert.key, cert: cert.cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      held.push({
        entries: (JSON.parse(Buffer.concat(chunks).toString("utf8")) as { entries: StreamEntry[] }).entries,
      });
      const answer = () => res.writeHead(204).end();
      if (released) answer();
      else waiting.push(answer);
    });
  });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  const port = await listen(server);
  return {
    url: `https://localhost:${port}/hang`,
    held,
    release() {
      released = true;
      for (const answer of waiting.splice(0)) answer();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
