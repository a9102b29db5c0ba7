import type { Metadata } from "next";
import { NextIntlClientProvider } from "next-intl";
import { getLocale, getMessages } from "next-intl/server";
import type { ReactNode } from "react";
import { CLIENT_NAMESPACES, clientMessages, type Messages } from "@/messages/catalogues.ts";
import { fontVariables } from "./fonts.ts";
import "./globals.css";

// A default icon for pages no layout brands (a tenant's layout uses its logo, the agency's its own).
export const metadata: Metadata = { title: "Portal", robots: { index: false }, icons: { icon: "/brand/portico.svg" } };

/**
 * `lang` is the request's language: a portal's chosen one, English on the agency host. Client
 * components of both apps read the request's catalogue from the provider: only the namespaces
 * they use (the staff area's layout adds its own).
 */
export default async function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang={await getLocale()} className={fontVariables}>
      <body className="min-h-screen antialiased">
        <NextIntlClientProvider messages={clientMessages((await getMessages()) as Messages, CLIENT_NAMESPACES)}>
          {children}
        </NextIntlClientProvider>
      </body>
    </html>
  );
}
