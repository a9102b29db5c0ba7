/** Neutral 404: unknown hosts and paths. Says nothing about any tenant or the agency. */
export default function NotFound() {
  return (
    <main className="grid min-h-screen place-items-center bg-white p-8 text-slate-700">
      <div className="text-center">
        <p className="text-6xl font-semibold text-slate-300">404</p>
        <h1 className="mt-4 text-xl font-medium">This page could not be found.</h1>
      </div>
    </main>
  );
}
