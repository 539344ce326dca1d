import { describe, expect, it } from "vitest";
import { bySeverity, SEVERITIES, severityStyle } from "./severity";

describe("severity colours", () => {
  it("gives each severity its own colour", () => {
    const hexes = SEVERITIES.map((s) => severityStyle(s).hex);
    expect(new Set(hexes).size).toBe(SEVERITIES.length);
  });
  it("sorts worst first and unknown values last", () => {
    expect(["low", "mystery", "critical", "medium"].sort(bySeverity)).toEqual(["critical", "medium", "low", "mystery"]);
  });
  it("labels an unknown value by itself in neutral grey", () => {
    expect(severityStyle("mystery")).toMatchObject({ label: "mystery", hex: "#64748b" });
  });
});
