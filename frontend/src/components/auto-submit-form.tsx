"use client";

import type { ReactNode } from "react";

/** A GET form whose selects and checkboxes apply as soon as they change (the URL is the state);
 * it keeps an explicit submit button, so it also works without JavaScript and by keyboard. */
export function AutoSubmitForm({ action, children, label }: { action: string; children: ReactNode; label: string }) {
  return (
    <form
      method="get"
      action={action}
      aria-label={label}
      onChange={(e) => {
        const target = e.target as HTMLElement;
        if (target instanceof HTMLSelectElement || (target instanceof HTMLInputElement && target.type === "checkbox")) {
          e.currentTarget.requestSubmit();
        }
      }}
      className="flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-3 shadow-xs"
    >
      {children}
    </form>
  );
}
