/**
 * This process's draining state and what it must close before it exits. Shared by the HTTP
 * server in front of Next.js (which sets draining on SIGTERM) and the app's code inside Next.js
 * (which answers /readyz and registers its pools), hence globalThis.
 */
const KEY = Symbol.for("portico.lifecycle");

interface Lifecycle {
  draining: boolean;
  closers: Array<{ name: string; close: () => Promise<void> }>;
}

function state(): Lifecycle {
  const holder = globalThis as { [KEY]?: Lifecycle };
  holder[KEY] ??= { draining: false, closers: [] };
  return holder[KEY];
}

export function isDraining(): boolean {
  return state().draining;
}

export function startDraining(): void {
  state().draining = true;
}

/** Called once this process is told to stop: `close` runs after the last request has been answered. */
export function onShutdown(name: string, close: () => Promise<void>): void {
  state().closers.push({ name, close });
}

/** Runs every registered close, each bounded by `timeoutMs`; returns the names of those that failed. */
export async function closeAll(timeoutMs: number): Promise<string[]> {
  const closers = state().closers.splice(0);
  const failed: string[] = [];
  await Promise.all(
    closers.map(async ({ name, close }) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("timed out")), timeoutMs);
      });
      try {
        await Promise.race([close(), timeout]);
      } catch {
        failed.push(name);
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return failed;
}
