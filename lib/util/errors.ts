/**
 * Typed failures. Each says what went wrong in words a user or operator can act on;
 * server actions, route handlers and pages turn them into the message or status they show
 * (`error instanceof PorticoError`). Never include another tenant's data in a message.
 */

export class PorticoError extends Error {
  override readonly name: string = "PorticoError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export class ConfigError extends PorticoError {
  override readonly name = "ConfigError";
}

export class InvalidInput extends PorticoError {
  override readonly name = "InvalidInput";
}

export class TenantNotFound extends PorticoError {
  override readonly name = "TenantNotFound";
}

export class TenantConflict extends PorticoError {
  override readonly name = "TenantConflict";
}

/** The control plane did not answer while resolving a host: no tenant can be named yet. */
export class ControlPlaneUnavailable extends PorticoError {
  override readonly name = "ControlPlaneUnavailable";
}

export class TenantUnavailable extends PorticoError {
  override readonly name = "TenantUnavailable";
  constructor(
    readonly tenantId: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(reason, options);
  }
}

export class MigrationError extends PorticoError {
  override readonly name = "MigrationError";
  constructor(
    readonly migration: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class ProvisioningStepFailed extends PorticoError {
  override readonly name = "ProvisioningStepFailed";
  constructor(
    readonly step: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`step "${step}" failed: ${message}`, options);
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
