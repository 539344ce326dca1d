import { describe, expect, it } from "vitest";
import { contentSecurityPolicy } from "./security";

describe("contentSecurityPolicy", () => {
  it("allows scripts only from the dashboard and with the request's nonce, and no framing", () => {
    const csp = contentSecurityPolicy("abc123");
    expect(csp).toContain("script-src 'self' 'nonce-abc123' 'strict-dynamic'");
    expect(csp).not.toContain("unsafe-inline' 'strict"); // styles may be inline, scripts never
    expect(csp).not.toMatch(/script-src[^;]*'unsafe-(inline|eval)'/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
  });

  it("adds eval only for next dev", () => {
    expect(contentSecurityPolicy("n", true)).toMatch(/script-src[^;]*'unsafe-eval'/);
  });
});
