import { AsyncLocalStorage } from "node:async_hooks";

// Next.js's server sets this global before any of its modules load (node-environment-baseline);
// its request storage is created at import time and needs it. Import this module first.
(globalThis as { AsyncLocalStorage?: unknown }).AsyncLocalStorage ??= AsyncLocalStorage;
