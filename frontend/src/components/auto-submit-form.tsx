"use client";

import { useEffect, useState, type ReactNode } from "react";

/** A GET form (the URL is the state) whose selects, checkboxes and dates apply as soon as they
 * change. It stays a plain browser form submission — it works without JavaScript and by
 * keyboard with its submit button — and only leaves empty fields out of the URL. (Client-side
 * router navigation from a submit handler was measured to lose the navigation now and then.) */
export function AutoSubmitForm({ action, children, label }: { action: string; children: ReactNode; label: string }) {
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
        // The form data is taken when the submission starts, so fields disabled now are left
        // out, and enabling them again right after changes nothing (but a page restored from
        // the back/forward cache has them usable).
        const empty = [...e.currentTarget.elements].filter(
          (el): el is HTMLInputElement | HTMLSelectElement =>
            (el instanceof HTMLInputElement || el instanceof HTMLSelectElement) && el.name !== "" && el.value.trim() === "",
        );
        for (const el of empty) el.disabled = true;
        setTimeout(() => empty.forEach((el) => (el.disabled = false)), 0);
      }}
      className="flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-3 shadow-xs"
    >
      {children}
    </form>
  );
}
