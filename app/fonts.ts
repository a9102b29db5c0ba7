import localFont from "next/font/local";

/**
 * The faces behind lib/tenancy/theme.ts FONT_STACKS, from @fontsource packages and served by the
 * app itself under /_next/static (no font service at run time). Each defines only a CSS variable:
 * a browser downloads a face when text on the page uses it, so a portal loads its own font only.
 * Not preloaded for the same reason. Variable (wght) files: one file per family covers every weight.
 * next/font takes only literal options, hence the repetition.
 */
export const inter = localFont({
  display: "swap",
  preload: false,
  weight: "100 900",
  src: "../node_modules/@fontsource-variable/inter/files/inter-latin-wght-normal.woff2",
  variable: "--font-inter",
});
export const sourceSerif = localFont({
  display: "swap",
  preload: false,
  weight: "200 900",
  src: "../node_modules/@fontsource-variable/source-serif-4/files/source-serif-4-latin-wght-normal.woff2",
  variable: "--font-source-serif",
});
export const nunito = localFont({
  display: "swap",
  preload: false,
  weight: "200 1000",
  src: "../node_modules/@fontsource-variable/nunito/files/nunito-latin-wght-normal.woff2",
  variable: "--font-nunito",
});
export const sourceSans = localFont({
  display: "swap",
  preload: false,
  weight: "200 900",
  src: "../node_modules/@fontsource-variable/source-sans-3/files/source-sans-3-latin-wght-normal.woff2",
  variable: "--font-source-sans",
});
export const jetbrainsMono = localFont({
  display: "swap",
  preload: false,
  weight: "100 800",
  src: "../node_modules/@fontsource-variable/jetbrains-mono/files/jetbrains-mono-latin-wght-normal.woff2",
  variable: "--font-jetbrains-mono",
});

/** Every face's variable, set on <html> so portal pages and the agency's previews can use them. */
export const fontVariables = [inter, sourceSerif, nunito, sourceSans, jetbrainsMono].map((f) => f.variable).join(" ");
