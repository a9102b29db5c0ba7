import { getTranslations } from "next-intl/server";
import { AuthCard } from "@/components/auth/auth-card.tsx";
import { OneClickSignIn } from "@/components/auth/one-click-sign-in.tsx";
import { samlTicketReturnTo } from "@/lib/auth/saml-sign-in.server.ts";
import { currentTenant } from "@/lib/platform/current-tenant.server.ts";

export async function generateMetadata() {
  return { title: (await getTranslations("meta"))("signIn") };
}

type Props = { params: Promise<{ domain: string }>; searchParams: Promise<{ ticket?: string | string[] }> };

/**
 * Where the SAML answer lands once checked (app/t/[domain]/api/auth/saml/acs): the single-use
 * ticket is handed to next-auth's "saml" provider on this host, which sets the session cookie.
 */
export default async function SamlTicketPage({ params, searchParams }: Props) {
  const tenant = await currentTenant((await params).domain);
  const ticket = (await searchParams).ticket;
  const returnTo = await samlTicketReturnTo(tenant, ticket);
  const t = await getTranslations("auth");
  return (
    <AuthCard title={t("signInTo", { portal: tenant.name })}>
      {typeof ticket === "string" && returnTo ? (
        <OneClickSignIn
          provider="saml"
          token={ticket}
          callbackUrl={returnTo}
          label={t("continueSignIn")}
          pendingLabel={t("signingIn")}
          refused={t("linkRefused")}
        />
      ) : (
        <p role="alert" data-testid="form-error">
          {t("linkRefused")}
        </p>
      )}
    </AuthCard>
  );
}
