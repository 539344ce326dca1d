"use server";

import { revalidatePath } from "next/cache";
import { unstable_rethrow } from "next/navigation";
import { api } from "@/lib/api/client";
import { unwrap } from "@/lib/api/errors";
import { failure } from "@/lib/api/load";
import type { ClusterPatch } from "@/lib/api/types";
import { issuePatch, type IssueLabels } from "@/lib/patch";

/** What a form shows after a save: success or the API's own reason for refusing. */
export type ActionResult = { ok: boolean; message: string; at: number };

async function run(work: () => Promise<string>, paths: string[]): Promise<ActionResult> {
  try {
    const message = await work();
    for (const p of paths) revalidatePath(p);
    return { ok: true, message, at: Date.now() };
  } catch (error) {
    unstable_rethrow(error); // the session ended: the redirect to /login goes through
    return { ok: false, message: failure(error).message, at: Date.now() };
  }
}

function text(form: FormData, key: string): string | undefined {
  const v = form.get(key);
  return typeof v === "string" ? v : undefined;
}

/** PM status and notes of a cluster (the notes are cleared when emptied). */
export async function saveClusterReview(clusterId: string, _prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  const notes = text(form, "pm_notes")?.trim();
  const body: ClusterPatch = { pm_status: text(form, "pm_status"), pm_notes: notes ? notes : null };
  return run(async () => {
    unwrap(await api().PATCH("/api/clusters/{id}", { params: { path: { id: clusterId } }, body }));
    return "Saved";
  }, [`/clusters/${clusterId}`, "/clusters"]);
}

export async function renameCluster(clusterId: string, _prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  const name = text(form, "name")?.trim() ?? "";
  if (!name) return { ok: false, message: "A cluster needs a name.", at: Date.now() };
  return run(async () => {
    unwrap(await api().PATCH("/api/clusters/{id}", { params: { path: { id: clusterId } }, body: { name } }));
    return "Renamed";
  }, [`/clusters/${clusterId}`, "/clusters", "/"]);
}

/** Closes (`active` false) or reopens a cluster. */
export async function setClusterActive(clusterId: string, active: boolean, _prev: ActionResult | null): Promise<ActionResult> {
  return run(async () => {
    unwrap(await api().PATCH("/api/clusters/{id}", { params: { path: { id: clusterId } }, body: { is_active: active } }));
    return active ? "Reopened" : "Closed";
  }, [`/clusters/${clusterId}`, "/clusters", "/"]);
}

export async function mergeCluster(clusterId: string, _prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  const into = text(form, "into");
  if (!into) return { ok: false, message: "Choose the cluster to merge into.", at: Date.now() };
  return run(async () => {
    const merged = unwrap(await api().POST("/api/clusters/{id}/merge", { params: { path: { id: clusterId } }, body: { into } }));
    return `Merged: ${merged.moved_issues} issues moved into “${merged.into.cluster_name}”`;
  }, [`/clusters/${clusterId}`, `/clusters/${into}`, "/clusters", "/"]);
}

/** A person's correction of an issue: its labels, or the cluster it belongs to. */
export async function correctIssue(issue: IssueLabels, _prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  const body = issuePatch(issue, form);
  if (Object.keys(body).length === 0) return { ok: false, message: "Nothing changed.", at: Date.now() };
  const paths = ["/issues", "/"];
  if (issue.cluster_id) paths.push(`/clusters/${issue.cluster_id}`);
  if (body.cluster_id) paths.push(`/clusters/${body.cluster_id}`);
  return run(async () => {
    unwrap(await api().PATCH("/api/issues/{id}", { params: { path: { id: issue.id } }, body }));
    return body.cluster_id ? "Moved" : "Corrected";
  }, paths);
}

export async function retryJob(queue: string, jobId: string, _prev: ActionResult | null): Promise<ActionResult> {
  return run(async () => {
    const queued = unwrap(await api().POST("/api/ops/queues/{queue}/jobs/{id}/retry", { params: { path: { queue, id: jobId } } }));
    return queued.message;
  }, []); // No revalidation: the row stays, with this message, until the operator reloads.
}

export async function triggerSync(_prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  const days = Number(text(form, "backfill_days") ?? "");
  const backfill_days = Number.isInteger(days) && days > 0 ? days : undefined;
  return run(async () => {
    const queued = unwrap(await api().POST("/api/sync/trigger", { params: { query: { backfill_days } } }));
    return queued.message;
  }, ["/ops"]);
}
