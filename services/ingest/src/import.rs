//! `ingest import FILE`: tickets from a file, in one of three formats told apart by extension
//! and, failing that, by content:
//!
//! - **JSON lines** (`.jsonl`, `.ndjson`): one Zendesk ticket per line with requester,
//!   organization and comments inlined (the bundled sample data);
//! - **Zendesk JSON export** (`.json`): one document with a `tickets` array as the Tickets API
//!   returns it, optionally with side-loaded `users` and `organizations` (resolving
//!   `requester_id` and `organization_id`) and per-ticket `comments`;
//! - **CSV** (`.csv`): a header row and the columns listed in [`CsvRow`].

use crate::source::{SourceError, TicketSource};
use crate::zendesk_file::{ZendeskFile, ZendeskOrganization, ZendeskTicket, ZendeskUser};
use anyhow::Context as _;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use domain::{IncomingTicket, SourceKind};
use futures::future::BoxFuture;
use serde::Deserialize;
use std::collections::HashMap;
use std::path::Path;

/// Files with at least this many records show a progress bar (on a terminal).
const PROGRESS_FROM: usize = 1000;

/// The formats `ingest import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    JsonLines,
    ZendeskExport,
    Csv,
}

/// The format of `path`: its extension, or for other names a look at the content (a JSON
/// document with a `tickets` array is an export; a first line starting with `{` is JSON lines;
/// anything else is CSV).
pub fn detect(path: &Path, text: &str) -> Format {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("csv") => return Format::Csv,
        Some("jsonl" | "ndjson") => return Format::JsonLines,
        Some("json") if looks_like_export(text) => return Format::ZendeskExport,
        _ => {}
    }
    if looks_like_export(text) {
        Format::ZendeskExport
    } else if text.trim_start().starts_with('{') {
        Format::JsonLines
    } else {
        Format::Csv
    }
}

/// A document whose first key is `tickets`, or whose first line alone is not a complete JSON
/// value (a pretty-printed document).
fn looks_like_export(text: &str) -> bool {
    let trimmed = text.trim_start();
    if !trimmed.starts_with('{') {
        return false;
    }
    let first_line = trimmed.lines().next().unwrap_or_default();
    let head: String = trimmed
        .chars()
        .take(200)
        .filter(|c| !c.is_whitespace())
        .collect();
    head.starts_with("{\"tickets\":")
        || serde_json::from_str::<serde::de::IgnoredAny>(first_line).is_err()
}

/// Reads `path` in its format. With `rebase_dates`, every timestamp moves by the same amount
/// so that the newest ticket was created five minutes ago.
pub fn open(path: &Path, rebase_dates: bool) -> anyhow::Result<(Format, ZendeskFile)> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let format = detect(path, &text);
    let rebase = rebase_dates.then(Utc::now);
    let file = match format {
        Format::JsonLines => ZendeskFile::parse(&text, rebase),
        Format::ZendeskExport => parse_export(&text, rebase)
            .with_context(|| format!("{} is not a Zendesk JSON export", path.display()))?,
        Format::Csv => parse_csv(&text, rebase)
            .with_context(|| format!("{} is not a readable CSV file", path.display()))?,
    };
    Ok((format, file))
}

#[derive(Deserialize)]
struct ExportDocument {
    tickets: Vec<serde_json::Value>,
    #[serde(default)]
    users: Vec<zendesk::User>,
    #[serde(default)]
    organizations: Vec<zendesk::Organization>,
}

/// A Zendesk JSON export document. A ticket that does not parse is reported by its position;
/// the others still import.
pub fn parse_export(text: &str, rebase_to: Option<DateTime<Utc>>) -> anyhow::Result<ZendeskFile> {
    let doc: ExportDocument =
        serde_json::from_str(text).context("expected a JSON object with a \"tickets\" array")?;
    let users: HashMap<i64, zendesk::User> = doc.users.into_iter().map(|u| (u.id, u)).collect();
    let orgs: HashMap<i64, zendesk::Organization> =
        doc.organizations.into_iter().map(|o| (o.id, o)).collect();
    let records = doc
        .tickets
        .into_iter()
        .enumerate()
        .map(|(i, value)| {
            let location = match value.get("id") {
                Some(id) => format!("ticket {id}"),
                None => format!("ticket #{}", i + 1),
            };
            let mut t: ZendeskTicket = serde_json::from_value(value).map_err(|e| SourceError {
                location,
                message: e.to_string(),
            })?;
            let requester = t.requester_id.and_then(|id| users.get(&id));
            if t.requester.is_none() {
                t.requester = requester.map(|u| ZendeskUser {
                    email: u.email.clone(),
                });
            }
            if t.organization.is_none() {
                let org_id = t
                    .organization_id
                    .or_else(|| requester.and_then(|u| u.organization_id));
                t.organization = org_id.map(|id| ZendeskOrganization {
                    id: Some(id),
                    name: orgs.get(&id).and_then(|o| o.name.clone()),
                });
            }
            Ok(t.into_incoming())
        })
        .collect();
    Ok(ZendeskFile::from_records(
        SourceKind::Zendesk,
        records,
        rebase_to,
    ))
}

