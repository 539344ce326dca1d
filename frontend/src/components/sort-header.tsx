import { withParams, type SearchParams } from "@/lib/query";

/** A column header that sorts the list by its field (in the URL); a second click flips it. */
export function SortHeader({
  path,
  params,
  field,
  current,
  label,
  defaultDir = "desc",
  align = "left",
}: {
  path: string;
  params: SearchParams;
  field: string;
  current: string;
  label: string;
  defaultDir?: "asc" | "desc";
  align?: "left" | "right";
}) {
  const [curField, curDir] = current.split(":");
  const active = curField === field;
  const next = active ? (curDir === "desc" ? "asc" : "desc") : defaultDir;
  return (
    <th scope="col" aria-sort={active ? (curDir === "asc" ? "ascending" : "descending") : "none"} className={`px-3 py-2 font-medium ${align === "right" ? "text-right" : "text-left"}`}>
      <a href={`${path}${withParams(params, { sort: `${field}:${next}` })}`} className="inline-flex items-center gap-1 hover:text-indigo-700">
        {label}
        <span aria-hidden="true" className={active ? "text-indigo-700" : "text-slate-400"}>
          {active ? (curDir === "asc" ? "↑" : "↓") : "↕"}
        </span>
      </a>
    </th>
  );
}
