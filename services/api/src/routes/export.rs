//! CSV exports of issues and clusters, streamed: rows are read in keyset-paginated chunks and
//! written out chunk by chunk, so an export of any size holds one chunk in memory.

use super::clusters::ClusterQuery;
use super::issues::IssueExportQuery;
use crate::{ApiError, AppState};
use actix_web::http::header::{ContentDisposition, DispositionParam, DispositionType};
use actix_web::{get, web, HttpResponse};
use bytes::Bytes;
use db::models::{cluster, issue};
use futures::stream::{self, Stream};
use std::future::Future;

/// Rows read per query.
pub const CHUNK: i64 = 1_000;

/// One CSV field: quoted when it holds a comma, quote or line break (quotes doubled, RFC
/// 4180); a leading `=`, `+`, `-`, `@`, tab or CR gets a `'` so a spreadsheet opening the
/// export does not run a customer's text as a formula.
pub fn csv_field(out: &mut String, value: &str) {
    let guarded;
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        guarded = format!("'{value}");
        guarded.as_str()
    } else {
        value
    };
    if value.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(value);
    }
}

/// One CSV line of `fields`.
pub fn csv_line(out: &mut String, fields: &[&str]) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        csv_field(out, f);
    }
    out.push_str("\r\n");
}

fn attachment(name: &str) -> ContentDisposition {
    ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![DispositionParam::Filename(name.to_string())],
    }
}

fn csv_response(
    name: &str,
    body: impl Stream<Item = Result<Bytes, actix_web::Error>> + 'static,
) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(attachment(name))
        .streaming(body)
}

/// The last line of an export that failed after its first byte: the status line is gone by
/// then, so the body says it is incomplete instead of just stopping (a cut-off chunked body
/// looks like a network error, and a spreadsheet opens the truncated file without a word).
pub const INCOMPLETE_MARKER: &str =
    "# ERROR: the export failed before its end; this file is incomplete";

/// A streamed CSV download: `header`, then every row `fetch` returns, chunk by chunk.
/// `fetch(after)` reads up to [`CHUNK`] rows following the keyset cursor `after` (`None`: from
/// the start); a shorter chunk is the last. `cursor` gives a row's keyset position and `write`
/// renders it (with [`csv_line`]). One chunk is in memory at a time.
///
/// The first chunk is read before the response starts, so a bad filter or a database error
/// answers with a JSON error and no CSV at all; a later failure ends the body with
/// [`INCOMPLETE_MARKER`].
async fn csv_export<R, K, F, Fut, W>(
    name: &str,
    header: &'static [&'static str],
    fetch: F,
    cursor: fn(&R) -> K,
    write: W,
) -> Result<HttpResponse, ApiError>
where
    R: 'static,
    K: Clone + 'static,
    F: Fn(Option<K>) -> Fut + 'static,
    Fut: Future<Output = Result<Vec<R>, ApiError>> + 'static,
    W: Fn(&R, &mut String) + 'static,
{
    struct Export<F, K, R, W> {
        fetch: F,
        write: W,
        after: Option<K>,
        first: Option<Vec<R>>,
        done: bool,
    }
    let first = fetch(None).await?;
    let start = Export {
        fetch,
        write,
        after: None,
        first: Some(first),
        done: false,
    };
    let body = stream::unfold(start, move |mut e| async move {
        if e.done {
            return None;
        }
        let mut out = String::new();
        let rows = match e.first.take() {
            Some(rows) => {
                csv_line(&mut out, header);
                rows
            }
            None => match (e.fetch)(e.after.clone()).await {
                Ok(rows) => rows,
                Err(err) => {
                    tracing::error!(error = %err, "export failed mid-stream");
                    e.done = true;
                    out.push_str(INCOMPLETE_MARKER);
                    out.push_str("\r\n");
                    return Some((Ok::<_, actix_web::Error>(Bytes::from(out)), e));
                }
            },
        };
        e.done = (rows.len() as i64) < CHUNK;
        e.after = rows.last().map(cursor).or(e.after);
        for r in &rows {
            (e.write)(r, &mut out);
        }
        Some((Ok(Bytes::from(out)), e))
    });
    Ok(csv_response(name, body))
}

const ISSUE_HEADER: &[&str] = &[
    "id",
    "reported_at",
    "category",
    "subcategory",
    "issue_type",
    "severity",
    "summary",
    "detail",
    "representative_quote",
    "confidence",
    "cluster_id",
    "source",
    "source_id",
    "organization",
    "url",
    "analyzer",
    "corrected_by",
];

/// `GET /api/export/issues`: every issue matching the filters of `GET /api/issues`, newest
/// reports first, as CSV.
#[utoipa::path(
    tag = "export",
    params(IssueExportQuery),
    responses(
        (status = 200, description = "CSV, one issue per row", body = String, content_type = "text/csv"),
        (status = 400, body = crate::dto::ErrorBody),
        (status = 401, body = crate::dto::ErrorBody),
    ),
    security(("bearer" = ["read"]))
)]
#[get("/api/export/issues", wrap = "crate::access::Authorize")]
#[tracing::instrument(skip(state))]
pub async fn issues(
    state: web::Data<AppState>,
    query: web::Query<IssueExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let filter = query.into_inner().filter(&state)?;
    let st = state.clone();
    let fetch = move |after: Option<issue::IssueCursor>| {
        let (state, filter) = (st.clone(), filter.clone());
        async move {
            let mut conn = state.pool.get().await?;
            Ok(issue::export_chunk(&mut conn, &filter, after, CHUNK).await?)
        }
    };
    let cursor = |r: &issue::IssueWithTicket| issue::IssueCursor {
        reported_at: r.ticket_created_at,
        id: r.issue.id,
    };
    let write = move |r: &issue::IssueWithTicket, out: &mut String| {
        let url = state.ticket_url(&r.source, &r.source_id);
        let i = &r.issue;
        csv_line(
            out,
            &[
                &i.id.to_string(),
                &r.ticket_created_at.to_rfc3339(),
                &i.category,
                &i.subcategory,
                &i.issue_type,
                &i.severity,
                &i.summary,
                i.detail.as_deref().unwrap_or(""),
                i.representative_quote.as_deref().unwrap_or(""),
                &i.confidence
                    .map(|c| format!("{:.2}", f64::from(c)))
                    .unwrap_or_default(),
                &i.cluster_id.map(|c| c.to_string()).unwrap_or_default(),
                &r.source,
                &r.source_id,
                r.requester_org_name.as_deref().unwrap_or(""),
                url.as_deref().unwrap_or(""),
                &i.analyzer,
                i.corrected_by.as_deref().unwrap_or(""),
            ],
        );
    };
    csv_export("issues.csv", ISSUE_HEADER, fetch, cursor, write).await
}

