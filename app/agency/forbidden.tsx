export default function AgencyForbidden() {
  return (
    <section className="mx-auto max-w-xl rounded-xl bg-white p-8 text-center shadow-sm ring-1 ring-slate-200">
      <h1 className="text-xl font-semibold">Your agency role does not include this</h1>
      <p className="mt-2 text-slate-600">Ask an agency owner if you need access.</p>
    </section>
  );
}
