import { notFound } from "next/navigation";

/** Any path no agency page matches: the agency's own 404 (../not-found.tsx) with a way back. */
export default function UnknownAgencyPath(): never {
  notFound();
}
