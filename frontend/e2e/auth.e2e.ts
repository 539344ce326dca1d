import type { Page } from "playwright-core";
import { beforeEach, describe, expect, it } from "vitest";
import type { Cluster, ClusterDetail } from "../src/lib/api/types";
import { addSession, apiGet, apiSignIn, credentials, env, meStatus, sessionCookie, useBrowser, visit, type Person } from "./browser";

type Page_<T> = { items: T[]; total: number };

const state = useBrowser(); // signed out: each test signs in as it needs
let page: Page;
beforeEach(() => {
  ({ page } = state);
});
const base = () => env("E2E_BASE_URL");

async function signInWithPassword(p: Page, email: string, password: string): Promise<void> {
  await p.getByLabel("Email", { exact: true }).fill(email);
  await p.getByLabel("Password", { exact: true }).fill(password);
  await p.getByRole("button", { name: "Sign in", exact: true }).click();
}

/** From /login through the OpenID provider's own pages (oidc-provider's development login form,
 * which takes any password, and its consent form) as `login`, the account's verified email. */
async function signInWithSso(p: Page, login: string): Promise<void> {
  await visit(p, `${base()}/login`);
  await p.getByRole("button", { name: "Sign in with Company SSO" }).click();
  await p.waitForURL((url) => url.origin === env("E2E_OIDC_URL"));
  await p.locator('input[name="login"]').fill(login);
  await p.locator('input[name="password"]').fill("any password");
  await p.getByRole("button", { name: "Sign-in" }).click();
  await p.getByRole("button", { name: "Continue" }).click();
}

/** Signs `who` in through the API and opens `path` with that session; returns the token. */
async function openAs(who: Person, path: string): Promise<string> {
  const token = await apiSignIn(who);
  await addSession(state.context, token);
  await visit(page, `${base()}${path}`);
  return token;
}

async function firstCluster(): Promise<Cluster> {
  return (await apiGet<Page_<Cluster>>("/api/clusters?is_active=true&per_page=1")).items[0];
}

describe("signed out", () => {
  it("every page sends to /login, and back to the page it asked for after signing in", async () => {
    await page.goto(`${base()}/`);
    expect(new URL(page.url()).pathname).toBe("/login");
    await page.goto(`${base()}/issues?severity=critical`);
    const url = new URL(page.url());
    expect(url.pathname).toBe("/login");
    expect(url.searchParams.get("next")).toBe("/issues?severity=critical");
    // No data without a session, whatever the route: the CSV export too.
    const csv = await page.request.get(`${base()}/export/issues`, { maxRedirects: 0 });
    expect(csv.status()).toBe(303);
    expect(csv.headers()["location"]).toContain("/login");

    const { email, password } = credentials("admin");
    await signInWithPassword(page, email, password);
    await page.waitForURL(`${base()}/issues?severity=critical`);
  });
});

