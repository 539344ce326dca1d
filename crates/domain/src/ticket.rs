//! Tickets as they arrive from any channel, normalized.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Where a ticket came from. Together with the source's own id it identifies a ticket, so the
/// same conversation arriving twice (export and webhook, or a re-imported file) is one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    Zendesk,
    Slack,
    Intercom,
    Whatsapp,
    Api,
    Csv,
}

impl SourceKind {
    pub const ALL: &'static [SourceKind] = &[
        SourceKind::Zendesk,
        SourceKind::Slack,
        SourceKind::Intercom,
        SourceKind::Whatsapp,
        SourceKind::Api,
        SourceKind::Csv,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Zendesk => "zendesk",
            SourceKind::Slack => "slack",
            SourceKind::Intercom => "intercom",
            SourceKind::Whatsapp => "whatsapp",
            SourceKind::Api => "api",
            SourceKind::Csv => "csv",
        }
    }
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SourceKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SourceKind::ALL
            .iter()
            .copied()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown ticket source {s:?}"))
    }
}

/// A ticket normalized from any source, ready to be upserted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncomingTicket {
    pub source: SourceKind,
    /// The id the source gives the ticket (Zendesk's numeric id as text, a Slack thread ts …).
    pub source_id: String,
    pub subject: Option<String>,
    pub description: Option<String>,
    /// Public replies, oldest first, one per paragraph.
    pub public_comments: Option<String>,
    /// Internal notes (agents only), oldest first.
    pub internal_notes: Option<String>,
    pub requester_email: Option<String>,
    pub requester_org_name: Option<String>,
    pub source_org_id: Option<i64>,
    pub tags: Vec<String>,
    pub status: Option<String>,
    pub priority: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl IncomingTicket {
    /// A digest of the text an analyzer reads. A ticket whose digest did not change is not
    /// analyzed again, however often its other fields (status, tags, updated_at) change.
    pub fn content_hash(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut hasher = Sha256::new();
        for part in [
            &self.subject,
            &self.description,
            &self.public_comments,
            &self.internal_notes,
        ] {
            hasher.update(part.as_deref().unwrap_or_default().trim().as_bytes());
            // A separator that cannot occur in text keeps "ab"+"c" apart from "a"+"bc".
            hasher.update([0u8]);
        }
        hex::encode(hasher.finalize())
    }

    /// The ticket as it can be stored: PostgreSQL text and jsonb cannot hold a NUL character,
    /// which a source may still send (a pasted binary, a broken export); it is dropped from
    /// every field rather than failing the write (and, in a batch, its neighbours).
    pub fn storable(&self) -> std::borrow::Cow<'_, IncomingTicket> {
        let has_nul = |s: &str| s.contains('\0');
        let opt = |s: &Option<String>| s.as_deref().is_some_and(has_nul);
        let dirty = has_nul(&self.source_id)
            || [
                &self.subject,
                &self.description,
                &self.public_comments,
                &self.internal_notes,
                &self.requester_email,
                &self.requester_org_name,
                &self.status,
                &self.priority,
            ]
            .into_iter()
            .any(opt)
            || self.tags.iter().any(|t| has_nul(t));
        if !dirty {
            return std::borrow::Cow::Borrowed(self);
        }
        let strip = |s: &str| s.replace('\0', "");
        let strip_opt = |s: &Option<String>| s.as_deref().map(strip);
        std::borrow::Cow::Owned(IncomingTicket {
            source: self.source,
            source_id: strip(&self.source_id),
            subject: strip_opt(&self.subject),
            description: strip_opt(&self.description),
            public_comments: strip_opt(&self.public_comments),
            internal_notes: strip_opt(&self.internal_notes),
            requester_email: strip_opt(&self.requester_email),
            requester_org_name: strip_opt(&self.requester_org_name),
            source_org_id: self.source_org_id,
            tags: self.tags.iter().map(|t| strip(t)).collect(),
            status: strip_opt(&self.status),
            priority: strip_opt(&self.priority),
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }

    /// Everything an analyzer reads, as one text.
    pub fn full_text(&self) -> String {
        [
            &self.subject,
            &self.description,
            &self.public_comments,
            &self.internal_notes,
        ]
        .into_iter()
        .filter_map(|p| p.as_deref())
        .filter(|p| !p.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket() -> IncomingTicket {
        let t = "2026-11-01T10:00:00Z".parse().unwrap();
        IncomingTicket {
            source: SourceKind::Zendesk,
            source_id: "1".into(),
            subject: Some("Clock broken".into()),
            description: Some("It reboots".into()),
            public_comments: None,
            internal_notes: None,
            requester_email: None,
            requester_org_name: None,
            source_org_id: None,
            tags: vec![],
            status: Some("open".into()),
            priority: None,
            created_at: t,
            updated_at: t,
        }
    }

    #[test]
    fn content_hash_ignores_status_and_timestamps_but_not_text() {
        let a = ticket();
        let mut b = ticket();
        b.status = Some("solved".into());
        b.updated_at = "2026-11-02T10:00:00Z".parse().unwrap();
        assert_eq!(a.content_hash(), b.content_hash());
        b.internal_notes = Some("Escalated".into());
        assert_ne!(a.content_hash(), b.content_hash());
    }

    #[test]
    fn content_hash_keeps_fields_apart() {
        let mut a = ticket();
        a.subject = Some("ab".into());
        a.description = Some("c".into());
        let mut b = ticket();
        b.subject = Some("a".into());
        b.description = Some("bc".into());
        assert_ne!(a.content_hash(), b.content_hash());
    }

    #[test]
    fn source_kinds_round_trip() {
        for k in SourceKind::ALL {
            assert_eq!(k.as_str().parse::<SourceKind>().unwrap(), *k);
        }
        assert!("email".parse::<SourceKind>().is_err());
    }
}