/// One CSV row. `id` and `created_at` are required; the rest may be absent or empty.
/// `tags` are separated by spaces, commas or semicolons. Times are RFC 3339, `YYYY-MM-DD
/// HH:MM:SS` (UTC) or a date. `source` records where the tickets came from (`csv` by default;
/// `zendesk` for a Zendesk CSV export, so they match the tickets the sync brings).
#[derive(Debug, Deserialize)]
pub struct CsvRow {
    pub id: String,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub priority: Option<String>,
    #[serde(default)]
    pub tags: Option<String>,
    pub created_at: String,
    #[serde(default)]
    pub updated_at: Option<String>,
    #[serde(default)]
    pub requester_email: Option<String>,
    #[serde(default)]
    pub organization: Option<String>,
    #[serde(default)]
    pub organization_id: Option<String>,
    #[serde(default)]
    pub public_comments: Option<String>,
    #[serde(default)]
    pub internal_notes: Option<String>,
}

fn parse_time(s: &str) -> Result<DateTime<Utc>, String> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(t) = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S") {
        return Ok(t.and_utc());
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc());
    }
    Err(format!(
        "{s:?} is not a time (RFC 3339, \"YYYY-MM-DD HH:MM:SS\" or a date)"
    ))
}

fn non_empty(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

impl CsvRow {
    fn into_incoming(self) -> Result<IncomingTicket, String> {
        let id = self.id.trim().to_string();
        if id.is_empty() {
            return Err("the id column is empty".into());
        }
        let source = match non_empty(self.source) {
            Some(s) => s.parse::<SourceKind>()?,
            None => SourceKind::Csv,
        };
        let created_at = parse_time(&self.created_at)?;
        let updated_at = match non_empty(self.updated_at) {
            Some(u) => parse_time(&u)?,
            None => created_at,
        };
        let source_org_id = match non_empty(self.organization_id) {
            Some(o) => Some(
                o.parse::<i64>()
                    .map_err(|_| format!("organization_id {o:?} is not a number"))?,
            ),
            None => None,
        };
        Ok(IncomingTicket {
            source,
            source_id: id,
            subject: non_empty(self.subject),
            description: non_empty(self.description),
            public_comments: non_empty(self.public_comments),
            internal_notes: non_empty(self.internal_notes),
            requester_email: non_empty(self.requester_email),
            requester_org_name: non_empty(self.organization),
            source_org_id,
            tags: self
                .tags
                .unwrap_or_default()
                .split([' ', ',', ';'])
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_string)
                .collect(),
            status: non_empty(self.status),
            priority: non_empty(self.priority),
            created_at,
            updated_at,
        })
    }
}

/// A CSV file with a header row. A row that does not parse is reported by its line; the
/// others still import. The source is that of the first good row (`csv` by default).
pub fn parse_csv(text: &str, rebase_to: Option<DateTime<Utc>>) -> anyhow::Result<ZendeskFile> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::Headers)
        .from_reader(text.as_bytes());
    let headers = reader.headers().context("reading the header row")?.clone();
    for required in ["id", "created_at"] {
        if !headers.iter().any(|h| h.eq_ignore_ascii_case(required)) {
            anyhow::bail!(
                "the header row has no {required:?} column (it has: {})",
                headers.iter().collect::<Vec<_>>().join(", ")
            );
        }
    }
    let lowered = csv::StringRecord::from(
        headers
            .iter()
            .map(str::to_ascii_lowercase)
            .collect::<Vec<_>>(),
    );
    reader.set_headers(lowered);
    let records: Vec<Result<IncomingTicket, SourceError>> = reader
        .deserialize::<CsvRow>()
        .map(|row| {
            let line = |e: &csv::Error| {
                e.position()
                    .map_or_else(|| "a row".to_string(), |p| format!("line {}", p.line()))
            };
            match row {
                Ok(row) => {
                    let location = format!("row id {:?}", row.id);
                    row.into_incoming()
                        .map_err(|message| SourceError { location, message })
                }
                Err(e) => Err(SourceError {
                    location: line(&e),
                    message: e.to_string(),
                }),
            }
        })
        .collect();
    let kind = records
        .iter()
        .flatten()
        .next()
        .map_or(SourceKind::Csv, |t| t.source);
    Ok(ZendeskFile::from_records(kind, records, rebase_to))
}

/// A source with a progress bar on stderr, drawn only on a terminal and for large files.
pub struct WithProgress<S> {
    inner: S,
    bar: indicatif::ProgressBar,
}

