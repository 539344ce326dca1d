import { Skeleton } from "@/components/ui/states";

export default function Loading() {
  return (
    <div role="status" aria-live="polite" className="space-y-3">
      <span className="sr-only">Loading issues…</span>
      <Skeleton className="h-7 w-48" />
      <Skeleton className="h-24" />
      {Array.from({ length: 10 }, (_, i) => (
        <Skeleton key={i} className="h-12" />
      ))}
    </div>
  );
}
