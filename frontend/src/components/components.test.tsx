import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { CategoryBars } from "./category-bars";
import { Pagination } from "./pagination";
import { SeverityBadge } from "./severity-badge";
import { Trend } from "./trend";
import { taxonomyLabels } from "@/lib/taxonomy";
import type { Taxonomy } from "@/lib/api/types";

const taxonomy: Taxonomy = {
  product: "Acme",
  categories: [
    { key: "PAYROLL", label: "Payroll", subcategories: [{ key: "pay_runs", label: "Pay runs", description: "" }] },
    { key: "TIME", label: "Time tracking", subcategories: [] },
  ],
  severities: [],
  issue_types: [],
  pm_statuses: [],
};

describe("Trend", () => {
  it("shows growth with an up arrow and says what it means", () => {
    render(<Trend trendPct={40} count7d={7} />);
    expect(screen.getByText("+40%")).toBeInTheDocument();
    expect(screen.getByText("▲")).toBeInTheDocument();
    expect(screen.getByText("(+40% week over week)")).toBeInTheDocument();
  });
  it("shows a cluster without a prior week as new", () => {
    render(<Trend trendPct={null} count7d={3} />);
    expect(screen.getByText("new")).toBeInTheDocument();
    expect(screen.queryByText(/%/)).toBeNull();
  });
});

describe("SeverityBadge", () => {
  it("uses the severity's own colour and label", () => {
    render(<SeverityBadge severity="critical" />);
    const badge = screen.getByText("Critical");
    expect(badge.className).toContain("bg-red-100");
  });
});

describe("CategoryBars", () => {
  it("labels each category from the taxonomy, with its count, share and a link to its issues", () => {
    render(
      <CategoryBars
        counts={[
          { key: "PAYROLL", count: 30 },
          { key: "TIME", count: 10 },
          { key: "UNKNOWN_CAT", count: 0 },
        ]}
        labels={taxonomyLabels(taxonomy)}
        issuesQuery="&start_date=2026-11-01"
      />,
    );
    expect(screen.getByText("Payroll")).toBeInTheDocument();
    expect(screen.getByText("Unknown cat")).toBeInTheDocument();
    expect(screen.getByTestId("category-count-PAYROLL")).toHaveTextContent("30");
    expect(screen.getByText("75%")).toBeInTheDocument();
    expect(screen.getByText("Time tracking").closest("a")).toHaveAttribute("href", "/issues?category=TIME&start_date=2026-11-01");
  });
});

describe("Pagination", () => {
  it("shows the range and links to the neighbouring pages with the filters kept", () => {
    render(<Pagination path="/clusters" params={{ category: "PAYROLL", page: "2" }} page={2} pages={3} total={60} perPage={25} noun="clusters" />);
    expect(screen.getByTestId("range")).toHaveTextContent("26–50 of 60 clusters");
    expect(screen.getByRole("link", { name: "← Previous" })).toHaveAttribute("href", "/clusters?category=PAYROLL&page=1");
    expect(screen.getByRole("link", { name: "Next →" })).toHaveAttribute("href", "/clusters?category=PAYROLL&page=3");
  });
  it("does not link past the last page", () => {
    render(<Pagination path="/clusters" params={{}} page={1} pages={1} total={3} perPage={25} noun="clusters" />);
    expect(screen.queryByRole("link")).toBeNull();
  });
});
