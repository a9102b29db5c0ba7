import { ConfigError, InvalidInput, PorticoError, TenantConflict, TenantNotFound } from "../../lib/util/errors.ts";

/** Exit codes scripts can trust: 0 ok, 1 operation failed, 2 usage or configuration error. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export function fail(error: unknown): never {
  const usage =
    error instanceof ConfigError ||
    error instanceof InvalidInput ||
    error instanceof TenantConflict ||
    error instanceof TenantNotFound;
  const message =
    error instanceof PorticoError
      ? error.message
      : error instanceof Error
        ? (error.stack ?? error.message)
        : String(error);
  console.error(`\x1b[31merror\x1b[0m ${message}`);
  process.exit(usage ? EXIT.usage : EXIT.failed);
}

export const tty = process.stdout.isTTY === true;
