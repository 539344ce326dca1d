import type { Me } from "@/lib/auth/api";

const ROLE_LABELS: Record<string, string> = { viewer: "Viewer", editor: "Editor", admin: "Admin" };

/** Who is signed in, their role, and Sign out (a plain form post: works without JavaScript). */
export function UserMenu({ me }: { me: Me }) {
  const role = me.role ? ROLE_LABELS[me.role] ?? me.role : `API token (${me.scope})`;
  return (
    <div className="flex items-center gap-3 text-sm" data-testid="user-menu">
      <span className="text-slate-300">
        <span className="font-medium text-white" data-testid="user-name" title={me.email ?? undefined}>
          {me.name || me.email}
        </span>{" "}
        <span className="rounded bg-slate-700 px-1.5 py-0.5 text-xs font-medium text-slate-100" data-testid="user-role">
          {role}
        </span>
      </span>
      <form method="post" action="/auth/logout">
        <button type="submit" className="rounded-md px-2 py-1 text-sm font-medium text-slate-300 hover:bg-slate-800 hover:text-white">
          Sign out
        </button>
      </form>
    </div>
  );
}
