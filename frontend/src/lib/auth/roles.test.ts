import { describe, expect, it } from "vitest";
import { controlsFor } from "./roles";

describe("controlsFor", () => {
  it("gives a viewer (read) no editing controls and no operations", () => {
    expect(controlsFor("read")).toEqual({ edit: false, operate: false });
  });

  it("gives an editor (write) the editing controls but not operations", () => {
    expect(controlsFor("write")).toEqual({ edit: true, operate: false });
  });

  it("gives an admin everything", () => {
    expect(controlsFor("admin")).toEqual({ edit: true, operate: true });
  });

  it("shows nothing editable for an unknown or missing scope", () => {
    for (const scope of [null, undefined, "", "superuser", "toString"]) expect(controlsFor(scope)).toEqual({ edit: false, operate: false });
  });
});
