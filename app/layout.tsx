import type { Metadata } from "next";
import { NextIntlClientProvider } from "next-intl";
import { getLocale } from "next-intl/server";
import type { ReactNode } from "react";
import "./globals.css";

export const metadata: Metadata = { title: "Portal", robots: { index: false } };

/**
 * `lang` is the request's language: a portal's chosen one, English on the agency host. Client
 * components of both apps read the request's catalogue from the provider (next-intl passes it
 * down whole: it is small).
 */
export default async function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang={await getLocale()}>
      <body className="min-h-screen antialiased">
        <NextIntlClientProvider>{children}</NextIntlClientProvider>
      </body>
    </html>
  );
}
