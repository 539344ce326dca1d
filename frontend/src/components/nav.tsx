"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

const LINKS = [
  { href: "/", label: "Overview" },
  { href: "/clusters", label: "Clusters" },
  { href: "/issues", label: "Issues" },
  { href: "/ops", label: "Operations", adminOnly: true },
];

/** The main links; Operations only for those who may operate (admins). */
export function Nav({ operate }: { operate: boolean }) {
  const pathname = usePathname();
  return (
    <nav aria-label="Main" className="flex items-center gap-1">
      {LINKS.filter((l) => operate || !l.adminOnly).map(({ href, label }) => {
        const active = href === "/" ? pathname === "/" : pathname.startsWith(href);
        return (
          <Link
            prefetch={false}
            key={href}
            href={href}
            aria-current={active ? "page" : undefined}
            className={`rounded-md px-3 py-1.5 text-sm font-medium ${
              active ? "bg-slate-800 text-white" : "text-slate-300 hover:bg-slate-800 hover:text-white"
            }`}
          >
            {label}
          </Link>
        );
      })}
    </nav>
  );
}
