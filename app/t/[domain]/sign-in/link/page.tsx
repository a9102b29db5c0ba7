import { AuthCard } from "@/components/auth/auth-card.tsx";
import { EmailLinkLanding } from "@/components/auth/email-link-landing.tsx";
import { currentTenant } from "@/lib/tenancy/current.server.ts";

export const metadata = { title: "Sign in" };

type Props = { params: Promise<{ domain: string }>; searchParams: Promise<{ token?: string | string[] }> };

export default async function SignInLinkPage({ params, searchParams }: Props) {
  const tenant = await currentTenant((await params).domain);
  const token = (await searchParams).token;
  return (
    <AuthCard title={`Sign in to ${tenant.name}`}>
      {typeof token === "string" && token.length > 0 ? (
        <EmailLinkLanding token={token} />
      ) : (
        <p role="alert">This sign-in link is incomplete. Open the link from your email again, or ask for a new one.</p>
      )}
    </AuthCard>
  );
}
