import { describe, expect, it } from "vitest";
import { isSameOrigin, isStateChanging } from "./origin";

const request = (headers: Record<string, string>) => new Headers(headers);

describe("isSameOrigin", () => {
  it("accepts a post from the dashboard's own pages", () => {
    expect(isSameOrigin(request({ host: "127.0.0.1:3000", origin: "http://127.0.0.1:3000" }))).toBe(true);
  });

  it("refuses another site, another port and a look-alike host", () => {
    for (const origin of ["http://evil.example", "http://127.0.0.1:3001", "http://127.0.0.1:3000.evil.example", "null"]) {
      expect(isSameOrigin(request({ host: "127.0.0.1:3000", origin })), origin).toBe(false);
    }
  });

  it("falls back to the Referer only when there is no Origin", () => {
    expect(isSameOrigin(request({ host: "dash.example", referer: "https://dash.example/clusters/1" }))).toBe(true);
    expect(isSameOrigin(request({ host: "dash.example", referer: "https://evil.example/dash.example" }))).toBe(false);
    // An Origin wins over a Referer that would pass.
    expect(isSameOrigin(request({ host: "dash.example", origin: "https://evil.example", referer: "https://dash.example/" }))).toBe(false);
  });

  it("refuses a request with neither", () => {
    expect(isSameOrigin(request({ host: "dash.example" }))).toBe(false);
  });

  it("compares with the host a proxy forwarded", () => {
    const behindProxy = { host: "frontend.internal:3000", "x-forwarded-host": "dash.example" };
    expect(isSameOrigin(request({ ...behindProxy, origin: "https://dash.example" }))).toBe(true);
    expect(isSameOrigin(request({ ...behindProxy, origin: "http://frontend.internal:3000" }))).toBe(false);
  });
});

describe("isStateChanging", () => {
  it("is every method but GET, HEAD and OPTIONS", () => {
    expect(["GET", "HEAD", "OPTIONS", "get"].map(isStateChanging)).toEqual([false, false, false, false]);
    expect(["POST", "PUT", "PATCH", "DELETE"].map(isStateChanging)).toEqual([true, true, true, true]);
  });
});
