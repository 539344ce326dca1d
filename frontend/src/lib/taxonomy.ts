import type { Taxonomy } from "@/lib/api/types";
import { humanize } from "@/lib/format";

/** Labels for the keys the API returns (`PAYROLL` → `Payroll`), from the taxonomy in use. */
export type Labels = {
  category(key: string): string;
  subcategory(category: string, key: string): string;
};

export function taxonomyLabels(taxonomy: Taxonomy | null): Labels {
  const categories = new Map<string, string>();
  const subcategories = new Map<string, string>();
  for (const c of taxonomy?.categories ?? []) {
    categories.set(c.key, c.label);
    for (const s of c.subcategories) subcategories.set(`${c.key}/${s.key}`, s.label);
  }
  return {
    category: (key) => categories.get(key) ?? humanize(key),
    subcategory: (category, key) => subcategories.get(`${category}/${key}`) ?? humanize(key),
  };
}