describe("password sign-in", () => {
  it("signs the admin in onto the overview, with their name and role in the nav", async () => {
    await visit(page, `${base()}/login`);
    const { email, password } = credentials("admin");
    await signInWithPassword(page, email, password);
    await page.waitForURL(`${base()}/`);
    await page.getByTestId("card-total-value").waitFor();
    expect(await page.getByTestId("user-name").textContent()).toBe("E2E admin");
    expect(await page.getByTestId("user-role").textContent()).toBe("Admin");
    expect(await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Operations" }).count()).toBe(1);

    const cookie = await sessionCookie(state.context);
    expect(cookie?.value).toMatch(/^ims_/);
    expect(cookie?.httpOnly).toBe(true);
    expect(cookie?.sameSite).toBe("Lax");
    expect(cookie?.path).toBe("/");
    expect(await meStatus(cookie!.value)).toBe(200);
  });

  it("refuses a wrong password and an unknown email with the same message", async () => {
    await visit(page, `${base()}/login`);
    const { email } = credentials("admin");
    for (const [who, password] of [[email, "not-the-password"], ["nobody@e2e.test", "whatever-it-is"]]) {
      await signInWithPassword(page, who, password);
      await expect.poll(() => page.getByTestId("login-error").textContent()).toBe("Wrong email or password.");
      expect(new URL(page.url()).pathname).toBe("/login");
    }
    expect(await sessionCookie(state.context)).toBeUndefined();
  });
});

describe("single sign-on", () => {
  it("signs in through the OpenID provider's own login form and lands signed in", async () => {
    await signInWithSso(page, "pat@sso.example");

    await page.waitForURL(`${base()}/`);
    await page.getByTestId("card-total-value").waitFor();
    expect(await page.getByTestId("user-name").textContent()).toBe("SSO pat");
    // A first sign-in of an allowed domain makes a viewer (OIDC_DEFAULT_ROLE's default).
    expect(await page.getByTestId("user-role").textContent()).toBe("Viewer");
    const cookie = await sessionCookie(state.context);
    const me = await fetch(`${env("E2E_API_URL")}/api/auth/me`, { headers: { Authorization: `Bearer ${cookie?.value}` } });
    expect(((await me.json()) as { email: string }).email).toBe("pat@sso.example");
  });

  it("sends a person of another email domain back to /login with the reason", async () => {
    await signInWithSso(page, "mallory@elsewhere.example");

    await page.waitForURL((url) => url.origin === base() && url.pathname === "/login");
    expect(new URL(page.url()).searchParams.get("error")).toMatch(/^sso_(denied|failed)$/);
    await page.getByTestId("login-notice").waitFor();
    expect(await sessionCookie(state.context)).toBeUndefined();
  });
});

describe("roles", () => {
  it("shows a viewer no editing controls, and the API refuses the viewer's edit", async () => {
    const cluster = await firstCluster();
    const token = await openAs("viewer", `/clusters/${cluster.id}`);
    await page.getByTestId("cluster-name").waitFor();
    await page.getByTestId("review-readonly").waitFor();
    for (const name of ["Save", "Rename", "Merge", "Close cluster", "Reopen cluster", "Save labels", "Move"]) {
      expect(await page.getByRole("button", { name, exact: true }).count(), name).toBe(0);
    }
    expect(await page.locator("form").filter({ hasNot: page.locator('button:text("Sign out")') }).count()).toBe(0);
    expect(await page.locator("summary", { hasText: "Edit" }).count()).toBe(0); // the issue editors
    expect(await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Operations" }).count()).toBe(0);

    const edit = await fetch(`${env("E2E_API_URL")}/api/clusters/${cluster.id}`, {
      method: "PATCH",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ pm_notes: "a viewer's note" }),
    });
    expect(edit.status).toBe(403);
    expect((await apiGet<ClusterDetail>(`/api/clusters/${cluster.id}`)).cluster.pm_notes).not.toBe("a viewer's note");
  });

  it("refuses a viewer's edit through the dashboard itself: the server forwards the viewer's session", async () => {
    // The admin's save, as the browser sends it (a server action post)…
    const cluster = await firstCluster();
    await openAs("admin", `/clusters/${cluster.id}`);
    const adminNotes = `admin note ${Date.now()}`;
    await page.getByLabel("Notes").fill(adminNotes);
    const [post] = await Promise.all([
      page.waitForRequest((r) => r.method() === "POST" && r.headers()["next-action"] !== undefined),
      page.getByRole("button", { name: "Save", exact: true }).click(),
    ]);
    await expect.poll(async () => (await apiGet<ClusterDetail>(`/api/clusters/${cluster.id}`)).cluster.pm_notes).toBe(adminNotes);

    // …replayed with a viewer's session and other notes: the API refuses, nothing changes.
    const viewer = await apiSignIn("viewer");
    const headers = { ...(await post.allHeaders()), cookie: `im_session=${viewer}` };
    delete (headers as Record<string, string>)["content-length"];
    const replay = await fetch(post.url(), { method: "POST", headers, body: post.postData()!.replace(adminNotes, "the viewer's notes") });
    expect(await replay.text()).toContain("Your role does not allow this");
    expect((await apiGet<ClusterDetail>(`/api/clusters/${cluster.id}`)).cluster.pm_notes).toBe(adminNotes);
  });

  it("gives an editor the editing controls but not operations", async () => {
    const cluster = await firstCluster();
    await openAs("editor", `/clusters/${cluster.id}`);
    await page.getByRole("button", { name: "Save", exact: true }).waitFor();
    expect(await page.getByRole("button", { name: "Rename" }).count()).toBe(1);
    expect(await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Operations" }).count()).toBe(0);

    await visit(page, `${base()}/ops`);
    expect(await page.getByTestId("needs-role").textContent()).toContain("needs the admin role");
    expect(await page.getByTestId("queues-table").count()).toBe(0);
    expect(await page.getByRole("button", { name: "Sync now" }).count()).toBe(0);
  });
});

describe("signing out", () => {
  it("ends the session: back and reload go to /login, and the API refuses the old token", async () => {
    const token = await openAs("editor", "/clusters");
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(`${base()}/login`);
    expect(await sessionCookie(state.context)).toBeUndefined();
    expect(await meStatus(token)).toBe(401);

    await page.goBack();
    expect(new URL(page.url()).pathname).toBe("/login");
    await page.reload();
    expect(new URL(page.url()).pathname).toBe("/login");
    // Even with the old cookie put back, the pages refuse it.
    await addSession(state.context, token);
    await page.goto(`${base()}/clusters`);
    await page.waitForURL((url) => url.pathname === "/login");
    expect(new URL(page.url()).searchParams.get("error")).toBe("expired");
    await page.getByTestId("login-notice").waitFor();
    expect(await sessionCookie(state.context)).toBeUndefined(); // /login cleared what the API refused
  });
});

describe("cross-site requests", () => {
  it("refuses a form posted to the dashboard from another site (403), and the session lives on", async () => {
    const token = await openAs("admin", "/");
    await page.route("http://evil.example/**", (route) =>
      route.fulfill({
        contentType: "text/html",
        body: `<form method="post" action="${base()}/auth/logout"></form><script>document.forms[0].submit()</script>`,
      }),
    );
    const [answer] = await Promise.all([page.waitForResponse(`${base()}/auth/logout`), page.goto("http://evil.example/")]);
    expect(answer.status()).toBe(403);
    expect(await meStatus(token)).toBe(200);
  });

  it("refuses server-action and route posts whose Origin or Referer is not the dashboard", async () => {
    const token = await apiSignIn("admin");
    const cluster = await firstCluster();
    const post = (path: string, headers: Record<string, string>) =>
      fetch(`${base()}${path}`, { method: "POST", redirect: "manual", headers: { cookie: `im_session=${token}`, ...headers } });
    expect((await post(`/clusters/${cluster.id}`, { origin: "http://evil.example", "next-action": "0".repeat(40) })).status).toBe(403);
    expect((await post("/auth/logout", { referer: "http://evil.example/page" })).status).toBe(403);
    expect((await post("/auth/logout", {})).status).toBe(403); // neither header
    expect(await meStatus(token)).toBe(200);
    // The same post from the dashboard's own origin goes through (so the 403s above are the check).
    expect((await post("/auth/logout", { origin: base() })).status).toBe(303);
    expect(await meStatus(token)).toBe(401);
  });
});

describe("security headers", () => {
  it("sends a nonce CSP without inline scripts, no framing, nosniff and the referrer policy", async () => {
    for (const path of ["/login", "/_next/static/does-not-exist.js"]) {
      const response = await fetch(`${base()}${path}`, { redirect: "manual" });
      const headers = response.headers;
      expect(headers.get("x-content-type-options"), path).toBe("nosniff");
      expect(headers.get("referrer-policy"), path).toBe("strict-origin-when-cross-origin");
      expect(headers.get("content-security-policy"), path).toContain("frame-ancestors 'none'");
    }
    const login = await fetch(`${base()}/login`);
    const csp = login.headers.get("content-security-policy") ?? "";
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
    // Every script of the page carries that nonce (else the browser would refuse to run it).
    const scripts = [...(await login.text()).matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
  });
});
