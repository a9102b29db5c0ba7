import Link from "next/link";

export default function TenantForbidden() {
  return (
    <section className="mx-auto max-w-xl rounded-2xl bg-surface p-8 text-center shadow-sm ring-1 ring-black/5">
      <h1 className="text-2xl font-semibold">You don&apos;t have access to this page</h1>
      <p className="mt-3 opacity-80">
        Your role in this portal doesn&apos;t include it. Ask an administrator if you need access.
      </p>
      <Link href="/" className="mt-4 inline-block rounded-lg bg-brand px-4 py-2 font-medium text-on-brand">
        Back to events
      </Link>
    </section>
  );
}
