import type { Metadata } from "next";
import { authApi } from "@/lib/auth/api";
import { ssoErrorMessage } from "@/lib/auth/messages";
import { safeNextPath } from "@/lib/auth/paths";
import { startSso } from "@/lib/server/auth-actions";
import type { SearchParams } from "@/lib/query";
import { LoginForm } from "@/components/auth/login-form";
import { Card } from "@/components/ui/card";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Sign in" };

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

export default async function LoginPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const params = await searchParams;
  const next = safeNextPath(first(params.next));
  const notice = ssoErrorMessage(params.error);
  const providers = await authApi.providers();
  const oidc = providers.ok ? providers.data.oidc : null;

  return (
    <div className="mx-auto mt-10 max-w-sm space-y-4">
      <h1 className="text-xl font-semibold tracking-tight text-slate-900">Sign in to Issue Miner</h1>
      {notice ? (
        <p role="alert" data-testid="login-notice" className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
          {notice}
        </p>
      ) : null}
      {!providers.ok ? (
        <p role="alert" data-testid="login-api-down" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-900">
          Signing in is not possible right now: {providers.message}
        </p>
      ) : null}
      <Card>
        <LoginForm next={next} />
        {oidc ? (
          <form action={startSso.bind(null, next)} className="mt-4 border-t border-slate-200 pt-4">
            <button type="submit" className="btn-secondary w-full">
              Sign in with {oidc.name}
            </button>
          </form>
        ) : null}
      </Card>
    </div>
  );
}
