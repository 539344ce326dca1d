import { describe, expect, it } from "vitest";
import { weeklyCounts } from "./series";

describe("weeklyCounts", () => {
  const now = new Date("2026-11-30T10:00:00Z"); // a Monday

  it("counts per Monday-based week, empty weeks included", () => {
    const series = weeklyCounts(["2026-11-16T09:00:00Z", "2026-11-17T09:00:00Z", "2026-11-30T08:00:00Z"], now);
    expect(series).toEqual([
      { day: "2026-11-16", count: 2 },
      { day: "2026-11-23", count: 0 },
      { day: "2026-11-30", count: 1 },
    ]);
  });
  it("puts a Sunday in the week that began the Monday before", () => {
    expect(weeklyCounts(["2026-11-29T23:00:00Z"], now)[0]).toEqual({ day: "2026-11-23", count: 1 });
  });
  it("keeps at most the given number of weeks", () => {
    const series = weeklyCounts(["2025-01-01T00:00:00Z", "2026-11-30T00:00:00Z"], now, 4);
    expect(series).toHaveLength(4);
    expect(series.at(-1)).toEqual({ day: "2026-11-30", count: 1 });
  });
  it("is empty without timestamps", () => {
    expect(weeklyCounts([], now)).toEqual([]);
  });
});
