import { notFound } from "next/navigation";

/**
 * Any path no page of the portal matches: the tenant's own branded 404 (./not-found.tsx, inside
 * its layout and header) instead of the neutral one, which is kept for unknown hosts.
 */
export default function UnknownPortalPath(): never {
  notFound();
}
