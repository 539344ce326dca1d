// @vitest-environment node
import { NextRequest } from "next/server";
import { describe, expect, it } from "vitest";
import { middleware } from "./middleware";

const DASHBOARD = "http://127.0.0.1:3000";

function request(path: string, init: { method?: string; headers?: Record<string, string> } = {}): NextRequest {
  return new NextRequest(`${DASHBOARD}${path}`, {
    method: init.method ?? "GET",
    headers: { host: "127.0.0.1:3000", ...init.headers },
  });
}

describe("the middleware", () => {
  it("sends a visitor without a session to /login, remembering the page", async () => {
    const response = await middleware(request("/clusters?category=billing"));
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe(`${DASHBOARD}/login?next=%2Fclusters%3Fcategory%3Dbilling`);
  });

  it("opens /login and /auth/callback without a session", async () => {
    for (const path of ["/login", "/auth/callback?code=c&state=s"]) {
      const response = await middleware(request(path));
      expect(response.headers.get("x-middleware-next"), path).toBe("1");
    }
  });

  it("refuses a post from another origin, or with neither Origin nor Referer, before anything else", async () => {
    const cookie = "im_session=ims_x";
    const refused: Record<string, string>[] = [{ origin: "http://evil.example", cookie }, { referer: "http://evil.example/", cookie }, { cookie }];
    for (const headers of refused) {
      const response = await middleware(request("/auth/logout", { method: "POST", headers }));
      expect(response.status).toBe(403);
    }
    const same = await middleware(request("/auth/logout", { method: "POST", headers: { origin: DASHBOARD, cookie } }));
    expect(same.headers.get("x-middleware-next")).toBe("1");
  });

  it("gives each page a new nonce in its Content-Security-Policy", async () => {
    const cookie = { cookie: "im_session=ims_x" };
    const [a, b] = await Promise.all([middleware(request("/", { headers: cookie })), middleware(request("/", { headers: cookie }))]);
    const nonce = (r: Response) => /'nonce-([^']+)'/.exec(r.headers.get("content-security-policy") ?? "")?.[1];
    expect(nonce(a)).toBeTruthy();
    expect(nonce(a)).not.toBe(nonce(b));
  });
});
