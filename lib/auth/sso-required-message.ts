/**
 * The sentence every refusal of "SSO required" (docs/decisions/047) answers with: the same for
 * every address at a verified domain, whether or not it has an account. Shared by the server that
 * decides and the forms that recognise it.
 */
export const SSO_REQUIRED_PREFIX = "Your organisation requires signing in with ";

export function ssoRequiredMessage(provider: string): string {
  return `${SSO_REQUIRED_PREFIX}${provider}. Use the “Sign in with ${provider}” button.`;
}

export function isSsoRequiredMessage(text: string | null | undefined): text is string {
  return typeof text === "string" && text.startsWith(SSO_REQUIRED_PREFIX);
}
