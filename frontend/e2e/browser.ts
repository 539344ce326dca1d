import { chromium, type Browser, type Page } from "playwright-core";

/** Debian's Chromium, headless; never a downloaded browser. The flags keep it off the network
 * (this machine's is closed; without them it retries Google's hosts at every start). */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-quic",
  "--no-first-run",
];

export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
    headless: true,
    args: CHROMIUM_ARGS,
  });
}

export function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the browser tests through e2e/run.sh`);
  return value;
}

/** The API, read with the tests' own token: what the pages must agree with. */
export async function apiGet<T>(path: string): Promise<T> {
  const response = await fetch(`${env("E2E_API_URL")}${path}`, {
    headers: { Authorization: `Bearer ${env("E2E_API_TOKEN")}` },
  });
  if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** Reloads `page` until `check` passes (for work the services finish in the background). */
export async function eventually(page: Page, check: () => Promise<boolean>, what: string, seconds = 60): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await page.waitForTimeout(1000);
    await page.reload();
  }
}
