import { agencyUser } from "@/lib/auth/agency-guard.server.ts";
import { platform } from "@/lib/platform/platform.server.ts";
import { currentHost } from "@/lib/platform/current-tenant.server.ts";

/** An operation's live state, polled by the dashboard while it runs. */
export async function GET(_: Request, { params }: { params: Promise<{ id: string }> }) {
  if ((await currentHost()).kind !== "agency") return new Response("Not found", { status: 404 });
  if (!(await agencyUser())) return Response.json({ error: "Sign in again." }, { status: 401 });
  const { id } = await params;
  if (!/^[0-9a-f-]{36}$/.test(id)) return new Response("Not found", { status: 404 });
  const op = await platform().control.operation.findUnique({
    where: { id },
    select: {
      id: true,
      kind: true,
      slug: true,
      status: true,
      progress: true,
      result: true,
      error: true,
      createdAt: true,
      startedAt: true,
      finishedAt: true,
    },
  });
  if (!op) return new Response("Not found", { status: 404 });
  return Response.json(op, { headers: { "Cache-Control": "no-store" } });
}
