//! A file of Zendesk tickets, one JSON object per line, in the shape of the Tickets API with
//! the requester, organization and comments inlined (what `ingest import` reads, and the
//! bundled sample data).

use crate::source::{SourceError, TicketSource};
use chrono::{DateTime, Duration, Utc};
use domain::{IncomingTicket, SourceKind};
use futures::future::BoxFuture;
use serde::Deserialize;

/// Tickets handed to the sync loop at a time.
const BATCH: usize = 200;

#[derive(Debug, Deserialize)]
pub struct ZendeskTicket {
    pub id: i64,
    pub subject: Option<String>,
    pub description: Option<String>,
    pub status: Option<String>,
    pub priority: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: Option<DateTime<Utc>>,
    pub requester: Option<ZendeskUser>,
    /// The requester by id, as the API returns it (resolved from side-loaded users).
    #[serde(default)]
    pub requester_id: Option<i64>,
    pub organization: Option<ZendeskOrganization>,
    pub organization_id: Option<i64>,
    #[serde(default)]
    pub comments: Vec<ZendeskComment>,
}

#[derive(Debug, Deserialize)]
pub struct ZendeskUser {
    pub email: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct ZendeskOrganization {
    pub id: Option<i64>,
    pub name: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct ZendeskComment {
    #[serde(alias = "plain_body")]
    pub body: String,
    #[serde(default = "default_public")]
    pub public: bool,
    pub created_at: Option<DateTime<Utc>>,
}

fn default_public() -> bool {
    true
}

impl ZendeskTicket {
    /// Normalizes the ticket. The first public comment repeats the description in Zendesk, so
    /// it is not stored twice; public replies and internal notes are kept apart.
    pub fn into_incoming(self) -> IncomingTicket {
        let description = self.description.filter(|d| !d.trim().is_empty());
        let format = |comments: Vec<&ZendeskComment>| {
            let text = comments
                .iter()
                .map(|c| match c.created_at {
                    Some(at) => format!("[{}] {}", at.format("%Y-%m-%d %H:%M"), c.body.trim()),
                    None => c.body.trim().to_string(),
                })
                .collect::<Vec<_>>()
                .join("\n\n");
            (!text.is_empty()).then_some(text)
        };
        let mut public: Vec<&ZendeskComment> = self.comments.iter().filter(|c| c.public).collect();
        if let (Some(first), Some(d)) = (public.first(), description.as_deref()) {
            if first.body.trim() == d.trim() {
                public.remove(0);
            }
        }
        let internal: Vec<&ZendeskComment> = self.comments.iter().filter(|c| !c.public).collect();
        IncomingTicket {
            source: SourceKind::Zendesk,
            source_id: self.id.to_string(),
            subject: self.subject,
            description,
            public_comments: format(public),
            internal_notes: format(internal),
            requester_email: self.requester.and_then(|r| r.email),
            requester_org_name: self.organization.as_ref().and_then(|o| o.name.clone()),
            source_org_id: self
                .organization
                .as_ref()
                .and_then(|o| o.id)
                .or(self.organization_id),
            tags: self.tags,
            status: self.status,
            priority: self.priority,
            created_at: self.created_at,
            updated_at: self.updated_at.unwrap_or(self.created_at),
        }
    }
}

/// A file of Zendesk tickets, parsed up front (line by line, so one bad line is reported by
/// number and the rest still import).
pub struct ZendeskFile {
    kind: SourceKind,
    total: usize,
    records: std::vec::IntoIter<Result<IncomingTicket, SourceError>>,
}

impl ZendeskFile {
    /// Parses JSON lines; with `rebase_to`, shifts timestamps so the newest creation is five
    /// minutes before it.
    pub fn parse(text: &str, rebase_to: Option<DateTime<Utc>>) -> Self {
        let records: Vec<Result<IncomingTicket, SourceError>> = text
            .lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty())
            .map(|(i, line)| {
                serde_json::from_str::<ZendeskTicket>(line)
                    .map(ZendeskTicket::into_incoming)
                    .map_err(|e| SourceError {
                        location: format!("line {}", i + 1),
                        message: e.to_string(),
                    })
            })
            .collect();
        Self::from_records(SourceKind::Zendesk, records, rebase_to)
    }

    /// Records parsed elsewhere (the JSON export document, CSV), rebased like [`Self::parse`].
    pub fn from_records(
        kind: SourceKind,
        mut records: Vec<Result<IncomingTicket, SourceError>>,
        rebase_to: Option<DateTime<Utc>>,
    ) -> Self {
        if let Some(now) = rebase_to {
            let newest = records.iter().flatten().map(|t| t.created_at).max();
            if let Some(newest) = newest {
                let shift = (now - Duration::minutes(5)) - newest;
                for t in records.iter_mut().flatten() {
                    t.created_at += shift;
                    t.updated_at = (t.updated_at + shift).min(now);
                }
            }
        }
        ZendeskFile {
            kind,
            total: records.len(),
            records: records.into_iter(),
        }
    }

    /// How many records the file holds (tickets and unreadable ones).
    pub fn len(&self) -> usize {
        self.total
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }
}

impl TicketSource for ZendeskFile {
    fn kind(&self) -> SourceKind {
        self.kind
    }

