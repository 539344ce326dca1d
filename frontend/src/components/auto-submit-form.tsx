"use client";

import { useRouter } from "next/navigation";
import { useEffect, useState, type ReactNode } from "react";

/** A GET form whose selects and checkboxes apply as soon as they change (the URL is the state).
 * With JavaScript it navigates to a clean URL (no empty parameters); without, it is a plain GET
 * form with a submit button, which also serves keyboard users. */
export function AutoSubmitForm({ action, children, label }: { action: string; children: ReactNode; label: string }) {
  const router = useRouter();
  // Set once hydrated: from then on a change applies at once (browser tests wait for it).
  const [live, setLive] = useState(false);
  useEffect(() => setLive(true), []);
  return (
    <form
      data-live={live ? "true" : undefined}
      method="get"
      action={action}
      aria-label={label}
      onChange={(e) => {
        const target = e.target as HTMLElement;
        if (target instanceof HTMLSelectElement || (target instanceof HTMLInputElement && (target.type === "checkbox" || target.type === "date"))) {
          e.currentTarget.requestSubmit();
        }
      }}
      onSubmit={(e) => {
        e.preventDefault();
        const params = new URLSearchParams();
        for (const [key, value] of new FormData(e.currentTarget)) {
          if (typeof value === "string" && value.trim() !== "") params.append(key, value.trim());
        }
        const search = params.toString();
        router.push(search ? `${action}?${search}` : action);
      }}
      className="flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-3 shadow-xs"
    >
      {children}
    </form>
  );
}
