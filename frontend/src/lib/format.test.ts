import { describe, expect, it } from "vitest";
import { describeTrend, formatAgo, formatDate, formatDuration, humanize, pmStatusLabel } from "./format";

describe("describeTrend", () => {
  it("calls a cluster without a prior week new, not +100%", () => {
    expect(describeTrend(null, 4)).toEqual({ direction: "new", text: "new" });
  });
  it("shows no trend for a cluster quiet in both weeks", () => {
    expect(describeTrend(null, 0)).toEqual({ direction: "flat", text: "—" });
  });
  it("rounds and signs the week-over-week change", () => {
    expect(describeTrend(66.6, 5)).toEqual({ direction: "up", text: "+67%" });
    expect(describeTrend(-50, 1)).toEqual({ direction: "down", text: "-50%" });
    expect(describeTrend(0.2, 3)).toEqual({ direction: "flat", text: "0%" });
  });
});

describe("dates and durations", () => {
  it("formats dates in UTC whatever the server's zone", () => {
    expect(formatDate("2026-11-29T23:30:00Z")).toBe("29 Nov 2026");
    expect(formatDate(null)).toBe("—");
    expect(formatDate("not a date")).toBe("—");
  });
  it("says how long ago in the largest whole unit", () => {
    const now = new Date("2026-11-30T12:00:00Z");
    expect(formatAgo("2026-11-30T11:59:30Z", now)).toBe("30 s ago");
    expect(formatAgo("2026-11-30T09:00:00Z", now)).toBe("3 h ago");
    expect(formatAgo("2026-11-27T12:00:00Z", now)).toBe("3 d ago");
    expect(formatDuration(125)).toBe("2 min");
  });
});

describe("labels", () => {
  it("humanizes wire values", () => {
    expect(humanize("ux_confusion")).toBe("Ux confusion");
    expect(pmStatusLabel("wont_fix")).toBe("Won't fix");
    expect(pmStatusLabel("someday")).toBe("Someday");
  });
});
