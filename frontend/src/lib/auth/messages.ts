/** What the sign-in page says when signing in fails. Pure. */

/** "12 seconds", "3 minutes": how long `Retry-After` (seconds or an HTTP date) asks to wait. */
export function waitText(retryAfter: string | null, now: number = Date.now()): string | null {
  if (!retryAfter) return null;
  let seconds = Number(retryAfter.trim());
  if (!Number.isFinite(seconds)) {
    const at = Date.parse(retryAfter);
    if (Number.isNaN(at)) return null;
    seconds = (at - now) / 1000;
  }
  seconds = Math.max(1, Math.ceil(seconds));
  if (seconds < 90) return `${seconds} second${seconds === 1 ? "" : "s"}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minutes`;
}

/** The message for a refused password sign-in (by the API's status). */
export function loginFailure(status: number, retryAfter: string | null, apiMessage?: string): string {
  if (status === 401) return "Wrong email or password.";
  if (status === 429) {
    const wait = waitText(retryAfter);
    return wait ? `Too many sign-in attempts. Try again in ${wait}.` : "Too many sign-in attempts. Try again later.";
  }
  if (status === 400) return "Enter your email address and password.";
  if (status === 403) return apiMessage ?? "This account may not sign in.";
  if (status >= 500) return `The API failed to sign you in (${status}); try again, or ask an admin to look at its log.`;
  return apiMessage ?? `The API answered ${status}.`;
}

/** Codes the SSO callback sends back to /login (`?error=`), never free text: a link cannot make
 * the sign-in page say what its author wants. */
export const SSO_ERRORS = {
  sso_denied: "Single sign-on worked, but this account may not use the dashboard. Ask an admin to create your account.",
  sso_failed: "Single sign-on did not complete (it expired or was refused). Try again.",
  sso_cancelled: "Single sign-on was cancelled at the provider.",
  sso_limited: "Too many sign-in attempts. Wait a minute and try again.",
  sso_unavailable: "Single sign-on is not available: the API could not be reached or is not configured for it.",
  expired: "Your session has ended. Sign in again.",
} as const;

export type SsoError = keyof typeof SSO_ERRORS;

export function ssoErrorMessage(code: string | string[] | undefined): string | null {
  const key = Array.isArray(code) ? code[0] : code;
  return key && Object.hasOwn(SSO_ERRORS, key) ? SSO_ERRORS[key as SsoError] : null;
}

/** The code for a refused SSO callback (by the API's status). */
export function ssoFailure(status: number): SsoError {
  if (status === 403) return "sso_denied";
  if (status === 429) return "sso_limited";
  if (status === 401 || status === 400) return "sso_failed";
  return "sso_unavailable";
}
