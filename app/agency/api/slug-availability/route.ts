import { slugAvailability } from "@/lib/agency/drafts.server.ts";
import { agencyUser } from "@/lib/auth/agency-guard.server.ts";
import { limitAttempt } from "@/lib/auth/lockouts.server.ts";
import { refusalResponse } from "@/lib/security/throttle.server.ts";
import { currentHost } from "@/lib/platform/current-tenant.server.ts";

/** The wizard's live slug check. Agency users only; reveals nothing but whether a slug is free. */
export async function GET(request: Request) {
  if ((await currentHost()).kind !== "agency") return new Response("Not found", { status: 404 });
  const user = await agencyUser();
  if (!user) return Response.json({ ok: false, message: "Sign in again." }, { status: 401 });
  const refusal = await limitAttempt("slug-check", `agency-user:${user.id}`);
  if (refusal) return refusalResponse(refusal, { ok: false });
  const slug = new URL(request.url).searchParams.get("slug") ?? "";
  return Response.json(await slugAvailability(slug.slice(0, 60)), { headers: { "Cache-Control": "no-store" } });
}
