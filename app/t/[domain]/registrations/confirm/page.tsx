import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { AuthCard } from "@/components/auth/auth-card.tsx";
import { confirmGuest } from "@/lib/portal/member.server.ts";
import { currentTenant } from "@/lib/platform/current-tenant.server.ts";

export async function generateMetadata() {
  return { title: (await getTranslations("meta"))("confirmRegistration") };
}

type Props = { params: Promise<{ domain: string }>; searchParams: Promise<{ token?: string | string[] }> };

/** A guest's confirmation link: used once, it turns the pending registration into a place (or a waitlist spot). */
export default async function ConfirmGuest({ params, searchParams }: Props) {
  const tenant = await currentTenant((await params).domain);
  const raw = (await searchParams).token;
  const row = await confirmGuest(tenant, Array.isArray(raw) ? raw[0] : raw);
  const t = await getTranslations("confirmGuest");
  if (!row) {
    return (
      <AuthCard title={t("invalidTitle")}>
        <p data-testid="confirm-invalid">{t("invalid")}</p>
      </AuthCard>
    );
  }
  return (
    <AuthCard title={row.status === "confirmed" ? t("confirmedTitle") : t("waitlistedTitle")}>
      <p data-testid="guest-confirmed" data-status={row.status}>
        {row.status === "confirmed" ? (
          <>
            {t("confirmed", { event: row.event.title })}{" "}
            <Link className="font-medium text-brand underline" href={`/tickets/${row.ticketCode}`}>
              {t("showTicket")}
            </Link>
          </>
        ) : (
          t("waitlisted", { event: row.event.title })
        )}
      </p>
    </AuthCard>
  );
}
