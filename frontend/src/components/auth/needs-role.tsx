import Link from "next/link";

/** A page the signed-in person's role does not open: says which role it needs, never a crash. */
export function NeedsRole({ role, what }: { role: string; what: string }) {
  return (
    <div role="alert" data-testid="needs-role" className="mx-auto mt-10 max-w-lg rounded-lg border border-amber-200 bg-amber-50 px-5 py-4 text-sm text-amber-900">
      <p className="font-semibold">This page needs the {role} role</p>
      <p className="mt-1">
        {what} Ask an admin if you need it.{" "}
        <Link prefetch={false} href="/" className="link">
          Back to the overview
        </Link>
      </p>
    </div>
  );
}
