import type { Metadata } from "next";
import type { ReactNode } from "react";
import { fontVariables } from "./fonts.ts";
import "./globals.css";

// A default icon for pages no layout brands (a tenant's layout uses its logo, the agency's its own).
export const metadata: Metadata = { title: "Portal", robots: { index: false }, icons: { icon: "/brand/portico.svg" } };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en" className={fontVariables}>
      <body className="min-h-screen antialiased">{children}</body>
    </html>
  );
}
