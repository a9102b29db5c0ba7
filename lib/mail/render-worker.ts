import { parentPort } from "node:worker_threads";
import type { MailContent } from "./content.ts";
import { renderMail, renderPersonalisable, type RenderOptions } from "./templates.tsx";

/**
 * The render thread (lib/mail/render.server.ts): renders one email per request, or one message to
 * be shared by many readers (renderPersonalisable). It runs without the react-server export
 * condition the web server and scripts run under, because React's server-components build has no
 * HTML renderer (react-dom/server throws there).
 */
parentPort!.on(
  "message",
  async (request: { id: number; content: MailContent; options: RenderOptions; shared?: boolean }) => {
    try {
      const mail = request.shared
        ? await renderPersonalisable(request.content, request.options)
        : await renderMail(request.content, request.options);
      parentPort!.postMessage({ id: request.id, mail });
    } catch (error) {
      parentPort!.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) });
    }
  },
);
