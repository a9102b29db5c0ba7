import { getTranslations } from "next-intl/server";
import { AuthCard } from "@/components/auth/auth-card.tsx";
import { OneClickSignIn } from "@/components/auth/one-click-sign-in.tsx";
import { signInLinkReturnTo } from "@/lib/auth/tenant-sign-in-link.server.ts";
import { currentTenant } from "@/lib/platform/current-tenant.server.ts";

export async function generateMetadata() {
  return { title: (await getTranslations("meta"))("signIn") };
}

type Props = { params: Promise<{ domain: string }>; searchParams: Promise<{ token?: string | string[] }> };

export default async function SignInLinkPage({ params, searchParams }: Props) {
  const tenant = await currentTenant((await params).domain);
  const token = (await searchParams).token;
  // Back to where the person asked for the link (stored with the token, never from this URL).
  const returnTo = await signInLinkReturnTo(tenant, token);
  const t = await getTranslations("auth");
  return (
    <AuthCard title={t("signInTo", { portal: tenant.name })}>
      {typeof token === "string" && token.length > 0 ? (
        <OneClickSignIn
          provider="email-link"
          token={token}
          callbackUrl={returnTo}
          label={t("continueSignIn")}
          pendingLabel={t("signingIn")}
          refused={t("linkRefused")}
          via="/sign-in/second-factor"
        />
      ) : (
        <p role="alert">{t("linkIncomplete")}</p>
      )}
    </AuthCard>
  );
}
