import type { BrowserContext, Locator, Page } from "playwright-core";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Cluster, ClusterDetail, JobView, Summary } from "../src/lib/api/types";
import { apiGet, apiSignIn, credentials, env, eventually, reload, useBrowser, visit } from "./browser";

type Page_<T> = { items: T[]; total: number; pages: number };

// Signed in as the admin (one session for the file): these tests are about the pages, not the
// sign-in (e2e/auth.e2e.ts).
let adminSession: string;
beforeAll(async () => {
  adminSession = await apiSignIn("admin");
});
const state = useBrowser({ session: () => adminSession });
let context: BrowserContext;
let page: Page;
beforeEach(() => {
  ({ context, page } = state);
});
const base = () => env("E2E_BASE_URL");

/** A form's answer (its FormMessage carries the test id and, once answered, data-ok). */
const answer = (p: Page, testId: string) => p.locator(`[data-testid="${testId}"][data-ok]`);

/**
 * Waits for a form's answer and checks it. Forms keep their answer in their own state
 * (components/forms/use-save.ts), so it shows even when Next.js's router leaves the page's data
 * stale after a save (README, "Known defects"); until 2026-11-30 it sometimes never showed and
 * these checks were optional.
 */
async function expectAnswer(answer: Locator, expected: string): Promise<void> {
  await answer.first().waitFor({ timeout: 10_000 });
  expect(await answer.first().textContent()).toContain(expected);
}

const number = (text: string | null) => Number((text ?? "").replace(/[^\d]/g, ""));

describe("the overview", () => {
  it("shows the API's numbers for each period", async () => {
    for (const days of [30, 7, 90]) {
      await visit(page, `${base()}/?days=${days}`);
      const summary = await apiGet<Summary>(`/api/issues/summary?days=${days}`);
      expect(summary.total_issues).toBeGreaterThan(0);

      expect(number(await page.getByTestId("card-total-value").textContent())).toBe(summary.total_issues);
      expect(number(await page.getByTestId("card-critical-value").textContent())).toBe(summary.critical_count);
      expect(number(await page.getByTestId("card-high-value").textContent())).toBe(summary.high_count);
      expect(number(await page.getByTestId("card-medium-value").textContent())).toBe(summary.medium_count);
      for (const c of summary.by_category) {
        expect(number(await page.getByTestId(`category-count-${c.key}`).textContent())).toBe(c.count);
      }
      const top = await page.getByTestId("top-clusters").locator("li a").allTextContents();
      expect(top).toEqual(summary.top_clusters.map((c) => c.cluster_name));
      await expect.poll(() => page.getByRole("link", { name: `${days} days` }).getAttribute("aria-current")).toBe("true");
    }
  });

  it("switches the period with the period buttons", async () => {
    await visit(page, `${base()}/`);
    await page.getByRole("link", { name: "7 days" }).click();
    await page.waitForURL(/\?days=7$/);
    const summary = await apiGet<Summary>("/api/issues/summary?days=7");
    expect(number(await page.getByTestId("card-total-value").textContent())).toBe(summary.total_issues);
  });
});

describe("the cluster list", () => {
  it("filters by category: other rows go, the URL says so, and the totals are the API's", async () => {
    await visit(page, `${base()}/clusters`);
    const all = await apiGet<Page_<Cluster>>("/api/clusters?is_active=true&per_page=200");
    expect(number(await page.getByTestId("total").textContent())).toBe(all.total);
    const categories = [...new Set(all.items.map((c) => c.category))];
    expect(categories.length).toBeGreaterThan(1);
    const category = categories[1];
    const expected = await apiGet<Page_<Cluster>>(`/api/clusters?is_active=true&category=${category}&per_page=200`);
    expect(expected.total).toBeLessThan(all.total);

    await page.locator("form[data-live]").waitFor();
    await page.getByLabel("Category", { exact: true }).selectOption(category);

    await page.waitForURL(new RegExp(`[?&]category=${category}(&|$)`));
    await expect.poll(async () => number(await page.getByTestId("total").textContent())).toBe(expected.total);
    const shown = await page.getByTestId("cluster-category").evaluateAll((els) => els.map((e) => e.getAttribute("data-category")));
    expect(shown.length).toBe(Math.min(expected.total, 25));
    expect(new Set(shown)).toEqual(new Set([category]));

    // The URL is the view: opening it fresh shows the same filtered list.
    const url = page.url();
    const other = await context.newPage();
    await visit(other, url);
    expect(number(await other.getByTestId("total").textContent())).toBe(expected.total);
    expect(await other.getByLabel("Category", { exact: true }).inputValue()).toBe(category);
  });

  it("sorts by a column header", async () => {
    await visit(page, `${base()}/clusters`);
    await page.getByRole("link", { name: /^Customers/ }).click();
    await page.waitForURL(/sort=unique_customers%3Adesc/);
    const expected = await apiGet<Page_<Cluster>>("/api/clusters?is_active=true&sort=unique_customers:desc&per_page=25");
    const names = await page.getByTestId("cluster-row").locator("td:first-child a").allTextContents();
    expect(names).toEqual(expected.items.map((c) => c.cluster_name));
  });
});