    fn next_batch(
        &mut self,
    ) -> BoxFuture<'_, anyhow::Result<Option<Vec<Result<IncomingTicket, SourceError>>>>> {
        let batch: Vec<_> = self.records.by_ref().take(BATCH).collect();
        Box::pin(async move { Ok((!batch.is_empty()).then_some(batch)) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = r#"{"id": 7, "subject": "Clock down", "description": "The clock is down.", "status": "open", "priority": null, "tags": ["hw"], "created_at": "2026-11-01T10:00:00Z", "updated_at": "2026-11-01T12:00:00Z", "requester": {"id": 1, "name": "A", "email": "a@acme.com"}, "organization": {"id": 5, "name": "Acme"}, "comments": [{"id": 1, "author_id": 1, "public": true, "body": "The clock is down.", "created_at": "2026-11-01T10:00:00Z"}, {"id": 2, "author_id": 9, "public": true, "body": "Try a reboot.", "created_at": "2026-11-01T11:00:00Z"}, {"id": 3, "author_id": 9, "public": false, "body": "Firmware 3.2 bug", "created_at": "2026-11-01T11:30:00Z"}]}"#;

    fn parse_one(text: &str) -> IncomingTicket {
        let mut f = ZendeskFile::parse(text, None);
        f.records.next().unwrap().unwrap()
    }

    #[test]
    fn comments_are_split_into_public_replies_and_internal_notes() {
        let t = parse_one(LINE);
        assert_eq!(t.source_id, "7");
        assert_eq!(t.requester_org_name.as_deref(), Some("Acme"));
        assert_eq!(
            t.public_comments.as_deref(),
            Some("[2026-11-01 11:00] Try a reboot.")
        );
        assert_eq!(
            t.internal_notes.as_deref(),
            Some("[2026-11-01 11:30] Firmware 3.2 bug")
        );
        assert_eq!(t.source_org_id, Some(5));
    }

    #[test]
    fn a_bad_line_is_reported_by_number_and_the_rest_still_parse() {
        let text = format!("{LINE}\n\n{{\"id\": \"x\"}}\n{LINE}\n");
        let records: Vec<_> = ZendeskFile::parse(&text, None).records.collect();
        assert_eq!(records.len(), 3);
        let err = records[1].as_ref().unwrap_err();
        assert_eq!(err.location, "line 3");
        assert!(records[2].is_ok());
    }

    #[test]
    fn rebasing_moves_every_ticket_by_the_same_amount() {
        let older = LINE
            .replace("\"id\": 7", "\"id\": 8")
            .replace("2026-11-01T10:00:00Z", "2026-10-25T10:00:00Z");
        let now: DateTime<Utc> = "2026-12-01T00:00:00Z".parse().unwrap();
        let records: Vec<_> = ZendeskFile::parse(&format!("{LINE}\n{older}"), Some(now))
            .records
            .map(Result::unwrap)
            .collect();
        assert_eq!(records[0].created_at, now - Duration::minutes(5));
        assert_eq!(
            records[0].created_at - records[1].created_at,
            Duration::days(7)
        );
        assert!(records.iter().all(|t| t.updated_at <= now));
    }
}
