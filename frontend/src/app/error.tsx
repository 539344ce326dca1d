"use client";

import { ErrorState } from "@/components/ui/states";

/** The last resort when a page throws: what happened and a way to try again, never a blank page.
 * (Production builds hide server error messages; the digest matches the server's log.) */
export default function PageError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  const message =
    process.env.NODE_ENV === "production" && error.digest
      ? `The dashboard's server failed to render this page (error ${error.digest}; its log has the details).`
      : error.message;
  return (
    <ErrorState title="Something went wrong" message={message}>
      <button type="button" className="btn-secondary" onClick={reset}>
        Try again
      </button>
    </ErrorState>
  );
}
