import Link from "next/link";
import { requireAgencyUser } from "@/lib/auth/agency-guard.server.ts";
import { platform } from "@/lib/platform/platform.server.ts";
import { startWizard } from "./actions.ts";

export const metadata = { title: "New tenant" };

/** Starts a new onboarding draft, or continues one this user left unfinished. */
export default async function NewTenant() {
  const user = await requireAgencyUser("/tenants/new", "operator");
  const drafts = await platform().control.tenantDraft.findMany({
    where: { agencyUserId: user.id, operationId: null },
    orderBy: { updatedAt: "desc" },
    take: 10,
  });
  return (
    <>
      <h1 className="text-2xl font-semibold">Add a client</h1>
      <p className="mt-1 text-sm text-slate-500">
        Seven short steps; everything is saved as you go. Provisioning takes a few seconds.
      </p>
      <form action={startWizard} className="mt-6">
        <button type="submit" className="rounded-lg bg-slate-900 px-4 py-2 font-medium text-white">
          Start
        </button>
      </form>
      {drafts.length > 0 && (
        <section className="mt-8">
          <h2 className="font-medium">Unfinished</h2>
          <ul className="mt-2 space-y-1 text-sm">
            {drafts.map((d) => (
              <li key={d.id}>
                <Link className="text-sky-700 hover:underline" href={`/tenants/new/${d.id}/organisation`}>
                  {(d.data as { name?: string }).name || "Untitled"}
                </Link>{" "}
                <span className="text-slate-500">
                  · last saved {d.updatedAt.toISOString().slice(0, 16).replace("T", " ")} UTC
                </span>
              </li>
            ))}
          </ul>
        </section>
      )}
    </>
  );
}
