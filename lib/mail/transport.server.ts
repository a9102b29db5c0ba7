import "server-only";
import net from "node:net";
import nodemailer from "nodemailer";
import SMTPPool from "nodemailer/lib/smtp-pool/index.js";
import type { ControlDb } from "../db/control.server.ts";
import { parseMailMessage, type MailMessageInput } from "./message.ts";

/**
 * Where email goes: an SMTP server when PORTICO_SMTP_URL is set; otherwise the development
 * outbox, a control-plane table readable at /outbox on the agency host, so sign-in links can be
 * followed locally and by the browser tests.
 */
export interface MailTransport {
  readonly kind: "smtp" | "outbox";
  send(message: MailMessageInput): Promise<{ id: string }>;
  /** Closes kept-open connections (the SMTP pool), so a process or a test can end. */
  close(): void;
}

export function outboxTransport(control: ControlDb): MailTransport {
  return {
    kind: "outbox",
    close() {},
    async send(input) {
      const m = parseMailMessage(input);
      const row = await control.outboxMessage.create({
        data: {
          tenantId: m.tenantId,
          toAddress: m.to,
          fromName: m.fromName,
          fromAddress: m.fromAddress,
          subject: m.subject,
          text: m.text,
          html: m.html ?? null,
          attachments: m.attachments,
        },
        select: { id: true },
      });
      return row;
    },
  };
}

/** Messages in flight at once: the pool's connections, and what a flush sends in parallel. */
export const SMTP_CONNECTIONS = 4;

export function smtpTransport(url: string): MailTransport {
  // Pooled: an outbox flush sends many messages over a few kept-open connections, not one each.
  // The pool is built with the URL as an option beside the others: nodemailer's createTransport
  // drops every option given beside a `url`, pooling included.
  const pool = new SMTPPool({
    url,
    pool: true,
    maxConnections: SMTP_CONNECTIONS,
    // Without TCP_NODELAY each message's last small write waits for the server's delayed ACK
    // (tens of milliseconds), which caps a kept-open connection at a few dozen messages a second.
    getSocket(options, callback) {
      const socket = net.connect({ host: options.host ?? "localhost", port: options.port ?? 25, noDelay: true });
      const failed = (error: Error) => callback(error, null);
      socket.once("error", failed);
      socket.once("connect", () => {
        socket.off("error", failed);
        callback(null, { connection: socket });
      });
    },
  });
  const transporter = nodemailer.createTransport(pool);
  return {
    kind: "smtp",
    close: () => transporter.close(),
    async send(input) {
      const m = parseMailMessage(input);
      const info = await transporter.sendMail({
        to: m.to,
        from: { name: m.fromName, address: m.fromAddress },
        subject: m.subject,
        text: m.text,
        // With html, nodemailer sends multipart/alternative (text first, HTML preferred);
        // attachments wrap it in multipart/mixed.
        html: m.html,
        attachments: m.attachments.map((a) => ({
          filename: a.filename,
          contentType: a.contentType,
          content: a.content,
        })),
      });
      return { id: String(info.messageId) };
    },
  };
}
