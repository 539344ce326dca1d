//! The wire format of the endpoints used (only the fields Issue Miner reads; the rest are
//! ignored).

use chrono::{DateTime, Utc};
use serde::Deserialize;

/// A ticket as the Tickets API and the incremental export return it.
#[derive(Debug, Clone, Deserialize)]
pub struct Ticket {
    pub id: i64,
    pub subject: Option<String>,
    pub description: Option<String>,
    /// `new`, `open`, `pending`, `hold`, `solved`, `closed` (`deleted` in the export).
    pub status: Option<String>,
    pub priority: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: Option<DateTime<Utc>>,
    pub requester_id: Option<i64>,
    pub organization_id: Option<i64>,
}

/// One page of `/api/v2/incremental/tickets/cursor.json`.
#[derive(Debug, Clone, Deserialize)]
pub struct ExportPage {
    #[serde(default)]
    pub tickets: Vec<Ticket>,
    /// Side-loaded with `include=users`.
    #[serde(default)]
    pub users: Vec<User>,
    /// Side-loaded with `include=organizations`.
    #[serde(default)]
    pub organizations: Vec<Organization>,
    pub after_cursor: Option<String>,
    pub after_url: Option<String>,
    /// True when this page reaches the present: stop, and start the next run from
    /// `after_cursor`.
    pub end_of_stream: bool,
}

/// `/api/v2/tickets/{id}.json`.
#[derive(Debug, Clone, Deserialize)]
pub struct TicketResponse {
    pub ticket: Ticket,
    #[serde(default)]
    pub users: Vec<User>,
    #[serde(default)]
    pub organizations: Vec<Organization>,
}

/// A ticket comment: the description is the first one; `public: false` is an internal note.
#[derive(Debug, Clone, Deserialize)]
pub struct Comment {
    pub id: i64,
    #[serde(default = "public_by_default")]
    pub public: bool,
    pub body: Option<String>,
    pub plain_body: Option<String>,
    pub author_id: Option<i64>,
    pub created_at: Option<DateTime<Utc>>,
}

fn public_by_default() -> bool {
    true
}

impl Comment {
    /// The comment as text: `plain_body` when present (no markdown/HTML), else `body`.
    pub fn text(&self) -> &str {
        self.plain_body
            .as_deref()
            .or(self.body.as_deref())
            .unwrap_or_default()
    }
}

/// `/api/v2/tickets/{id}/comments.json`: offset pagination (`next_page`) or cursor pagination
/// (`meta.has_more` + `links.next`).
#[derive(Debug, Clone, Deserialize)]
pub struct CommentsPage {
    #[serde(default)]
    pub comments: Vec<Comment>,
    pub next_page: Option<String>,
    pub meta: Option<CursorMeta>,
    pub links: Option<CursorLinks>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CursorMeta {
    #[serde(default)]
    pub has_more: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CursorLinks {
    pub next: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct User {
    pub id: i64,
    pub email: Option<String>,
    pub name: Option<String>,
    pub organization_id: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Organization {
    pub id: i64,
    pub name: Option<String>,
}

/// `/api/v2/users/show_many.json`.
#[derive(Debug, Clone, Deserialize)]
pub struct UsersPage {
    #[serde(default)]
    pub users: Vec<User>,
}

/// `/api/v2/organizations/show_many.json`.
#[derive(Debug, Clone, Deserialize)]
pub struct OrganizationsPage {
    #[serde(default)]
    pub organizations: Vec<Organization>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_export_page_as_zendesk_documents_it_parses() {
        let page: ExportPage = serde_json::from_str(
            r#"{"tickets":[{"id":35436,"url":"https://x.zendesk.com/api/v2/tickets/35436.json","subject":"Help","description":"The fire is very colorful.","status":"open","priority":"high","tags":["enterprise"],"requester_id":20978392,"organization_id":509974,"created_at":"2009-07-20T22:55:29Z","updated_at":"2011-05-05T10:38:52Z","custom_fields":[{"id":1,"value":"x"}]}],
               "after_url":"https://x.zendesk.com/api/v2/incremental/tickets/cursor.json?cursor=MTU4MDc1Mzc5OC4wfHw0MzJ8",
               "after_cursor":"MTU4MDc1Mzc5OC4wfHw0MzJ8","before_url":null,"before_cursor":null,"end_of_stream":false}"#,
        )
        .unwrap();
        assert_eq!(page.tickets[0].requester_id, Some(20978392));
        assert_eq!(
            page.after_cursor.as_deref(),
            Some("MTU4MDc1Mzc5OC4wfHw0MzJ8")
        );
        assert!(!page.end_of_stream);
    }

    #[test]
    fn comment_text_prefers_plain_body() {
        let c: Comment = serde_json::from_str(
            r#"{"id":1,"type":"Comment","public":false,"body":"**bold**","plain_body":"bold","author_id":2,"created_at":"2026-11-01T10:00:00Z"}"#,
        )
        .unwrap();
        assert_eq!(c.text(), "bold");
        assert!(!c.public);
    }
}
