import { getTranslations } from "next-intl/server";
import { AuthCard } from "@/components/auth/auth-card.tsx";
import { InviteForm } from "@/components/auth/invite-form.tsx";
import { peekInvitation } from "@/lib/auth/tenant-invitations.server.ts";
import { currentTenant } from "@/lib/platform/current-tenant.server.ts";
import { acceptInvite } from "./actions.ts";

export async function generateMetadata() {
  return { title: (await getTranslations("meta"))("invite") };
}

type Props = { params: Promise<{ domain: string }>; searchParams: Promise<{ token?: string | string[] }> };

/** Where an invitation link lands: the invited person chooses a password (the token is used once). */
export default async function InvitePage({ params, searchParams }: Props) {
  const tenant = await currentTenant((await params).domain);
  const raw = (await searchParams).token;
  const token = Array.isArray(raw) ? raw[0] : raw;
  const invitation = await peekInvitation(tenant, token);
  const t = await getTranslations("auth");
  if (!invitation) {
    return (
      <AuthCard title={t("inviteInvalidTitle")}>
        <p data-testid="invite-invalid">{t("inviteInvalid")}</p>
      </AuthCard>
    );
  }
  return (
    <AuthCard title={t("welcome", { portal: tenant.name })}>
      <p>
        {t.rich("choosePassword", {
          name: invitation.name,
          email: invitation.email,
          strong: (chunks) => <span className="font-medium">{chunks}</span>,
        })}
      </p>
      <InviteForm token={token as string} accept={acceptInvite} />
    </AuthCard>
  );
}
