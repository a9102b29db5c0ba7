import "server-only";
import type { User } from "next-auth";
import type { OAuthConfig } from "next-auth/providers/oauth";
import { log } from "../observability/logger.ts";
import { discoveryUrl } from "./oidc-discovery.server.ts";

/**
 * One OpenID Connect provider as next-auth v4 takes it, for either realm (docs/decisions/042).
 * next-auth hands the flow to openid-client: the issuer is discovered (`wellKnown`), the
 * authorization code is exchanged with PKCE, `state` and `nonce` are bound to cookies sealed
 * with the realm's own secret (another tenant's cookies do not even decrypt), and with
 * `idToken: true` the ID token's signature is checked against the issuer's JWKS, its `aud`
 * against this client id (and `azp` when there are several audiences), its `iss` against the
 * discovered issuer, and its nonce and lifetime. What openid-client does not check is checked
 * here: that the discovered issuer is still the one the connection was saved with, and the
 * audience once more, before `signIn` decides who the person is.
 */

export interface OidcClientSettings {
  /** next-auth's provider id: the callback is /api/auth/callback/<id>. */
  id: string;
  /** "Sign in with <name>". */
  name: string;
  issuer: string;
  clientId: string;
  clientSecret: string;
  scopes: string;
}

/** A sign-in whose ID token passed every check: the claims of the ID token over those of userinfo. */
export interface VerifiedOidcSignIn {
  issuer: string;
  subject: string;
  claims: Record<string, unknown>;
}

/** What `profile` answers when a check fails: next-auth's signIn callback turns it into a redirect. */
export const REFUSED_ID = "sso-refused";

type Claims = Record<string, unknown>;
type WithClaims = { claims?: () => Claims; id_token?: string };

/** The checks this module adds to openid-client's: issuer pinned, audience ours, a subject. */
export function checkIdTokenClaims(
  claims: Claims,
  settings: Pick<OidcClientSettings, "issuer" | "clientId">,
): string | null {
  if (claims.iss !== settings.issuer) return "the ID token was issued by another issuer";
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!aud.includes(settings.clientId)) return "the ID token is meant for another client";
  if (aud.length > 1 && claims.azp !== settings.clientId) return "the ID token was issued to another party";
  if (typeof claims.sub !== "string" || !claims.sub || claims.sub.length > 255) return "the ID token has no subject";
  return null;
}

export function oidcProvider(
  settings: OidcClientSettings,
  signIn: (verified: VerifiedOidcSignIn) => Promise<User>,
): OAuthConfig<Claims> {
  return {
    id: settings.id,
    name: settings.name,
    type: "oauth",
    wellKnown: discoveryUrl(settings.issuer),
    issuer: settings.issuer,
    clientId: settings.clientId,
    clientSecret: settings.clientSecret,
    authorization: { params: { scope: settings.scopes } },
    checks: ["pkce", "state", "nonce"],
    idToken: true,
    httpOptions: { timeout: 5_000 },
    userinfo: {
      // Claims a provider keeps out of its ID token (email, groups) come from userinfo, asked
      // with the access token; openid-client refuses an answer about another subject. The ID
      // token's own claims win.
      async request({ tokens, client }) {
        const idClaims = (tokens as WithClaims).claims?.() ?? {};
        if (!client.issuer.metadata.userinfo_endpoint || !tokens.access_token) return idClaims;
        try {
          const info = (await client.userinfo(tokens as never)) as Claims;
          return { ...info, ...idClaims };
        } catch (error) {
          log().warn({ err: error }, `[auth] userinfo of ${settings.issuer} failed; using the ID token alone`);
          return idClaims;
        }
      },
    },
    async profile(profile, tokens) {
      const idClaims = (tokens as WithClaims).claims?.();
      const problem = idClaims ? checkIdTokenClaims(idClaims, settings) : "no ID token";
      if (problem || !idClaims) {
        log().warn(`[auth] single sign-on refused: ${problem}`);
        return { id: REFUSED_ID, ssoRefusal: "token" };
      }
      return signIn({ issuer: settings.issuer, subject: idClaims.sub as string, claims: { ...profile, ...idClaims } });
    },
  };
}
