//! The taxonomy in the database: the rows the foreign keys of issues and clusters point at.

use crate::schema::taxonomy_subcategories::dsl as t;
use diesel::prelude::*;
use diesel::upsert::excluded;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use domain::Taxonomy;

/// Makes the table match `taxonomy`: its subcategories are upserted and active, any other is
/// retired (kept, because issues may reference it, but refused for new issues by the
/// analyzer's validation). Returns the number of active subcategories.
pub async fn sync(conn: &mut AsyncPgConnection, taxonomy: &Taxonomy) -> QueryResult<usize> {
    let rows: Vec<_> = taxonomy
        .pairs()
        .map(|(c, s)| {
            (
                t::category.eq(c.key.clone()),
                t::subcategory.eq(s.key.clone()),
                t::category_label.eq(c.label.clone()),
                t::label.eq(s.label.clone()),
                t::description.eq(s.description.clone()),
                t::retired.eq(false),
            )
        })
        .collect();
    let keep: Vec<String> = taxonomy
        .pairs()
        .map(|(c, s)| format!("{}/{}", c.key, s.key))
        .collect();
    conn.transaction(async |conn| {
        diesel::insert_into(t::taxonomy_subcategories)
            .values(&rows)
            .on_conflict((t::category, t::subcategory))
            .do_update()
            .set((
                t::category_label.eq(excluded(t::category_label)),
                t::label.eq(excluded(t::label)),
                t::description.eq(excluded(t::description)),
                t::retired.eq(false),
            ))
            .execute(conn)
            .await?;
        diesel::sql_query(
            "UPDATE taxonomy_subcategories SET retired = TRUE \
             WHERE NOT (category || '/' || subcategory = ANY($1))",
        )
        .bind::<diesel::sql_types::Array<diesel::sql_types::Text>, _>(&keep)
        .execute(conn)
        .await?;
        Ok(rows.len())
    })
    .await
}
