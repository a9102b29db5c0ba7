import Link from "next/link";
import { AuthCard } from "@/components/auth/auth-card.tsx";
import { confirmGuest } from "@/lib/portal/member.server.ts";
import { currentTenant } from "@/lib/platform/current-tenant.server.ts";

export const metadata = { title: "Confirm your registration" };

type Props = { params: Promise<{ domain: string }>; searchParams: Promise<{ token?: string | string[] }> };

/** A guest's confirmation link: used once, it turns the pending registration into a place (or a waitlist spot). */
export default async function ConfirmGuest({ params, searchParams }: Props) {
  const tenant = await currentTenant((await params).domain);
  const raw = (await searchParams).token;
  const row = await confirmGuest(tenant, Array.isArray(raw) ? raw[0] : raw);
  if (!row) {
    return (
      <AuthCard title="This link no longer works">
        <p data-testid="confirm-invalid">
          It has been used or is not valid. If you registered, check your email for your ticket.
        </p>
      </AuthCard>
    );
  }
  return (
    <AuthCard title={row.status === "confirmed" ? "You're registered" : "You're on the waitlist"}>
      <p data-testid="guest-confirmed" data-status={row.status}>
        {row.status === "confirmed" ? (
          <>
            Your place at {row.event.title} is confirmed.{" "}
            <Link className="font-medium text-brand underline" href={`/tickets/${row.ticketCode}`}>
              Show your ticket
            </Link>
          </>
        ) : (
          <>{row.event.title} is full; if a place frees up it is yours automatically.</>
        )}
      </p>
    </AuthCard>
  );
}
