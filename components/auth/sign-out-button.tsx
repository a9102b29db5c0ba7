"use client";

import { signOut } from "next-auth/react";

export function SignOutButton() {
  return (
    <button type="button" onClick={() => void signOut({ callbackUrl: "/" })} className="rounded-lg border border-black/15 px-4 py-2 font-medium">
      Sign out
    </button>
  );
}
