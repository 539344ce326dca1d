import { describe, expect, it } from "vitest";
import { clusterQuery, exportSearch, issueQuery, withParams } from "./query";

describe("clusterQuery", () => {
  it("reads the filters of the URL into the API's query", () => {
    expect(
      clusterQuery({ category: "PAYROLL", pm_status: "reviewing", emerging: "true", sort: "trend_pct:desc", page: "3" }),
    ).toEqual({
      category: "PAYROLL",
      subcategory: undefined,
      pm_status: "reviewing",
      is_active: true,
      emerging: true,
      sort: "trend_pct:desc",
      page: 3,
      per_page: 25,
    });
  });
  it("maps the status filter onto is_active", () => {
    expect(clusterQuery({}).is_active).toBe(true);
    expect(clusterQuery({ status: "inactive" }).is_active).toBe(false);
    expect(clusterQuery({ status: "all" }).is_active).toBeUndefined();
  });
  it("drops values the API would reject instead of failing the page", () => {
    const q = clusterQuery({ sort: "password:asc", page: "-1", category: "" });
    expect(q.sort).toBeUndefined();
    expect(q.page).toBeUndefined();
    expect(q.category).toBeUndefined();
  });
});

describe("issueQuery", () => {
  it("joins repeated severities into the API's comma list", () => {
    expect(issueQuery({ severity: ["critical", "high"] }).severity).toBe("critical,high");
    expect(issueQuery({ severity: "low,medium" }).severity).toBe("low,medium");
    expect(issueQuery({}).severity).toBeUndefined();
  });
});

describe("withParams", () => {
  it("changes one filter, keeps the others and goes back to page 1", () => {
    expect(withParams({ category: "PAYROLL", page: "4", severity: ["critical", "high"] }, { sort: "severity:asc" })).toBe(
      "?category=PAYROLL&severity=critical&severity=high&sort=severity%3Aasc",
    );
  });
  it("keeps the page it is given and removes undefined keys", () => {
    expect(withParams({ category: "PAYROLL" }, { page: "2", category: undefined })).toBe("?page=2");
  });
});

describe("exportSearch", () => {
  it("exports the current filters without pagination or sorting", () => {
    const q = issueQuery({ category: "PAYROLL", severity: ["critical"], search: "late", page: "2", sort: "severity:asc" });
    expect(exportSearch(q)).toBe("category=PAYROLL&severity=critical&search=late");
  });
});
