import { agencyUser } from "@/lib/auth/agency-guard.server.ts";
import { platform } from "@/lib/platform/platform.server.ts";
import { currentHost } from "@/lib/platform/current-tenant.server.ts";

/** A draft's uploaded logo, for the wizard's preview: its author only, agency host only. */
export async function GET(_: Request, { params }: { params: Promise<{ draft: string }> }) {
  if ((await currentHost()).kind !== "agency") return new Response("Not found", { status: 404 });
  const user = await agencyUser();
  const { draft: id } = await params;
  if (!user || !/^[0-9a-f-]{36}$/.test(id)) return new Response("Not found", { status: 404 });
  const draft = await platform().control.tenantDraft.findUnique({
    where: { id },
    select: { agencyUserId: true, logo: true, logoType: true },
  });
  if (!draft?.logo || !draft.logoType || draft.agencyUserId !== user.id)
    return new Response("Not found", { status: 404 });
  return new Response(new Uint8Array(draft.logo), {
    headers: {
      "Content-Type": draft.logoType,
      "Cache-Control": "private, max-age=300",
      "X-Content-Type-Options": "nosniff",
    },
  });
}
