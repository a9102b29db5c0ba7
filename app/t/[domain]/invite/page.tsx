import { AuthCard } from "@/components/auth/auth-card.tsx";
import { InviteForm } from "@/components/auth/invite-form.tsx";
import { peekInvitation } from "@/lib/auth/tenant-invitations.server.ts";
import { currentTenant } from "@/lib/platform/current-tenant.server.ts";
import { acceptInvite } from "./actions.ts";

export const metadata = { title: "Accept your invitation" };

type Props = { params: Promise<{ domain: string }>; searchParams: Promise<{ token?: string | string[] }> };

/** Where an invitation link lands: the invited person chooses a password (the token is used once). */
export default async function InvitePage({ params, searchParams }: Props) {
  const tenant = await currentTenant((await params).domain);
  const raw = (await searchParams).token;
  const token = Array.isArray(raw) ? raw[0] : raw;
  const invitation = await peekInvitation(tenant, token);
  if (!invitation) {
    return (
      <AuthCard title="This invitation no longer works">
        <p data-testid="invite-invalid">
          The link has been used or has expired. Ask whoever invited you to send a new one.
        </p>
      </AuthCard>
    );
  }
  return (
    <AuthCard title={`Welcome to ${tenant.name}`}>
      <p>
        Hello {invitation.name}. Choose a password for <span className="font-medium">{invitation.email}</span>.
      </p>
      <InviteForm token={token as string} accept={acceptInvite} />
    </AuthCard>
  );
}
