import { AuthCard } from "@/components/auth/auth-card.tsx";
import { OneClickSignIn } from "@/components/auth/one-click-sign-in.tsx";
import { signInLinkReturnTo } from "@/lib/auth/tenant-sign-in-link.server.ts";
import { currentTenant } from "@/lib/platform/current-tenant.server.ts";

export const metadata = { title: "Sign in" };

type Props = { params: Promise<{ domain: string }>; searchParams: Promise<{ token?: string | string[] }> };

export default async function SignInLinkPage({ params, searchParams }: Props) {
  const tenant = await currentTenant((await params).domain);
  const token = (await searchParams).token;
  // Back to where the person asked for the link (stored with the token, never from this URL).
  const returnTo = await signInLinkReturnTo(tenant, token);
  return (
    <AuthCard title={`Sign in to ${tenant.name}`}>
      {typeof token === "string" && token.length > 0 ? (
        <OneClickSignIn
          provider="email-link"
          token={token}
          callbackUrl={returnTo}
          label="Continue to sign in"
          pendingLabel="Signing in…"
          refused="This link has expired or was already used. Ask for a new one on the sign-in page."
        />
      ) : (
        <p role="alert">This sign-in link is incomplete. Open the link from your email again, or ask for a new one.</p>
      )}
    </AuthCard>
  );
}
