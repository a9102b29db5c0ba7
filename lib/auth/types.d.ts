import "next-auth";
import "next-auth/jwt";

// The claims Portico puts in a session token. `tid` binds a tenant session to one tenant;
// `sv` is the user's session version, bumped to end every session of that user; `sid` names the
// session's row, which the guards read on every request (docs/decisions/041).
declare module "next-auth" {
  interface User {
    role?: string;
    sv?: number;
    /** Set when an agency owner opened this session by impersonation: the grant's id. */
    imp?: string;
    /** How the session is opened when not simply by its provider ("reset"). */
    method?: string;
    /** A single sign-on that was refused: the reason's code (never becomes a session). */
    ssoRefusal?: string;
    /** A test sign-in's outcome ("ok:<role>" or a refusal's code; never becomes a session). */
    ssoTest?: string;
  }
  interface Session {
    realm?: "tenant" | "agency";
    tid?: string;
    uid?: string;
    role?: string;
    sv?: number;
    imp?: string;
    /** The session row's id (docs/decisions/041). */
    sid?: string;
  }
}

declare module "next-auth/jwt" {
  interface JWT {
    realm?: "tenant" | "agency";
    tid?: string;
    uid?: string;
    role?: string;
    sv?: number;
    imp?: string;
    /** The session row's id (docs/decisions/041). */
    sid?: string;
  }
}
