import "server-only";
import path from "node:path";
import { Worker } from "node:worker_threads";
import type { MailContent, RenderedMail } from "./content.ts";
import type { PersonalisableMail } from "./personalise.ts";
import type { RenderOptions } from "./templates.tsx";

/**
 * Renders emails on one long-lived worker thread. The web server and the scripts run with the
 * react-server export condition (for `server-only`), under which react-dom/server — what React
 * Email renders with — refuses to load; the thread starts without that condition and loads the
 * templates from source through tsx, the same loader the scripts use.
 */
type Reply = { id: number; mail: unknown } | { id: number; error: string };

let worker: Worker | null = null;
let nextId = 0;
const pending = new Map<number, { resolve: (mail: never) => void; reject: (error: Error) => void }>();

function failAll(error: Error) {
  for (const p of pending.values()) p.reject(error);
  pending.clear();
  worker = null;
}

function renderThread(): Worker {
  if (worker) return worker;
  // Built from the working directory at run time: the bundler must not try to bundle the thread.
  const file = path.join(/* turbopackIgnore: true */ process.cwd(), "lib", "mail", "render-thread.mjs");
  const w = new Worker(file, { execArgv: [], stdout: false, stderr: false });
  w.unref();
  w.on("message", (reply: Reply) => {
    const p = pending.get(reply.id);
    if (!p) return;
    pending.delete(reply.id);
    if ("error" in reply) p.reject(new Error(`could not render the email: ${reply.error}`));
    else p.resolve(reply.mail as never);
    if (pending.size === 0) w.unref();
  });
  w.on("error", (error) => failAll(error));
  w.on("exit", (code) => failAll(new Error(`the email render thread stopped (exit code ${code})`)));
  worker = w;
  return w;
}

function ask<T>(request: { content: MailContent; options: RenderOptions; shared?: boolean }): Promise<T> {
  const w = renderThread();
  const id = ++nextId;
  return new Promise<T>((resolve, reject) => {
    pending.set(id, { resolve: resolve as (mail: never) => void, reject });
    // Held while a render is outstanding, so a script does not exit before its email is made.
    w.ref();
    w.postMessage({ id, ...request });
  });
}

export function renderMailOffThread(content: MailContent, options: RenderOptions): Promise<RenderedMail> {
  return ask<RenderedMail>({ content, options });
}

/**
 * One rendering of a message many readers get, their names left to personalise()
 * (lib/mail/templates.tsx); null when the message cannot be shared that way.
 */
export function renderPersonalisableOffThread(
  content: MailContent,
  options: RenderOptions,
): Promise<PersonalisableMail | null> {
  return ask<PersonalisableMail | null>({ content, options, shared: true });
}

/**
 * Starts the render thread and renders one throw-away message, so the first real email (a
 * registration waiting on it) does not pay for loading the templates. Failures surface on use.
 */
export function warmMailRenderer(): void {
  renderMailOffThread(
    { kind: "sign-in-link", link: "https://warm-up.invalid/", minutes: 1 },
    {
      brand: {
        name: "Portico",
        logoUrl: null,
        logoAlt: "Portico",
        primary: "#0f172a",
        onPrimary: "#ffffff",
        homeUrl: "https://warm-up.invalid/",
      },
    },
  ).catch(() => undefined);
}
