import Link from "next/link";
import { EmptyState } from "@/components/ui/states";

export default function NotFound() {
  return (
    <EmptyState title="Not found">
      That page or cluster does not exist (a merged cluster keeps its page; a deleted one does not).{" "}
      <Link prefetch={false} href="/clusters" className="link">
        Back to clusters
      </Link>
    </EmptyState>
  );
}
