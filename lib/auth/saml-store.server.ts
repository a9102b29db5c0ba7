import "server-only";
import type { TenantDb } from "../db/tenant-db.server.ts";
import { withTenantDb } from "../platform/with-tenant-db.server.ts";

/**
 * What SAML sign-in must remember between requests (docs/decisions/043): the AuthnRequests this
 * portal sent, so an answer is accepted only for one of them and only once, and the assertions
 * it accepted, so none is accepted twice. It lives in the tenant's own database — every app
 * instance sees the same rows, and a tenant's sign-ins never touch another's.
 */
export interface SamlReplayStore {
  /** Remembers an AuthnRequest's id until `expiresAt`. */
  rememberRequest(id: string, expiresAt: Date): Promise<void>;
  /** When the unexpired, unused AuthnRequest with this id was sent; null when there is none. */
  requestIssuedAt(id: string): Promise<Date | null>;
  /** Uses an AuthnRequest's id up: true for exactly one caller, while it is unexpired. */
  useRequest(id: string): Promise<boolean>;
  /** Whether an assertion with this id was accepted and its validity has not yet ended. */
  hasAssertion(id: string): Promise<boolean>;
  /**
   * Records an accepted assertion's id until `expiresAt`: true for exactly one caller, false when
   * it is already recorded and unexpired (a replay), however many instances ask at once.
   */
  recordAssertion(id: string, expiresAt: Date): Promise<boolean>;
}

type Kind = "request" | "assertion";

/** The store on one tenant database client (a test's pool, or the request's leased client). */
export function samlReplayStoreOn(run: <T>(fn: (db: TenantDb) => Promise<T>) => Promise<T>): SamlReplayStore {
  const live = (kind: Kind, id: string) => ({ kind, messageId: id, expiresAt: { gt: new Date() } });
  return {
    rememberRequest: (id, expiresAt) =>
      run(async (db) => {
        // Sign-ins prune as they go: rows are few (one per sign-in in the last minutes), and no
        // job then has to open every tenant's database to clean this table.
        await db.samlMessageId.deleteMany({ where: { expiresAt: { lte: new Date() } } });
        await db.samlMessageId.create({ data: { kind: "request", messageId: id, expiresAt } });
      }),
    requestIssuedAt: (id) =>
      run(async (db) => {
        const row = await db.samlMessageId.findFirst({ where: live("request", id), select: { createdAt: true } });
        return row?.createdAt ?? null;
      }),
    useRequest: (id) =>
      run(async (db) => (await db.samlMessageId.deleteMany({ where: live("request", id) })).count === 1),
    hasAssertion: (id) => run(async (db) => (await db.samlMessageId.count({ where: live("assertion", id) })) === 1),
    recordAssertion: (id, expiresAt) =>
      run(async (db) => {
        // One statement, so two instances given the same response at once cannot both win: the
        // primary key decides. A row whose validity ended is taken over (its assertion is refused
        // as expired anyway).
        const rows = await db.$queryRaw<Array<{ kind: string }>>`
          INSERT INTO "SamlMessageId" ("kind", "messageId", "expiresAt")
          VALUES ('assertion', ${id}, ${expiresAt})
          ON CONFLICT ("kind", "messageId") DO UPDATE
            SET "expiresAt" = EXCLUDED."expiresAt", "createdAt" = CURRENT_TIMESTAMP
            WHERE "SamlMessageId"."expiresAt" <= CURRENT_TIMESTAMP
          RETURNING "kind"`;
        return rows.length === 1;
      }),
  };
}

/** The store in a tenant's database, reached as every request reaches it (withTenantDb). */
export function tenantSamlReplayStore(tenantId: string): SamlReplayStore {
  return samlReplayStoreOn((fn) => withTenantDb(tenantId, fn));
}

/** The store on a tenant database client the caller holds. */
export function samlReplayStoreFor(db: TenantDb): SamlReplayStore {
  return samlReplayStoreOn((fn) => fn(db));
}
