// Screenshots of the running dashboard (default: `make demo`'s, http://127.0.0.1:3000) into
// docs/: `npm run screenshot [-- BASE_URL]`. Debian's Chromium, headless, via playwright-core.
// Signs in first: as SCREENSHOT_EMAIL / SCREENSHOT_PASSWORD, by default `make demo`'s admin.
import { chromium } from "playwright-core";
import { mkdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const base = process.argv[2] || process.env.DASHBOARD_URL || "http://127.0.0.1:3000";
const out = fileURLToPath(new URL("../docs/", import.meta.url));
mkdirSync(out, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 }, deviceScaleFactor: 1 });
  const email = process.env.SCREENSHOT_EMAIL || "admin@demo.local";
  const password =
    process.env.SCREENSHOT_PASSWORD || readFileSync(fileURLToPath(new URL("../../.cache/demo/admin-password", import.meta.url)), "utf8").trim();
  await page.goto(`${base}/login`);
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.waitForURL((url) => url.pathname === "/");
  const shoot = async (path, file, fullPage = false) => {
    await page.goto(`${base}${path}`, { waitUntil: "networkidle" });
    await page.screenshot({ path: `${out}${file}`, fullPage });
    console.log(`${base}${path} → docs/${file}`);
  };
  await shoot("/?days=30", "screenshot.png", true);
  await shoot("/clusters", "clusters.png");
  const cluster = await page.locator('[data-testid="cluster-row"] a').first().getAttribute("href");
  await shoot("/issues", "issues.png");
  await shoot("/ops", "ops.png");
  if (cluster) await shoot(cluster, "cluster.png", true);
} finally {
  await browser.close();
}
