import type { ActionResult } from "@/lib/server/actions";

/** The outcome of a save, announced to screen readers: green on success, red with the API's
 * reason on failure. */
export function FormMessage({ result, testId }: { result: ActionResult | null; testId?: string }) {
  if (!result) return <span role="status" aria-live="polite" data-testid={testId} />;
  return (
    <span
      key={result.at}
      role={result.ok ? "status" : "alert"}
      aria-live="polite"
      data-testid={testId}
      data-ok={result.ok}
      className={`text-sm font-medium ${result.ok ? "text-emerald-700" : "text-red-700"}`}
    >
      {result.ok ? "✓ " : "✗ "}
      {result.message}
    </span>
  );
}
