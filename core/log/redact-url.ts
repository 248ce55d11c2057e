/**
 * The URL, or comma list of URLs (a NATS cluster), with any password
 * replaced by `***`, for logs and banners. Text that does not parse as a URL
 * becomes `(unparseable URL)`: it might still hold a secret.
 */
export function redactUrl(url: string): string {
  if (url.includes(",")) return url.split(",").map((u) => redactUrl(u.trim())).join(",");
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparseable URL)";
  }
}
