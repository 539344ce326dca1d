import { describe, expect, it } from "vitest";
import { issuePatch, type IssueLabels } from "./patch";

const issue: IssueLabels = {
  id: "i1",
  cluster_id: "c1",
  category: "PAYROLL",
  subcategory: "pay_runs",
  issue_type: "bug",
  severity: "high",
};

function form(values: Record<string, string>): FormData {
  const f = new FormData();
  for (const [k, v] of Object.entries(values)) f.set(k, v);
  return f;
}

describe("issuePatch", () => {
  it("sends only what changed", () => {
    expect(issuePatch(issue, form({ category: "PAYROLL", subcategory: "pay_runs", issue_type: "bug", severity: "critical" }))).toEqual({
      severity: "critical",
    });
  });
  it("sends nothing when nothing changed", () => {
    expect(issuePatch(issue, form({ category: "PAYROLL", subcategory: "pay_runs", issue_type: "bug", severity: "high" }))).toEqual({});
  });
  it("sends a new category with its subcategory, and a new subcategory with its category", () => {
    expect(issuePatch(issue, form({ category: "TIME", subcategory: "pay_runs" }))).toEqual({ category: "TIME", subcategory: "pay_runs" });
    expect(issuePatch(issue, form({ category: "PAYROLL", subcategory: "taxes" }))).toEqual({ category: "PAYROLL", subcategory: "taxes" });
  });
  it("moves to another cluster, never to the one it is in", () => {
    expect(issuePatch(issue, form({ cluster_id: "c2" }))).toEqual({ cluster_id: "c2" });
    expect(issuePatch(issue, form({ cluster_id: "c1" }))).toEqual({});
  });
});