describe("a cluster's page", () => {
  it("saves the PM status and notes, which survive a reload", async () => {
    const clusters = await apiGet<Page_<Cluster>>("/api/clusters?is_active=true&per_page=5");
    const cluster = clusters.items[0];
    const notes = `Owned by the payroll squad, ticket PM-${Date.now()}`;
    await visit(page, `${base()}/clusters/${cluster.id}`);
    await expect.poll(() => page.getByTestId("cluster-name").textContent()).toBe(cluster.cluster_name);

    await page.getByLabel("PM status").selectOption("acknowledged");
    await page.getByLabel("Notes").fill(notes);
    await page.getByRole("button", { name: "Save" }).click();

    await expect
      .poll(async () => (await apiGet<ClusterDetail>(`/api/clusters/${cluster.id}`)).cluster.pm_notes, { timeout: 30_000 })
      .toBe(notes);
    await expectAnswer(answer(page, "review-result"), "Saved");
    await reload(page);
    expect(await page.getByLabel("PM status").inputValue()).toBe("acknowledged");
    expect(await page.getByLabel("Notes").inputValue()).toBe(notes);
    const stored = await apiGet<ClusterDetail>(`/api/clusters/${cluster.id}`);
    expect(stored.cluster.pm_status).toBe("acknowledged");
    expect(stored.cluster.pm_notes).toBe(notes);
  });

  it("corrects an issue's severity and moves the issue to another cluster", async () => {
    type Issue = { id: string; severity: string; cluster_id?: string | null; corrected_by?: string | null };
    const clusters = await apiGet<Page_<Cluster>>("/api/clusters?is_active=true&per_page=10");
    const [from, to] = clusters.items;
    const detail = await apiGet<ClusterDetail>(`/api/clusters/${from.id}`);
    const issue = detail.issues[0];
    const severity = issue.severity === "low" ? "high" : "low";
    await visit(page, `${base()}/clusters/${from.id}`);
    const row = page.locator(`[data-issue-id="${issue.id}"]`);

    await row.locator("summary").click();
    await row.getByLabel("Severity").selectOption(severity);
    await row.getByRole("button", { name: "Save labels" }).click();
    // The correction reaches the API…
    const stored = async () => (await apiGet<Page_<Issue>>(`/api/issues?cluster_id=${from.id}&per_page=200`)).items.find((i) => i.id === issue.id);
    await expect.poll(async () => (await stored())?.severity, { timeout: 30_000 }).toBe(severity);
    // The change is recorded as the person who made it (the session the dashboard forwarded).
    expect((await stored())?.corrected_by).toBe(credentials("admin").email);
    // …and the form says it succeeded.
    await expectAnswer(row.getByRole("form", { name: "Correct labels" }).locator("[data-ok]"), "✓ Corrected");

    await row.getByLabel("Move to cluster").selectOption(to.id);
    await row.getByRole("button", { name: "Move" }).click();
    await expect
      .poll(async () => (await apiGet<Page_<Issue>>(`/api/issues?cluster_id=${to.id}&per_page=200`)).items.some((i) => i.id === issue.id))
      .toBe(true);
    await reload(page);
    expect(await page.locator(`[data-issue-id="${issue.id}"]`).count()).toBe(0);
  });

  it("closes a cluster after confirmation and reopens it", async () => {
    const clusters = await apiGet<Page_<Cluster>>("/api/clusters?is_active=true&sort=issue_count:asc&per_page=1");
    const cluster = clusters.items[0];
    const active = async () => (await apiGet<ClusterDetail>(`/api/clusters/${cluster.id}`)).cluster.is_active;
    page.on("dialog", (dialog) => void dialog.accept());
    await visit(page, `${base()}/clusters/${cluster.id}`);

    await page.getByRole("button", { name: "Close cluster" }).click();
    await expect.poll(active, { timeout: 30_000 }).toBe(false);
    await expectAnswer(answer(page, "active-result"), "Closed");
    // The page streams its parts: wait for them rather than counting at once.
    await visit(page, `${base()}/clusters/${cluster.id}`);
    await page.getByText("closed", { exact: true }).waitFor({ timeout: 10_000 });

    await page.getByRole("button", { name: "Reopen cluster" }).click();
    await expect.poll(active, { timeout: 30_000 }).toBe(true);
    await visit(page, `${base()}/clusters/${cluster.id}`);
    await page.getByRole("button", { name: "Close cluster" }).waitFor({ timeout: 10_000 });
    expect(await page.getByText("closed", { exact: true }).count()).toBe(0);
  });

  it("lists its tickets with links to Zendesk", async () => {
    const clusters = await apiGet<Page_<Cluster>>("/api/clusters?is_active=true&per_page=1");
    const detail = await apiGet<ClusterDetail>(`/api/clusters/${clusters.items[0].id}`);
    await visit(page, `${base()}/clusters/${detail.cluster.id}`);
    const hrefs = await page.getByTestId("tickets").locator("a").evaluateAll((els) => els.map((e) => e.getAttribute("href")));
    expect(hrefs.length).toBe(detail.tickets.length);
    for (const href of hrefs) expect(href).toMatch(/^https:\/\/acme-e2e\.zendesk\.com\/agent\/tickets\/\d+$/);
  });
});

