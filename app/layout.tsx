import type { Metadata } from "next";
import type { ReactNode } from "react";
import { fontVariables } from "./fonts.ts";
import "./globals.css";

export const metadata: Metadata = { title: "Portal", robots: { index: false } };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en" className={fontVariables}>
      <body className="min-h-screen antialiased">{children}</body>
    </html>
  );
}
