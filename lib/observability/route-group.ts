/**
 * The route group of a request, the HTTP metrics' label: a handful of values, whatever the path,
 * so the number of series stays fixed.
 */
export type RouteGroup =
  "portal-page" | "portal-action" | "agency-page" | "agency-action" | "api" | "asset" | "ops" | "unknown-host";

const ASSET = /^\/(_next\/|__nextjs|favicon\.ico$|brand\/|logo\/|cover\/|fonts\/)/;
const OPS = /^\/(healthz|readyz|metrics)$/;

export function routeGroup(request: {
  method: string;
  path: string;
  realm: "tenant" | "agency" | "none" | undefined;
  /** Next.js marks a server action's POST with a `Next-Action` header. */
  serverAction: boolean;
}): RouteGroup {
  const { path } = request;
  if (OPS.test(path)) return "ops";
  if (ASSET.test(path)) return "asset";
  if (request.realm !== "tenant" && request.realm !== "agency") return "unknown-host";
  if (path.startsWith("/api/")) return "api";
  const app = request.realm === "tenant" ? "portal" : "agency";
  return request.method === "POST" && request.serverAction ? `${app}-action` : `${app}-page`;
}