describe("the issue explorer", () => {
  it("filters by severity and exports exactly the filtered issues as CSV", async () => {
    await visit(page, `${base()}/issues`);
    await page.locator("form[data-live]").waitFor();
    await page.getByRole("checkbox", { name: "Critical" }).check();
    await page.waitForURL(/severity=critical/);
    const expected = await apiGet<Page_<unknown>>("/api/issues?severity=critical&per_page=1");
    await expect.poll(async () => number(await page.getByTestId("total").textContent())).toBe(expected.total);

    const href = await page.getByTestId("export-issues").getAttribute("href");
    expect(href).toBe("/export/issues?severity=critical");
    const csv = await page.request.get(`${base()}${href}`);
    expect(csv.status()).toBe(200);
    expect(csv.headers()["content-type"]).toContain("text/csv");
    const body = await csv.text();
    expect(body).not.toContain("imt_"); // no token leaks into what the browser receives
    expect(body).not.toContain(adminSession); // nor the session
    // One header line plus one line per issue (quoted fields may hold newlines: count records by id).
    const ids = body.match(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12},/gm) ?? [];
    expect(ids.length).toBe(expected.total);
  });
});

describe("operations", () => {
  it("shows a dead job with its error, and retrying it takes it off the dead list", async () => {
    await visit(page, `${base()}/ops`);
    expect(number(await page.getByTestId("queue-analyze-done").textContent())).toBeGreaterThan(0);

    // Zendesk is not configured in this run, so the ingest service gives up on a sync job at
    // once: a real dead job, made the way operators would meet one.
    await page.getByRole("button", { name: "Sync now" }).click();
    await expectAnswer(answer(page, "sync-result"), "queued");

    const row = page.getByTestId("job-row").filter({ hasText: "Zendesk sync is off" });
    await eventually(page, async () => (await row.count()) > 0, "the dead sync job on the page");
    const jobId = await row.first().getAttribute("data-job-id");
    expect(jobId).toBeTruthy();
    const dead = await apiGet<JobView[]>("/api/ops/queues/sync/jobs?state=dead");
    expect(dead.map((j) => j.id)).toContain(jobId);

    await row.first().getByRole("button", { name: /Retry/ }).click();
    await expect
      .poll(async () => (await apiGet<JobView[]>("/api/ops/queues/sync/jobs?state=dead")).map((j) => j.id), { timeout: 30_000 })
      .not.toContain(jobId);
    await reload(page);
    expect(await page.locator(`[data-job-id="${jobId}"]`).count()).toBe(0);
  });
});

describe("every page", () => {
  it("renders without an error and has a labelled control for every input", async () => {
    const cluster = (await apiGet<Page_<Cluster>>("/api/clusters?per_page=1")).items[0];
    for (const path of ["/", "/clusters", `/clusters/${cluster.id}`, "/issues", "/ops"]) {
      await visit(page, `${base()}${path}`);
      expect(await page.getByTestId("error-state").count(), path).toBe(0);
      const unlabelled = await page.locator("select, textarea, input:not([type=hidden])").evaluateAll((els) =>
        els
          .filter((el) => {
            const id = el.getAttribute("id");
            const byFor = id ? document.querySelector(`label[for="${id}"]`) : null;
            return !byFor && !el.closest("label") && !el.getAttribute("aria-label");
          })
          .map((el) => el.outerHTML.slice(0, 80)),
      );
      expect(unlabelled, path).toEqual([]);
    }
  });

  it("shows an unknown cluster as not found, not as a blank page", async () => {
    // (The status can be 200: the loading state has streamed before the page knows.)
    await visit(page, `${base()}/clusters/00000000-0000-0000-0000-000000000000`);
    await page.getByText("Not found", { exact: true }).waitFor();
  });
});
