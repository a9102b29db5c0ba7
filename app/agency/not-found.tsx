import Link from "next/link";

/** On the agency host only (the layout sends every other host to the neutral 404 first). */
export default function AgencyNotFound() {
  return (
    <section className="mx-auto max-w-xl rounded-2xl bg-white p-8 text-center shadow-sm ring-1 ring-slate-200">
      <h1 className="text-2xl font-semibold">There is no such page in the agency dashboard</h1>
      <p className="mt-2 text-slate-600">The link may be old, or the tenant it named may have been offboarded.</p>
      <Link
        href="/"
        className="mt-4 inline-block rounded-lg bg-slate-900 px-4 py-2 font-medium text-white hover:bg-slate-700"
      >
        Back to the dashboard
      </Link>
    </section>
  );
}
