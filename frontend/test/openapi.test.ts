// The committed TypeScript client types must be what `npm run generate:api` makes from the
// committed services/api/openapi.json (which the API's own test keeps equal to the served spec).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(__dirname, "..");
const spec = resolve(root, "../services/api/openapi.json");
const committed = resolve(root, "src/lib/api/schema.d.ts");

describe("the generated API client", () => {
  it("matches the committed openapi.json (run `npm run generate:api` after `make openapi`)", () => {
    const dir = mkdtempSync(join(tmpdir(), "openapi-ts-"));
    try {
      const out = join(dir, "schema.d.ts");
      execFileSync(resolve(root, "node_modules/.bin/openapi-typescript"), [spec, "-o", out], { stdio: "pipe" });
      expect(readFileSync(committed, "utf8")).toBe(readFileSync(out, "utf8"));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("gets one operation per operationId (a repeated id merges two endpoints' types)", () => {
    const doc = JSON.parse(readFileSync(spec, "utf8")) as { paths: Record<string, Record<string, { operationId?: string }>> };
    const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((op) => op.operationId));
    const repeated = ids.filter((id, i) => id && ids.indexOf(id) !== i);
    expect(repeated).toEqual([]);
  });
});
