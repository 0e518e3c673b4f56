/**
 * The operator's credential in the browser. With auth on, the dashboard is opened as
 * /dashboard?access_token=<JWT>: the token is kept for this tab (sessionStorage) and taken out of
 * the address bar, then sent as `Authorization: Bearer` on every call and as `access_token` on
 * the WebSocket (which cannot carry a header). With auth off there is none.
 */
const KEY = "balance-engine.token";

function tokenFromAddress(): string | null {
  const url = new URL(location.href);
  const token = url.searchParams.get("access_token");
  if (token === null) return null;
  url.searchParams.delete("access_token");
  history.replaceState(null, "", url.pathname + url.search + url.hash);
  return token;
}

const fromAddress = tokenFromAddress();
if (fromAddress !== null) sessionStorage.setItem(KEY, fromAddress);

export function token(): string | null {
  return sessionStorage.getItem(KEY);
}

export function credentialHeaders(): Record<string, string> {
  const current = token();
  return current === null ? {} : { authorization: `Bearer ${current}` };
}

/** The WebSocket's URL on this origin, with the token as a query parameter when there is one. */
export function webSocketUrl(path: string): string {
  const url = new URL(path, location.href);
  url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
  const current = token();
  if (current !== null) url.searchParams.set("access_token", current);
  return url.toString();
}
