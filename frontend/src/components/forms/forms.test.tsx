import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

// The server actions call the API with the server's token; here they are replaced by spies so
// the forms' own behaviour (what they send, what they show) is what is tested.
const saveClusterReview = vi.fn();
const retryJob = vi.fn();
vi.mock("@/lib/server/actions", () => ({
  saveClusterReview: (...args: unknown[]) => saveClusterReview(...args),
  retryJob: (...args: unknown[]) => retryJob(...args),
  triggerSync: vi.fn(),
}));

import { ReviewForm } from "./review-form";
import { RetryButton } from "./ops-forms";

beforeEach(() => {
  saveClusterReview.mockReset();
  retryJob.mockReset();
});

describe("ReviewForm", () => {
  it("sends the chosen status and notes for this cluster and shows that they were saved", async () => {
    saveClusterReview.mockResolvedValue({ ok: true, message: "Saved", at: 1 });
    render(<ReviewForm clusterId="c-1" status="new" notes="" statuses={["new", "reviewing", "wont_fix"]} />);

    await userEvent.selectOptions(screen.getByLabelText("PM status"), "reviewing");
    await userEvent.type(screen.getByLabelText("Notes"), "Owned by the payroll squad");
    await userEvent.click(screen.getByRole("button", { name: "Save" }));

    expect(await screen.findByRole("status")).toHaveTextContent("Saved");
    const [clusterId, , form] = saveClusterReview.mock.calls[0] as [string, unknown, FormData];
    expect(clusterId).toBe("c-1");
    expect(form.get("pm_status")).toBe("reviewing");
    expect(form.get("pm_notes")).toBe("Owned by the payroll squad");
  });

  it("shows the API's reason when the save fails", async () => {
    saveClusterReview.mockResolvedValue({ ok: false, message: "unknown pm_status \"maybe\"", at: 2 });
    render(<ReviewForm clusterId="c-1" status="new" notes="" statuses={["new"]} />);

    await userEvent.click(screen.getByRole("button", { name: "Save" }));

    expect(await screen.findByRole("alert")).toHaveTextContent('unknown pm_status "maybe"');
  });

  it("offers every status by its label", () => {
    render(<ReviewForm clusterId="c-1" status="wont_fix" notes="n" statuses={["new", "wont_fix"]} />);
    expect(screen.getByLabelText("PM status")).toHaveDisplayValue("Won't fix");
    expect(screen.getByLabelText("Notes")).toHaveValue("n");
  });
});

describe("RetryButton", () => {
  it("retries that job of that queue once", async () => {
    retryJob.mockResolvedValue({ ok: true, message: "dead job 01J queued again", at: 3 });
    render(<RetryButton queue="sync" jobId="01J" />);

    await userEvent.click(screen.getByRole("button", { name: /Retry/ }));

    expect(await screen.findByRole("status")).toHaveTextContent("queued again");
    expect(retryJob.mock.calls[0].slice(0, 2)).toEqual(["sync", "01J"]);
    expect(screen.getByRole("button", { name: /Retry/ })).toBeDisabled();
  });
});
