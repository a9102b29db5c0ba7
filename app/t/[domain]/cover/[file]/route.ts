import { plainText } from "@/lib/portal/route-text.server.ts";
import { platform } from "@/lib/platform/platform.server.ts";
import { currentHost } from "@/lib/platform/current-tenant.server.ts";
import { withTenantDb } from "@/lib/platform/with-tenant-db.server.ts";
import { COVER_PATH } from "@/lib/portal/cover.ts";
import { resolverKey } from "@/lib/tenancy/resolver.ts";
import { TenantUnavailable } from "@/lib/util/errors.ts";

/**
 * An event's cover image, read from this host's tenant database only, so another tenant's host
 * answers 404 for it; immutable (the name is its sha-256), like the logo.
 */
export async function GET(_: Request, { params }: { params: Promise<{ file: string }> }) {
  const key = resolverKey(await currentHost());
  const resolved = key ? await platform().resolver.resolve(key) : null;
  const tenant = resolved && resolved.status === "active" && !resolved.maintenance ? resolved : null;
  const match = COVER_PATH.exec(`/cover/${(await params).file}`);
  if (!tenant || !match) return plainText("notFound", 404);
  const cover = await withTenantDb(tenant.id, (db) =>
    db.eventCover.findFirst({
      // Drafts' covers too: staff see them on the event form; the name cannot be guessed.
      where: { sha256: match[1] },
      select: { contentType: true, bytes: true },
    }),
  ).catch((error: unknown) => {
    if (error instanceof TenantUnavailable) return "unavailable" as const;
    throw error;
  });
  if (cover === "unavailable") return plainText("unavailable", 503);
  if (!cover) return plainText("notFound", 404);
  return new Response(new Uint8Array(cover.bytes), {
    headers: {
      "Content-Type": cover.contentType,
      "Cache-Control": "public, max-age=31536000, immutable",
      "X-Content-Type-Options": "nosniff",
    },
  });
}