impl<S: TicketSource> WithProgress<S> {
    pub fn new(inner: S, total: usize) -> Self {
        use std::io::IsTerminal as _;
        let bar = if total >= PROGRESS_FROM && std::io::stderr().is_terminal() {
            let bar = indicatif::ProgressBar::new(total as u64);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:40} {pos}/{len} tickets ({per_sec}, {eta} left)",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            bar
        } else {
            indicatif::ProgressBar::hidden()
        };
        WithProgress { inner, bar }
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl<S: TicketSource> TicketSource for WithProgress<S> {
    fn kind(&self) -> SourceKind {
        self.inner.kind()
    }

    fn next_batch(
        &mut self,
    ) -> BoxFuture<'_, anyhow::Result<Option<Vec<Result<IncomingTicket, SourceError>>>>> {
        // The batch returned now is stored before the next one is asked for, so counting at
        // the next request (or the end) counts stored tickets.
        Box::pin(async move {
            let batch = self.inner.next_batch().await?;
            if let Some(b) = &batch {
                self.bar.inc(b.len() as u64);
            }
            Ok(batch)
        })
    }

    fn cursor(&self) -> Option<String> {
        self.inner.cursor()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(mut f: ZendeskFile) -> Vec<Result<IncomingTicket, SourceError>> {
        let mut out = Vec::new();
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        while let Some(b) = rt.block_on(f.next_batch()).unwrap() {
            out.extend(b);
        }
        out
    }

    #[test]
    fn formats_are_told_apart_by_extension_then_content() {
        let export = "{\n  \"tickets\": []\n}";
        let lines = "{\"id\": 1}\n{\"id\": 2}";
        assert_eq!(detect(Path::new("a.json"), export), Format::ZendeskExport);
        assert_eq!(detect(Path::new("a.jsonl"), lines), Format::JsonLines);
        assert_eq!(detect(Path::new("a.csv"), "id,created_at"), Format::Csv);
        assert_eq!(detect(Path::new("dump"), export), Format::ZendeskExport);
        assert_eq!(detect(Path::new("dump"), lines), Format::JsonLines);
        assert_eq!(
            detect(Path::new("dump"), "id,created_at\n1,2026-01-01"),
            Format::Csv
        );
        assert_eq!(
            detect(Path::new("one.json"), "{\"id\": 1}"),
            Format::JsonLines
        );
    }

    #[test]
    fn an_export_document_resolves_requesters_and_organizations_from_side_loads() {
        let doc = r#"{"tickets": [
            {"id": 5, "subject": "Pay run failed", "description": "It failed.", "status": "open", "tags": ["payroll"],
             "requester_id": 100, "organization_id": null, "created_at": "2026-11-01T10:00:00Z", "updated_at": "2026-11-02T10:00:00Z"},
            {"id": "not a number", "created_at": "2026-11-01T10:00:00Z"}],
          "users": [{"id": 100, "email": "pat@acme.com", "organization_id": 7}],
          "organizations": [{"id": 7, "name": "Acme"}]}"#;
        let records = drain(parse_export(doc, None).unwrap());
        let t = records[0].as_ref().unwrap();
        assert_eq!(t.requester_email.as_deref(), Some("pat@acme.com"));
        assert_eq!(t.requester_org_name.as_deref(), Some("Acme"));
        assert_eq!(t.source_org_id, Some(7));
        let err = records[1].as_ref().unwrap_err();
        assert_eq!(err.location, "ticket \"not a number\"");
    }

    #[test]
    fn csv_rows_with_quotes_and_bad_dates_are_read_row_by_row() {
        let text = "ID,Subject,Description,Tags,Created_At,Requester_Email,Organization,Internal_Notes\n\
                    a1,\"Clock, again\",\"Line one\nline two\",hw;clock,2026-11-01 10:00:00,x@acme.com,Acme,escalated\n\
                    a2,Broken,desc,,yesterday,,,\n";
        let records = drain(parse_csv(text, None).unwrap());
        let t = records[0].as_ref().unwrap();
        assert_eq!(t.source, SourceKind::Csv);
        assert_eq!(t.subject.as_deref(), Some("Clock, again"));
        assert_eq!(t.description.as_deref(), Some("Line one\nline two"));
        assert_eq!(t.tags, vec!["hw", "clock"]);
        assert_eq!(t.internal_notes.as_deref(), Some("escalated"));
        assert!(records[1]
            .as_ref()
            .unwrap_err()
            .message
            .contains("yesterday"));
    }

    #[test]
    fn a_csv_without_an_id_column_is_refused_whole() {
        let err = parse_csv("subject,created_at\nx,2026-01-01\n", None)
            .err()
            .unwrap();
        assert!(err.to_string().contains("\"id\""), "{err}");
    }
}