const CLUSTER_HEADER: &[&str] = &[
    "id",
    "cluster_name",
    "category",
    "subcategory",
    "issue_count",
    "unique_customers",
    "count_7d",
    "count_prior_7d",
    "trend_pct",
    "is_emerging",
    "is_active",
    "pm_status",
    "pm_notes",
    "first_seen",
    "last_seen",
    "merged_into",
];

/// `GET /api/export/clusters`: every cluster matching the filters of `GET /api/clusters`, as
/// CSV (by id; sort in the spreadsheet).
#[utoipa::path(
    tag = "export",
    params(ClusterQuery),
    responses(
        (status = 200, description = "CSV, one cluster per row", body = String, content_type = "text/csv"),
        (status = 400, body = crate::dto::ErrorBody),
        (status = 401, body = crate::dto::ErrorBody),
    ),
    security(("bearer" = ["read"]))
)]
#[get("/api/export/clusters", wrap = "crate::access::Authorize")]
#[tracing::instrument(skip(state))]
pub async fn clusters(
    state: web::Data<AppState>,
    query: web::Query<ClusterQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    q.reject_paging()?;
    let filter = q.filter(&state)?;
    let fetch = move |after: Option<uuid::Uuid>| {
        let (state, filter) = (state.clone(), filter.clone());
        async move {
            let mut conn = state.pool.get().await?;
            Ok(cluster::export_chunk(&mut conn, &filter, after, CHUNK).await?)
        }
    };
    let time =
        |t: Option<chrono::DateTime<chrono::Utc>>| t.map(|t| t.to_rfc3339()).unwrap_or_default();
    let write = move |r: &cluster::ClusterRow, out: &mut String| {
        csv_line(
            out,
            &[
                &r.id.to_string(),
                &r.cluster_name,
                &r.category,
                &r.subcategory,
                &r.issue_count.to_string(),
                &r.unique_customers.to_string(),
                &r.count_7d.to_string(),
                &r.count_prior_7d.to_string(),
                &r.trend_pct.map(|p| format!("{p:.1}")).unwrap_or_default(),
                &r.is_emerging.to_string(),
                &r.is_active.to_string(),
                &r.pm_status,
                r.pm_notes.as_deref().unwrap_or(""),
                &time(r.first_seen),
                &time(r.last_seen),
                &r.merged_into.map(|m| m.to_string()).unwrap_or_default(),
            ],
        );
    };
    csv_export(
        "clusters.csv",
        CLUSTER_HEADER,
        fetch,
        |r: &cluster::ClusterRow| r.id,
        write,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_only_when_needed_and_formulas_are_defused() {
        let mut out = String::new();
        csv_line(
            &mut out,
            &["plain", "a,b", "say \"hi\"", "two\nlines", "=SUM(A1)", ""],
        );
        assert_eq!(
            out,
            "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",'=SUM(A1),\r\n"
        );
    }

    /// `CHUNK` rows per call; the `fail_on`-th call (0-based) fails.
    fn chunks(
        fail_on: usize,
    ) -> impl Fn(Option<i64>) -> std::future::Ready<Result<Vec<i64>, ApiError>> {
        let calls = std::cell::Cell::new(0);
        move |after| {
            let call = calls.get();
            calls.set(call + 1);
            std::future::ready(if call == fail_on {
                Err(ApiError::Unavailable("PostgreSQL".into()))
            } else {
                let from = after.map_or(0, |a| a + 1);
                Ok((from..from + CHUNK).collect())
            })
        }
    }

    async fn export(fail_on: usize) -> Result<String, ApiError> {
        let write = |r: &i64, out: &mut String| csv_line(out, &[&r.to_string()]);
        let response = csv_export("n.csv", &["n"], chunks(fail_on), |r| *r, write).await?;
        let body = actix_web::body::to_bytes(response.into_body())
            .await
            .unwrap_or_else(|_| panic!("the body must end cleanly"));
        Ok(String::from_utf8(body.to_vec()).unwrap())
    }

    #[actix_web::test]
    async fn an_export_fails_before_its_first_byte_or_says_it_is_incomplete() {
        // A failure reading the first chunk: an error status, no CSV.
        assert!(matches!(export(0).await, Err(ApiError::Unavailable(_))));
        // A failure after rows were sent: the body ends with the marker, whole lines before it.
        let body = export(2).await.unwrap();
        let lines: Vec<&str> = body.split("\r\n").filter(|l| !l.is_empty()).collect();
        assert_eq!(lines[0], "n");
        assert_eq!(lines.len(), 1 + 2 * CHUNK as usize + 1);
        assert_eq!(*lines.last().unwrap(), INCOMPLETE_MARKER);
    }
}
