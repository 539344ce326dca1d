"use client";

import { useRef, useState, type FormEvent } from "react";
import type { ActionResult } from "@/lib/server/actions";

type Save = (previous: ActionResult | null, form: FormData) => Promise<ActionResult>;

/**
 * Submits a form to a server action and keeps the answer and the pending flag in plain React
 * state: `[answer, onSubmit, pending]`, the shape of `useActionState`.
 *
 * Not `useActionState` itself: in production builds (Next.js 15.5, React 19) an action's router
 * transition sometimes never commits (vercel/next.js #96233, #97990, #98303) and a form driven
 * by it stays "Saving…" with no answer although the save succeeded. Here the action is awaited
 * directly and its answer set outside that transition, so it shows whatever the router does; the
 * page's data still comes from the action's revalidation.
 *
 * With `confirm`, the person is asked first (`window.confirm`) and nothing is sent if they decline.
 */
export function useSave(save: Save, confirm?: string): [ActionResult | null, (event: FormEvent<HTMLFormElement>) => void, boolean] {
  const [result, setResult] = useState<ActionResult | null>(null);
  const [pending, setPending] = useState(false);
  const busy = useRef(false); // a double click lands before `pending` re-renders the button
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (busy.current || (confirm && !window.confirm(confirm))) return;
    busy.current = true;
    setPending(true);
    save(result, new FormData(event.currentTarget))
      .catch((error: unknown): ActionResult => ({
        ok: false,
        message: `The dashboard could not reach its server: ${error instanceof Error ? error.message : String(error)}`,
        at: Date.now(),
      }))
      .then(setResult)
      .finally(() => {
        busy.current = false;
        setPending(false);
      });
  };
  return [result, submit, pending];
}
