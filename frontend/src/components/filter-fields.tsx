import type { Taxonomy } from "@/lib/api/types";
import { humanize, pmStatusLabel } from "@/lib/format";

export function SelectField({
  name,
  label,
  value,
  options,
  allLabel = "All",
  className = "w-44",
}: {
  name: string;
  label: string;
  value: string | undefined;
  options: { value: string; label: string }[];
  allLabel?: string;
  className?: string;
}) {
  const id = `filter-${name}`;
  return (
    <div className={className}>
      <label htmlFor={id} className="field-label">
        {label}
      </label>
      <select id={id} name={name} defaultValue={value ?? ""} className="field">
        <option value="">{allLabel}</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

/** Category and subcategory; the subcategories of the chosen category, or all of them grouped. */
export function TaxonomyFields({ taxonomy, category, subcategory }: { taxonomy: Taxonomy | null; category?: string; subcategory?: string }) {
  const categories = taxonomy?.categories ?? [];
  const shown = category ? categories.filter((c) => c.key === category) : categories;
  return (
    <>
      <SelectField
        name="category"
        label="Category"
        value={category}
        options={categories.map((c) => ({ value: c.key, label: c.label }))}
        allLabel="All categories"
      />
      <div className="w-52">
        <label htmlFor="filter-subcategory" className="field-label">
          Subcategory
        </label>
        <select id="filter-subcategory" name="subcategory" defaultValue={subcategory ?? ""} className="field">
          <option value="">All subcategories</option>
          {shown.map((c) => (
            <optgroup key={c.key} label={c.label}>
              {c.subcategories.map((s) => (
                <option key={s.key} value={s.key}>
                  {s.label}
                </option>
              ))}
            </optgroup>
          ))}
        </select>
      </div>
    </>
  );
}

export function pmStatusOptions(taxonomy: Taxonomy | null) {
  return (taxonomy?.pm_statuses ?? []).map((p) => ({ value: p.key, label: pmStatusLabel(p.key) }));
}

export function issueTypeOptions(taxonomy: Taxonomy | null) {
  return (taxonomy?.issue_types ?? []).map((t) => ({ value: t.key, label: humanize(t.key) }));
}

/** Drops a subcategory that is not one of the chosen category's (left over after the category
 * changed), so a filter change never turns into a 400 from the API. */
export function consistentSubcategory(taxonomy: Taxonomy | null, category?: string, subcategory?: string): string | undefined {
  if (!category || !subcategory || !taxonomy) return subcategory;
  const cat = taxonomy.categories.find((c) => c.key === category);
  return cat?.subcategories.some((s) => s.key === subcategory) ? subcategory : undefined;
}
