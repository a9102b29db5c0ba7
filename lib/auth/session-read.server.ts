import "server-only";

/**
 * next-auth's `GET /api/auth/session` answers from the sealed token alone: a user deactivated or
 * signed out everywhere (session version bumped), or a suspended portal, would still get their
 * name, email and ids back until the token expires. The auth routes ask this first and answer
 * `{}` (next-auth's "signed out") unless the same guard the pages use still accepts the user.
 * Only that one read is intercepted; sign-in, sign-out and CSRF go to next-auth untouched.
 */
export function isSessionRead(request: Request, segments: readonly string[]): boolean {
  return request.method === "GET" && segments.length === 1 && segments[0] === "session";
}

export async function guardSessionRead(
  request: Request,
  segments: readonly string[],
  stillSignedIn: () => Promise<boolean>,
): Promise<Response | null> {
  if (!isSessionRead(request, segments) || (await stillSignedIn())) return null;
  return Response.json({}, { headers: { "cache-control": "no-store" } });
}
