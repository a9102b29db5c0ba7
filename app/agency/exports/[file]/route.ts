import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { appendAudit } from "@/lib/audit/log.server.ts";
import { requestOrigin } from "@/lib/audit/request.server.ts";
import { agencyUser } from "@/lib/auth/agency-guard.server.ts";
import { platform } from "@/lib/platform/platform.server.ts";
import { currentHost } from "@/lib/platform/current-tenant.server.ts";

const ARCHIVE = /^([a-z0-9-]+)-\d{8}T\d{6}Z-[0-9a-f]{6}\.tar\.gz$/;

/** Downloads a tenant export (owner or operator), audited. Names are checked, never joined raw. */
export async function GET(_: Request, { params }: { params: Promise<{ file: string }> }) {
  if ((await currentHost()).kind !== "agency") return new Response("Not found", { status: 404 });
  const user = await agencyUser();
  if (!user) return new Response("Sign in first.", { status: 401 });
  if (user.role === "viewer") return new Response("Exports are for agency owners and operators.", { status: 403 });
  const { file } = await params;
  const match = ARCHIVE.exec(file);
  const dir = platform().env.PORTICO_EXPORTS_DIR;
  if (!match || !dir) return new Response("Not found", { status: 404 });
  const full = path.join(path.resolve(dir), file);
  const info = await stat(full).catch(() => null);
  if (!info?.isFile()) return new Response("That export is no longer available.", { status: 404 });
  const tenant = await platform().control.tenant.findUnique({
    where: { slug: match[1] as string },
    select: { id: true },
  });
  await appendAudit(platform().control, {
    actor: { type: "agency-user", id: user.id, label: user.email },
    action: "tenant.export-download",
    tenantId: tenant?.id ?? null,
    details: { file },
    ...(await requestOrigin()),
  });
  return new Response(Readable.toWeb(createReadStream(full)) as ReadableStream, {
    headers: {
      "Content-Type": "application/gzip",
      "Content-Length": String(info.size),
      "Content-Disposition": `attachment; filename="${file}"`,
      "Cache-Control": "no-store",
    },
  });
}
