import type { RouteName } from "./options.js";

export type RouteMatch =
  | { route: RouteName; jobId?: string | undefined; page?: string | undefined }
  /** No route: 404, or 405 when the path exists for other methods (`allow` lists them). */
  | { allow: string | undefined };

const ROUTES: { method: string; route: RouteName; pattern: RegExp }[] = [
  { method: "POST", route: "extract", pattern: /^\/v1\/extract$/ },
  { method: "GET", route: "balance", pattern: /^\/v1\/balance$/ },
  { method: "GET", route: "info", pattern: /^\/api\/v1\/info$/ },
  { method: "GET", route: "job", pattern: /^\/v1\/jobs\/(?<jobId>[^/]+)$/ },
  { method: "GET", route: "result", pattern: /^\/v1\/jobs\/(?<jobId>[^/]+)\/result$/ },
  { method: "GET", route: "preview", pattern: /^\/v1\/jobs\/(?<jobId>[^/]+)\/pages\/(?<page>[^/]+)\/preview$/ },
];

/** The route for a method and path. Path parameters are returned raw: callers validate them. */
export function matchRoute(method: string, pathname: string): RouteMatch {
  const allowed: string[] = [];
  for (const { method: routeMethod, route, pattern } of ROUTES) {
    const match = pattern.exec(pathname);
    if (!match) continue;
    if (routeMethod === method) return { route, jobId: match.groups?.jobId, page: match.groups?.page };
    allowed.push(routeMethod);
  }
  return { allow: allowed.length > 0 ? allowed.join(", ") : undefined };
}
