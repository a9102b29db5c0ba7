import type { ReactNode } from "react";

export function AuthCard({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="mx-auto max-w-md rounded-2xl bg-surface p-6 shadow-sm ring-1 ring-black/5 sm:p-8">
      <h1 className="text-2xl font-semibold">{title}</h1>
      <div className="mt-6 space-y-6">{children}</div>
    </section>
  );
}
