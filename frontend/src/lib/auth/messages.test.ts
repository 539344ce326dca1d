import { describe, expect, it } from "vitest";
import { loginFailure, ssoErrorMessage, ssoFailure, waitText } from "./messages";

describe("loginFailure", () => {
  it("says the same for a wrong email as for a wrong password", () => {
    expect(loginFailure(401, null)).toBe("Wrong email or password.");
  });

  it("says how long to wait after too many attempts", () => {
    expect(loginFailure(429, "42")).toBe("Too many sign-in attempts. Try again in 42 seconds.");
    expect(loginFailure(429, "600")).toBe("Too many sign-in attempts. Try again in 10 minutes.");
    expect(loginFailure(429, null)).toBe("Too many sign-in attempts. Try again later.");
  });

  it("names a failing API", () => {
    expect(loginFailure(500, null)).toContain("(500)");
  });
});

describe("waitText", () => {
  it("reads seconds and HTTP dates", () => {
    expect(waitText("1")).toBe("1 second");
    expect(waitText(new Date(120_000).toUTCString(), 0)).toBe("2 minutes");
    expect(waitText("soon")).toBeNull();
  });
});

describe("SSO errors", () => {
  it("maps the API's refusals to fixed codes and only known codes to messages", () => {
    expect(ssoFailure(403)).toBe("sso_denied");
    expect(ssoFailure(401)).toBe("sso_failed");
    expect(ssoFailure(503)).toBe("sso_unavailable");
    expect(ssoErrorMessage("sso_denied")).toContain("may not use the dashboard");
    expect(ssoErrorMessage("<b>Call 555-0100</b>")).toBeNull();
    expect(ssoErrorMessage("toString")).toBeNull();
  });
});
