import { unstable_rethrow } from "next/navigation";
import { ApiError } from "./errors";

/** A page's data, or why it could not be loaded — rendered in place, so a failing API shows its
 * own message instead of the production build's anonymous error page. */
export type Loaded<T> = { ok: true; data: T } | { ok: false; status: number; message: string };

export function failure(error: unknown): { ok: false; status: number; message: string } {
  if (error instanceof ApiError && error.status === 403) {
    return { ok: false, status: 403, message: `Your role does not allow this (${error.message}).` };
  }
  if (error instanceof ApiError) return { ok: false, status: error.status, message: error.message };
  const cause = (error as { cause?: { code?: string } } | undefined)?.cause;
  if (error instanceof TypeError && cause?.code) {
    return { ok: false, status: 503, message: `The API is not reachable (${cause.code}).` };
  }
  return {
    ok: false,
    status: 500,
    message: error instanceof Error ? error.message : String(error),
  };
}

export async function load<T>(promise: Promise<T>): Promise<Loaded<T>> {
  try {
    return { ok: true, data: await promise };
  } catch (error) {
    unstable_rethrow(error); // a redirect to /login (session ended) is not a page's failure
    return failure(error);
  }
}
