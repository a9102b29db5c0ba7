"use client";

import type { ReactNode } from "react";
import {
  Area,
  Bar,
  BarChart,
  CartesianGrid,
  Cell,
  ComposedChart,
  Legend,
  Line,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";

// Charts of the fleet (recharts, SVG). Each chart carries its numbers in a table below it too,
// for screen readers and for anyone who wants the exact figure.

const PALETTE = ["#0369a1", "#047857", "#b45309", "#7c3aed", "#be123c", "#0f766e", "#64748b"];
const STATUS_COLOURS: Record<string, string> = {
  active: "#059669",
  suspended: "#d97706",
  provisioning: "#0284c7",
  failed: "#dc2626",
  offboarded: "#94a3b8",
};

function Panel({
  title,
  testId,
  children,
  data,
}: {
  title: string;
  testId: string;
  children: ReactNode;
  data: ReactNode;
}) {
  return (
    <section className="rounded-xl bg-white p-4 shadow-sm ring-1 ring-slate-200" data-testid={testId}>
      <h2 className="mb-3 text-sm font-semibold text-slate-700">{title}</h2>
      <div className="h-64 w-full">{children}</div>
      <details className="mt-2 text-xs text-slate-500">
        <summary className="cursor-pointer">The numbers</summary>
        {data}
      </details>
    </section>
  );
}

function DataTable({ head, rows, testId }: { head: string[]; rows: Array<Array<string | number>>; testId: string }) {
  return (
    // Scrolls on its own when there are more tenants than a phone's width holds.
    <div className="mt-2 overflow-x-auto">
      <table className="w-full text-left" data-testid={testId}>
        <thead>
          <tr>
            {head.map((h) => (
              <th key={h} className="pr-3 font-medium">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i}>
              {r.map((c, j) => (
                <td key={j} className="pr-3 tabular-nums">
                  {c}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function RegistrationsChart({
  data,
  series,
  total,
}: {
  data: Array<Record<string, number | string>>;
  series: Array<{ slug: string; name: string }>;
  total: number;
}) {
  return (
    <Panel
      title={`Registrations per day, last 30 days (${total} in all)`}
      testId="chart-registrations"
      data={
        <DataTable
          testId="registrations-data"
          head={["day", ...series.map((s) => s.slug), "total"]}
          rows={data
            .filter((d) => Number(d.total) > 0)
            .map((d) => [String(d.day), ...series.map((s) => Number(d[s.slug] ?? 0)), Number(d.total)])}
        />
      }
    >
      <ResponsiveContainer width="100%" height="100%">
        <ComposedChart data={data} margin={{ top: 4, right: 8, bottom: 0, left: -16 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
          <XAxis dataKey="day" tick={{ fontSize: 11 }} interval={4} />
          <YAxis allowDecimals={false} tick={{ fontSize: 11 }} />
          <Tooltip />
          <Legend
            wrapperStyle={{ fontSize: 12 }}
            formatter={(value) => <span style={{ color: "#475569" }}>{value}</span>}
          />
          {series.map((s, i) => (
            <Area
              key={s.slug}
              type="monotone"
              dataKey={s.slug}
              name={s.name}
              stackId="tenants"
              stroke={PALETTE[i % PALETTE.length]}
              fill={PALETTE[i % PALETTE.length]}
              fillOpacity={0.35}
              isAnimationActive={false}
            />
          ))}
          <Line
            type="monotone"
            dataKey="total"
            name="Total"
            stroke="#0f172a"
            strokeWidth={2}
            dot={false}
            isAnimationActive={false}
          />
        </ComposedChart>
      </ResponsiveContainer>
    </Panel>
  );
}

export function CountChart({
  title,
  testId,
  data,
  colours,
}: {
  title: string;
  testId: string;
  data: Array<{ label: string; tenants: number }>;
  colours?: Record<string, string>;
}) {
  return (
    <Panel
      title={title}
      testId={testId}
      data={<DataTable testId={`${testId}-data`} head={["", "tenants"]} rows={data.map((d) => [d.label, d.tenants])} />}
    >
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} margin={{ top: 4, right: 8, bottom: 0, left: -16 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" vertical={false} />
          <XAxis dataKey="label" tick={{ fontSize: 12 }} />
          <YAxis allowDecimals={false} tick={{ fontSize: 11 }} />
          <Tooltip />
          <Bar dataKey="tenants" name="Tenants" isAnimationActive={false}>
            {data.map((d, i) => (
              <Cell key={d.label} fill={colours?.[d.label] ?? PALETTE[i % PALETTE.length]} />
            ))}
          </Bar>
        </BarChart>
      </ResponsiveContainer>
    </Panel>
  );
}

export function StatusChart({ data }: { data: Array<{ status: string; tenants: number }> }) {
  return (
    <CountChart
      title="Tenants by status"
      testId="chart-status"
      data={data.map((d) => ({ label: d.status, tenants: d.tenants }))}
      colours={STATUS_COLOURS}
    />
  );
}

export function PlanChart({ data }: { data: Array<{ plan: string; tenants: number }> }) {
  return (
    <CountChart
      title="Tenants by plan"
      testId="chart-plan"
      data={data.map((d) => ({ label: d.plan, tenants: d.tenants }))}
    />
  );
}

export function DbSizeChart({
  data,
  more,
}: {
  data: Array<{ slug: string; name: string; megabytes: number }>;
  more: number;
}) {
  return (
    <Panel
      title={`Database size per tenant (MB)${more ? `, largest ${data.length} of ${data.length + more}` : ""}`}
      testId="chart-db-size"
      data={<DataTable testId="db-size-data" head={["tenant", "MB"]} rows={data.map((d) => [d.slug, d.megabytes])} />}
    >
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} layout="vertical" margin={{ top: 4, right: 16, bottom: 0, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" horizontal={false} />
          <XAxis type="number" tick={{ fontSize: 11 }} />
          <YAxis type="category" dataKey="slug" width={110} tick={{ fontSize: 11 }} />
          <Tooltip />
          <Bar dataKey="megabytes" name="MB" fill="#0369a1" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </Panel>
  );
}

export function CacheChart({
  hits,
  misses,
  evictions,
  open,
  reserved,
  budget,
  clients,
}: {
  hits: number;
  misses: number;
  evictions: number;
  open: number;
  reserved: number;
  budget: number;
  clients: number;
}) {
  const lookups = [
    { label: "hits", value: hits },
    { label: "misses", value: misses },
    { label: "evictions", value: evictions },
  ];
  const connections = [
    { label: "connections", open, reserved: Math.max(0, reserved - open), free: Math.max(0, budget - reserved) },
  ];
  return (
    <Panel
      title={`Tenant client cache (this instance): ${clients} clients, ${open} of ${budget} connections open`}
      testId="chart-cache"
      data={
        <DataTable
          testId="cache-data"
          head={["hits", "misses", "evictions", "open", "reserved", "budget"]}
          rows={[[hits, misses, evictions, open, reserved, budget]]}
        />
      }
    >
      <div className="grid h-full grid-rows-[2fr_1fr] gap-2">
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={lookups} layout="vertical" margin={{ top: 0, right: 16, bottom: 0, left: 8 }}>
            <XAxis type="number" allowDecimals={false} tick={{ fontSize: 11 }} />
            <YAxis type="category" dataKey="label" width={70} tick={{ fontSize: 11 }} />
            <Tooltip />
            <Bar dataKey="value" name="count" isAnimationActive={false}>
              {lookups.map((d, i) => (
                <Cell key={d.label} fill={["#059669", "#d97706", "#dc2626"][i]} />
              ))}
            </Bar>
          </BarChart>
        </ResponsiveContainer>
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={connections} layout="vertical" margin={{ top: 0, right: 16, bottom: 0, left: 8 }}>
            <XAxis type="number" domain={[0, budget]} tick={{ fontSize: 11 }} />
            <YAxis type="category" dataKey="label" width={70} tick={{ fontSize: 11 }} />
            <Tooltip />
            <Legend
              wrapperStyle={{ fontSize: 11 }}
              formatter={(value) => <span style={{ color: "#475569" }}>{value}</span>}
            />
            <Bar dataKey="open" name="open" stackId="c" fill="#0369a1" isAnimationActive={false} />
            <Bar dataKey="reserved" name="reserved, not open" stackId="c" fill="#7dd3fc" isAnimationActive={false} />
            <Bar dataKey="free" name="free budget" stackId="c" fill="#e2e8f0" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
    </Panel>
  );
}
