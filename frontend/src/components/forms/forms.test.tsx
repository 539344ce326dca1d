import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

// The server actions call the API with the server's token; here they are replaced by spies so
// the forms' own behaviour (what they send, what they show) is what is tested.
const saveClusterReview = vi.fn();
const retryJob = vi.fn();
const setClusterActive = vi.fn();
vi.mock("@/lib/server/actions", () => ({
  saveClusterReview: (...args: unknown[]) => saveClusterReview(...args),
  setClusterActive: (...args: unknown[]) => setClusterActive(...args),
  retryJob: (...args: unknown[]) => retryJob(...args),
  triggerSync: vi.fn(),
}));

import { ActiveForm } from "./active-form";
import { ReviewForm } from "./review-form";
import { RetryButton } from "./ops-forms";

beforeEach(() => {
  saveClusterReview.mockReset();
  retryJob.mockReset();
  setClusterActive.mockReset();
});

describe("ActiveForm", () => {
  it("closes an active cluster after the PM confirms", async () => {
    setClusterActive.mockResolvedValue({ ok: true, message: "Closed", at: 4 });
    const confirm = vi.spyOn(window, "confirm").mockReturnValue(true);
    render(<ActiveForm clusterId="c-1" active={true} />);

    await userEvent.click(screen.getByRole("button", { name: "Close cluster" }));

    expect(await screen.findByRole("status")).toHaveTextContent("Closed");
    expect(confirm).toHaveBeenCalledOnce();
    expect(setClusterActive.mock.calls[0].slice(0, 2)).toEqual(["c-1", false]);
    confirm.mockRestore();
  });

  it("sends nothing when the PM cancels the confirmation", async () => {
    const confirm = vi.spyOn(window, "confirm").mockReturnValue(false);
    render(<ActiveForm clusterId="c-1" active={true} />);

    await userEvent.click(screen.getByRole("button", { name: "Close cluster" }));

    expect(setClusterActive).not.toHaveBeenCalled();
    confirm.mockRestore();
  });

  it("reopens a closed cluster without asking and shows the API's refusal", async () => {
    setClusterActive.mockResolvedValue({ ok: false, message: "cluster c-1 was merged into c-2; it cannot be reopened", at: 5 });
    render(<ActiveForm clusterId="c-1" active={false} />);

    await userEvent.click(screen.getByRole("button", { name: "Reopen cluster" }));

    expect(await screen.findByRole("alert")).toHaveTextContent("cannot be reopened");
    expect(setClusterActive.mock.calls[0].slice(0, 2)).toEqual(["c-1", true]);
  });
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

  it("says so when the dashboard's server cannot be reached, and lets the PM try again", async () => {
    saveClusterReview.mockRejectedValueOnce(new Error("Failed to fetch")).mockResolvedValueOnce({ ok: true, message: "Saved", at: 6 });
    render(<ReviewForm clusterId="c-1" status="new" notes="" statuses={["new"]} />);

    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("could not reach its server: Failed to fetch");

    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    expect(await screen.findByRole("status")).toHaveTextContent("Saved");
    expect(saveClusterReview).toHaveBeenCalledTimes(2);
  });

  it("sends one save for a double click and reads “Saving…” until the answer", async () => {
    let answer: (r: { ok: boolean; message: string; at: number }) => void = () => {};
    saveClusterReview.mockReturnValue(new Promise((resolve) => (answer = resolve)));
    render(<ReviewForm clusterId="c-1" status="new" notes="" statuses={["new"]} />);

    await userEvent.dblClick(screen.getByRole("button", { name: "Save" }));
    expect(screen.getByRole("button", { name: "Saving…" })).toBeDisabled();
    expect(screen.getByRole("status")).toHaveTextContent("");
    answer({ ok: true, message: "Saved", at: 7 });

    await waitFor(() => expect(screen.getByRole("status")).toHaveTextContent("Saved"));
    expect(screen.getByRole("button", { name: "Save" })).toBeEnabled();
    expect(saveClusterReview).toHaveBeenCalledOnce();
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
