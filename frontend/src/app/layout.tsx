import type { Metadata } from "next";
import Link from "next/link";
import { HydrationMarker } from "@/components/hydration-marker";
import { Nav } from "@/components/nav";
import { UserMenu } from "@/components/auth/user-menu";
import { currentUser } from "@/lib/auth/session";
import { controlsFor } from "@/lib/auth/roles";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Issue Miner", template: "%s · Issue Miner" },
  description: "Product issues mined from support tickets",
};

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  const me = await currentUser(); // null on /login: no session, no nav
  return (
    <html lang="en">
      <body className="min-h-screen">
        <HydrationMarker />
        <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2">
          Skip to content
        </a>
        <header className="bg-slate-900">
          <div className="mx-auto flex max-w-7xl flex-wrap items-center justify-between gap-3 px-4 py-2.5 sm:px-6">
            <Link prefetch={false} href="/" className="flex items-center gap-2 text-sm font-semibold text-white">
              <span aria-hidden="true" className="grid h-6 w-6 place-items-center rounded bg-indigo-500 text-xs font-bold">IM</span>
              Issue Miner
            </Link>
            {me ? (
              <div className="flex flex-wrap items-center gap-4">
                <Nav operate={controlsFor(me.ok ? me.data.scope : null).operate} />
                {me.ok ? <UserMenu me={me.data} /> : null}
              </div>
            ) : null}
          </div>
        </header>
        <main id="main" className="mx-auto max-w-7xl px-4 py-6 sm:px-6">
          {children}
        </main>
      </body>
    </html>
  );
}
