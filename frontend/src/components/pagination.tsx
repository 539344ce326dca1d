import { formatNumber } from "@/lib/format";
import { withParams, type SearchParams } from "@/lib/query";

export function Pagination({
  path,
  params,
  page,
  pages,
  total,
  perPage,
  noun,
}: {
  path: string;
  params: SearchParams;
  page: number;
  pages: number;
  total: number;
  perPage: number;
  noun: string;
}) {
  const from = total === 0 ? 0 : (page - 1) * perPage + 1;
  const to = Math.min(total, page * perPage);
  const link = (p: number, label: string, rel: string) =>
    p >= 1 && p <= pages && p !== page ? (
      <a href={`${path}${withParams(params, { page: String(p) })}`} rel={rel} className="btn-secondary">
        {label}
      </a>
    ) : (
      <span className="btn-secondary pointer-events-none opacity-50" aria-disabled="true">
        {label}
      </span>
    );
  return (
    <nav aria-label="Pagination" className="mt-3 flex flex-wrap items-center justify-between gap-3 text-sm text-slate-700">
      <p data-testid="range">
        {formatNumber(from)}–{formatNumber(to)} of <span data-testid="total">{formatNumber(total)}</span> {noun}
      </p>
      <div className="flex items-center gap-2">
        {link(page - 1, "← Previous", "prev")}
        <span className="tabular-nums">
          Page {page} of {Math.max(1, pages)}
        </span>
        {link(page + 1, "Next →", "next")}
      </div>
    </nav>
  );
}
