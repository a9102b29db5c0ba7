// The render thread's entry (lib/mail/render.server.ts): registers tsx, then loads the
// TypeScript worker. Plain JavaScript, because the thread starts before any loader exists.
import { register } from "tsx/esm/api";

register();
await import("./render-worker.ts");
