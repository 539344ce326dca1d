/** What the signed-in person may do in the dashboard, from the API scope their role maps to
 * (viewer → read, editor → write, admin → admin). The API enforces the same scopes; the dashboard
 * only hides what would be refused. */

export type Scope = "read" | "write" | "admin";

/** The controls a page shows. */
export type Controls = {
  /** Curating: merge, rename, close/reopen, PM status and notes, correcting or moving an issue. */
  edit: boolean;
  /** Operations: the /ops page, triggering a sync, retrying jobs, replaying dead letters. */
  operate: boolean;
};

const RANK: Record<Scope, number> = { read: 0, write: 1, admin: 2 };

function rank(scope: string | null | undefined): number {
  return scope && Object.hasOwn(RANK, scope) ? RANK[scope as Scope] : -1;
}

/** An unknown scope shows nothing editable: the safe side. */
export function controlsFor(scope: string | null | undefined): Controls {
  return { edit: rank(scope) >= RANK.write, operate: rank(scope) >= RANK.admin };
}
