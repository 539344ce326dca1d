import { describe, expect, it } from "vitest";
import { isPublicPath, loginPath, safeNextPath } from "./paths";

describe("safeNextPath", () => {
  it("keeps a path on the dashboard, with its query and fragment", () => {
    expect(safeNextPath("/clusters/abc?days=7#notes")).toBe("/clusters/abc?days=7#notes");
    expect(safeNextPath("/issues?severity=critical,high")).toBe("/issues?severity=critical,high");
  });

  it.each([
    ["another site", "https://evil.example/"],
    ["a protocol-relative URL", "//evil.example/x"],
    ["a backslash that browsers read as a slash", "/\\evil.example"],
    ["a tab that browsers strip", "/\t/evil.example"],
    ["a newline", "/ok\n"],
    ["a relative path", "clusters"],
    ["javascript:", "javascript:alert(1)"],
    ["nothing", undefined],
    ["an empty string", ""],
  ])("refuses %s and sends to the overview", (_what, raw) => {
    expect(safeNextPath(raw)).toBe("/");
  });

  it("never returns to the sign-in pages (no loop)", () => {
    expect(safeNextPath("/login?next=/ops")).toBe("/");
    expect(safeNextPath("/auth/callback?code=x")).toBe("/");
    expect(safeNextPath("/auth/logout")).toBe("/");
  });

  it("resolves dot segments before deciding", () => {
    expect(safeNextPath("/clusters/../login")).toBe("/");
    expect(safeNextPath("/a/../ops")).toBe("/ops");
  });
});

describe("loginPath", () => {
  it("carries the page to come back to and the reason", () => {
    expect(loginPath("/ops?x=1")).toBe("/login?next=%2Fops%3Fx%3D1");
    expect(loginPath("/ops", "expired")).toBe("/login?next=%2Fops&error=expired");
  });

  it("leaves out the overview and anything unsafe", () => {
    expect(loginPath("/")).toBe("/login");
    expect(loginPath("//evil.example", "expired")).toBe("/login?error=expired");
  });
});

describe("isPublicPath", () => {
  it("opens only the sign-in form and the SSO callback", () => {
    expect(isPublicPath("/login")).toBe(true);
    expect(isPublicPath("/auth/callback")).toBe(true);
    for (const path of ["/", "/ops", "/auth/logout", "/login/x", "/export/issues"]) expect(isPublicPath(path), path).toBe(false);
  });
});
