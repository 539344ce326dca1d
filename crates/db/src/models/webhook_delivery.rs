//! Webhook deliveries seen recently, by the platform's id for them: what makes a captured,
//! validly signed delivery useless to replay within the window.

use crate::schema::webhook_deliveries;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// How long a delivery id is remembered. Platforms retry for hours (Slack minutes, Meta up
/// to a day, Zendesk a day); a week covers them with room.
pub const WINDOW: chrono::Duration = chrono::Duration::days(7);

/// Records each id as seen at `now`; returns the ids that were not seen within [`WINDOW`]
/// (all of them for a new delivery, none for a replay). Ids older than the window are
/// forgotten on the way.
pub async fn first_seen(
    conn: &mut AsyncPgConnection,
    source: &str,
    ids: &[String],
    now: DateTime<Utc>,
) -> QueryResult<Vec<String>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    diesel::delete(
        webhook_deliveries::table.filter(webhook_deliveries::received_at.lt(now - WINDOW)),
    )
    .execute(conn)
    .await?;
    let rows: Vec<_> = ids
        .iter()
        .map(|id| {
            (
                webhook_deliveries::source.eq(source),
                webhook_deliveries::delivery_id.eq(id),
                webhook_deliveries::received_at.eq(now),
            )
        })
        .collect();
    diesel::insert_into(webhook_deliveries::table)
        .values(rows)
        .on_conflict_do_nothing()
        .returning(webhook_deliveries::delivery_id)
        .get_results(conn)
        .await
}

/// Forgets ids recorded by [`first_seen`] for a delivery that then failed to store, so the
/// platform's retry is processed rather than refused as a replay.
pub async fn forget(conn: &mut AsyncPgConnection, source: &str, ids: &[String]) -> QueryResult<()> {
    diesel::delete(
        webhook_deliveries::table
            .filter(webhook_deliveries::source.eq(source))
            .filter(webhook_deliveries::delivery_id.eq_any(ids)),
    )
    .execute(conn)
    .await?;
    Ok(())
}
