"use client";

import { useEffect, useState } from "react";
import type { OperationProgress as Progress } from "@/lib/operations/kinds.ts";

export interface OperationView {
  id: string;
  kind: string;
  slug: string | null;
  status: "queued" | "running" | "succeeded" | "failed";
  progress: Progress;
  result: Record<string, unknown> | null;
  error: string | null;
}

const ICON = { pending: "○", running: "◌", done: "✓", failed: "✗" } as const;

/** Live progress of an operation: polls while it is queued or running, then stops. */
export function OperationProgress({ initial, onDone }: { initial: OperationView; onDone?: "reload" }) {
  const [op, setOp] = useState(initial);
  const live = op.status === "queued" || op.status === "running";
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(async () => {
      const response = await fetch(`/api/operations/${op.id}`, { cache: "no-store" }).catch(() => null);
      if (!response?.ok) return;
      const next = (await response.json()) as OperationView;
      setOp(next);
      if (onDone === "reload" && next.status !== "queued" && next.status !== "running") window.location.reload();
    }, 400);
    return () => clearInterval(timer);
  }, [live, op.id, onDone]);
  const { steps, done, total, failed } = op.progress;
  return (
    <div aria-live="polite" data-testid="operation" data-status={op.status}>
      <p className="text-sm">
        Status:{" "}
        <span data-testid="operation-status" className="font-semibold">
          {op.status}
        </span>
      </p>
      {steps && (
        <ol className="mt-3 space-y-1" data-testid="operation-steps">
          {steps.map((s) => (
            <li
              key={s.name}
              data-step={s.name}
              data-state={s.status}
              className={
                s.status === "failed"
                  ? "text-red-700"
                  : s.status === "done"
                    ? "text-emerald-700"
                    : s.status === "running"
                      ? "font-medium"
                      : "text-slate-400"
              }
            >
              <span aria-hidden className="inline-block w-5">
                {ICON[s.status]}
              </span>
              {s.name}
              {s.ms !== undefined && s.status === "done" && (
                <span className="ml-2 text-xs text-slate-500">{s.ms} ms</span>
              )}
            </li>
          ))}
        </ol>
      )}
      {total !== undefined && (
        <div className="mt-3" data-testid="operation-count">
          <div className="h-2 w-full max-w-md overflow-hidden rounded bg-slate-200">
            <div className="h-full bg-emerald-600" style={{ width: `${total ? ((done ?? 0) / total) * 100 : 100}%` }} />
          </div>
          <p className="mt-1 text-sm">
            {done ?? 0} / {total} processed{failed ? `, ${failed} failed` : ""}
          </p>
        </div>
      )}
      {op.error && (
        <p data-testid="operation-error" className="mt-3 rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800">
          {op.error}
        </p>
      )}
    </div>
  );
}
