//! Accepting one ticket from any channel: the one place that decides whether it needs analysis.

use chrono::{DateTime, Duration, TimeZone, Utc};
use db::models::ticket::{self, Upserted};
use domain::IncomingTicket;

/// How far in the future a ticket's time may be (clock skew between a source and us).
pub const MAX_FUTURE: Duration = Duration::days(1);

/// The earliest ticket time accepted: no help desk this product reads predates it, and a
/// year-0001 default would show as a cluster "first seen 0001".
pub fn earliest() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(1990, 1, 1, 0, 0, 0)
        .single()
        .expect("a valid date")
}

/// Why a ticket's `created_at`/`updated_at` are not plausible, if they are not: before 1990,
/// more than [`MAX_FUTURE`] ahead of `now`, or updated before it was created.
pub fn implausible_dates(ticket: &IncomingTicket, now: DateTime<Utc>) -> Option<String> {
    for (field, at) in [
        ("created_at", ticket.created_at),
        ("updated_at", ticket.updated_at),
    ] {
        if at < earliest() {
            return Some(format!("{field} {at} is before 1990"));
        }
        if at > now + MAX_FUTURE {
            return Some(format!("{field} {at} is more than a day in the future"));
        }
    }
    (ticket.updated_at < ticket.created_at)
        .then(|| "updated_at must not be before created_at".to_string())
}

/// Upserts the ticket by (source, source id) and, when it is new or its analyzed text changed,
/// queues it for analysis. Idempotent: the same ticket twice stores one row and queues once.
///
/// If queueing fails after the upsert, the ticket is stored but not queued; the analyzer's
/// reconciler finds it (its text is not analyzed) and queues it, so nothing is lost.
pub async fn accept(
    conn: &mut db::PgConn,
    queues: &queue::Queues,
    incoming: &IncomingTicket,
) -> anyhow::Result<Upserted> {
    let upserted = ticket::upsert(conn, incoming).await?;
    if upserted.content_changed {
        queues.enqueue_analyze(upserted.id).await?;
    }
    Ok(upserted)
}

/// [`accept`] for many tickets: one upsert statement and one enqueue for the lot (file imports
/// and Zendesk export pages). The result is in the order of `incoming`.
pub async fn accept_batch(
    conn: &mut db::PgConn,
    queues: &queue::Queues,
    incoming: &[IncomingTicket],
) -> anyhow::Result<Vec<Upserted>> {
    let upserted = ticket::upsert_many(conn, incoming).await?;
    let changed: Vec<_> = upserted
        .iter()
        .filter(|u| u.content_changed)
        .map(|u| u.id)
        .collect();
    queues.enqueue_analyze_many(&changed).await?;
    Ok(upserted)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(created: DateTime<Utc>, updated: DateTime<Utc>) -> IncomingTicket {
        IncomingTicket {
            source: domain::SourceKind::Api,
            source_id: "1".into(),
            subject: Some("s".into()),
            description: None,
            public_comments: None,
            internal_notes: None,
            requester_email: None,
            requester_org_name: None,
            source_org_id: None,
            tags: Vec::new(),
            status: None,
            priority: None,
            created_at: created,
            updated_at: updated,
        }
    }

    #[test]
    fn ticket_times_must_fall_between_1990_and_tomorrow() {
        let now = Utc::now();
        let year = |y| Utc.with_ymd_and_hms(y, 6, 1, 0, 0, 0).unwrap();
        assert_eq!(implausible_dates(&at(year(2020), year(2021)), now), None);
        assert!(implausible_dates(&at(year(1), year(1)), now).is_some());
        assert!(implausible_dates(&at(year(9999), year(9999)), now).is_some());
        assert!(implausible_dates(&at(year(2020), year(9999)), now).is_some());
        assert!(
            implausible_dates(&at(now + Duration::hours(2), now + Duration::hours(2)), now)
                .is_none()
        );
        assert!(implausible_dates(&at(year(2021), year(2020)), now).is_some());
    }
}
