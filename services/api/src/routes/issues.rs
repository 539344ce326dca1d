use super::params;
use crate::dto::{self, CountBy, Paginated, WeekCount};
use crate::{ApiError, AppState};
use actix_web::{get, patch, web, HttpResponse};
use chrono::{Duration, Utc};
use db::models::{cluster, issue};
use domain::{ClusterId, IssueId, IssueType, Severity};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

/// Filters of the issue list and the issue export (seed 000).
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct IssueQuery {
    /// A taxonomy category key (`PAYROLL`).
    category: Option<String>,
    /// A subcategory key (`pay_runs`).
    subcategory: Option<String>,
    issue_type: Option<String>,
    /// Comma-separated: `critical,high`.
    severity: Option<String>,
    cluster_id: Option<uuid::Uuid>,
    /// Reported on or after: `2026-11-01` or an RFC 3339 timestamp.
    start_date: Option<String>,
    /// Reported before.
    end_date: Option<String>,
    /// Case-insensitive text in the summary, detail or quote.
    search: Option<String>,
    /// `field:dir`; fields: reported_at (default, desc), extracted_at, severity, confidence,
    /// category.
    sort: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
}

/// The same filters without paging or sorting (the export streams everything in report order).
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct IssueExportQuery {
    category: Option<String>,
    subcategory: Option<String>,
    issue_type: Option<String>,
    /// Comma-separated: `critical,high`.
    severity: Option<String>,
    cluster_id: Option<uuid::Uuid>,
    start_date: Option<String>,
    end_date: Option<String>,
    search: Option<String>,
}

impl IssueExportQuery {
    pub fn filter(self, state: &AppState) -> Result<issue::IssueFilter, ApiError> {
        IssueQuery {
            category: self.category,
            subcategory: self.subcategory,
            issue_type: self.issue_type,
            severity: self.severity,
            cluster_id: self.cluster_id,
            start_date: self.start_date,
            end_date: self.end_date,
            search: self.search,
            sort: None,
            page: None,
            per_page: None,
        }
        .filter(state)
    }
}

/// The longest search text accepted.
const MAX_SEARCH_CHARS: usize = 200;

impl IssueQuery {
    fn filter(&self, state: &AppState) -> Result<issue::IssueFilter, ApiError> {
        let (category, subcategory) = params::category(
            &state.taxonomy,
            self.category.as_deref(),
            self.subcategory.as_deref(),
        )?;
        let search = self.search.clone().filter(|s| !s.trim().is_empty());
        if search
            .as_ref()
            .is_some_and(|s| s.chars().count() > MAX_SEARCH_CHARS)
        {
            return Err(ApiError::BadRequest(format!(
                "search must be at most {MAX_SEARCH_CHARS} characters"
            )));
        }
        let filter = issue::IssueFilter {
            category,
            subcategory,
            issue_type: params::vocabulary::<IssueType>(self.issue_type.as_deref())?,
            severities: params::vocabulary_list::<Severity>(self.severity.as_deref())?,
            cluster_id: self.cluster_id.map(ClusterId),
            start: params::date("start_date", self.start_date.as_deref())?,
            end: params::date("end_date", self.end_date.as_deref())?,
            search,
        };
        if let (Some(s), Some(e)) = (filter.start, filter.end) {
            if s >= e {
                return Err(ApiError::BadRequest(
                    "start_date must be before end_date".into(),
                ));
            }
        }
        Ok(filter)
    }
}

/// `GET /api/issues`: issues matching every given filter, newest reports first.
#[utoipa::path(
    operation_id = "list_issues",
    tag = "issues",
    params(IssueQuery),
    responses(
        (status = 200, body = Paginated<dto::Issue>),
        (status = 400, body = dto::ErrorBody),
        (status = 401, body = dto::ErrorBody),
    ),
    security(("bearer" = ["read"]))
)]
#[get("/api/issues", wrap = "crate::access::Authorize")]
#[tracing::instrument(skip(state))]
pub async fn list(
    state: web::Data<AppState>,
    query: web::Query<IssueQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let filter = q.filter(&state)?;
    let (sort, descending) = params::sort(
        q.sort.as_deref(),
        issue::IssueSort::ALL,
        (issue::IssueSort::ReportedAt, true),
    )?;
    let page = params::page(q.page, q.per_page, params::DEFAULT_PER_PAGE)?;
    let mut conn = state.pool.get().await?;
    let result = issue::list_sorted(&mut conn, &filter, sort, descending, page).await?;
    let items = result
        .items
        .into_iter()
        .map(|row| {
            let url = state.ticket_url(&row.source, &row.source_id);
            dto::Issue::from_row(row, url)
        })
        .collect();
    Ok(HttpResponse::Ok().json(Paginated::new(
        items,
        result.total,
        page.page,
        page.per_page,
    )))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SummaryQuery {
    /// The period, 1–365 days (default 7).
    days: Option<i64>,
}

/// `GET /api/issues/summary?days=N`: totals, severities, categories, the weekly series and the
/// top and emerging clusters — all aggregated in SQL.
#[utoipa::path(
    tag = "issues",
    params(SummaryQuery),
    responses(
        (status = 200, body = dto::Summary),
        (status = 400, body = dto::ErrorBody),
        (status = 401, body = dto::ErrorBody),
    ),
    security(("bearer" = ["read"]))
)]
#[get("/api/issues/summary", wrap = "crate::access::Authorize")]
#[tracing::instrument(skip(state))]
pub async fn summary(
    state: web::Data<AppState>,
    query: web::Query<SummaryQuery>,
) -> Result<HttpResponse, ApiError> {
    let days = query.days.unwrap_or(7);
    if !(1..=365).contains(&days) {
        return Err(ApiError::BadRequest(
            "days must be between 1 and 365".into(),
        ));
    }
    let key = format!("summary:{days}");
    let st = state.clone();
    let (body, _) = state
        .cache
        .get_or_compute(&key, move || {
            let state = st.clone();
            async move { summary_body(&state, days).await }
        })
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(body))
}

/// The summary of the last `days` days, rendered.
async fn summary_body(state: &AppState, days: i64) -> Result<bytes::Bytes, ApiError> {
    let since = Utc::now() - Duration::days(days);
    let mut conn = state.pool.get().await?;
    let s = issue::summary(&mut conn, since).await?;
    let top = cluster::top(&mut conn, 10).await?;
    let emerging = cluster::emerging(&mut conn, 10).await?;
    let count = |sev: Severity| {
        s.by_severity
            .iter()
            .find(|(k, _)| *k == sev)
            .map_or(0, |(_, n)| *n)
    };
    dto::json_bytes(&dto::Summary {
        days,
        since,
        total_issues: s.total,
        critical_count: count(Severity::Critical),
        high_count: count(Severity::High),
        medium_count: count(Severity::Medium),
        low_count: count(Severity::Low),
        tickets: s.tickets,
        tickets_without_issues: s.tickets_without_issues,
        by_severity: s
            .by_severity
            .iter()
            .map(|(k, n)| CountBy {
                key: k.as_str().into(),
                count: *n,
            })
            .collect(),
        by_category: s
            .by_category
            .into_iter()
            .map(|(key, count)| CountBy { key, count })
            .collect(),
        weekly_trend: s
            .weekly
            .into_iter()
            .map(|(week_start, count)| WeekCount { week_start, count })
            .collect(),
        top_clusters: top.into_iter().map(Into::into).collect(),
        emerging_clusters: emerging.into_iter().map(Into::into).collect(),
    })
}

/// A correction of an issue. Absent fields stay as they are; `cluster_id: null` takes the
/// issue out of its cluster.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssuePatch {
    category: Option<String>,
    subcategory: Option<String>,
    issue_type: Option<String>,
    severity: Option<String>,
    #[serde(default, deserialize_with = "params::double_option")]
    #[schema(value_type = Option<uuid::Uuid>)]
    cluster_id: Option<Option<uuid::Uuid>>,
}

/// `PATCH /api/issues/{id}`: a person corrects an issue's classification or cluster. The
/// change is recorded (who, when, before and after); a move between clusters updates both
/// clusters' statistics.
#[utoipa::path(
    tag = "issues",
    params(("id" = uuid::Uuid, Path, description = "Issue id")),
    request_body = IssuePatch,
    responses(
        (status = 200, body = dto::TicketIssue),
        (status = 400, body = dto::ErrorBody),
        (status = 401, body = dto::ErrorBody),
        (status = 403, body = dto::ErrorBody),
        (status = 404, body = dto::ErrorBody),
        (status = 422, body = dto::ErrorBody),
    ),
    security(("bearer" = ["write"]))
)]
#[patch("/api/issues/{id}", wrap = "crate::access::Authorize")]
#[tracing::instrument(skip(state, body))]
pub async fn correct(
    state: web::Data<AppState>,
    principal: auth::Principal,
    id: web::Path<uuid::Uuid>,
    body: super::params::Body<IssuePatch>,
) -> Result<HttpResponse, ApiError> {
    let id = IssueId(id.into_inner());
    let patch = body.into_inner();
    if patch.category.is_none()
        && patch.subcategory.is_none()
        && patch.issue_type.is_none()
        && patch.severity.is_none()
        && patch.cluster_id.is_none()
    {
        return Err(ApiError::Unprocessable(
            "nothing to change: give category/subcategory, issue_type, severity or cluster_id"
                .into(),
        ));
    }
    let mut conn = state.pool.get().await?;
    let current = issue::find(&mut conn, id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no issue {id}")))?;
    // A new category needs its subcategory; a new subcategory is checked against the
    // category the issue will have.
    let category = patch.category.clone().unwrap_or(current.category.clone());
    let subcategory = match (&patch.category, &patch.subcategory) {
        (Some(_), None) => {
            return Err(ApiError::Unprocessable(
                "changing the category needs a subcategory of it too".into(),
            ))
        }
        (_, Some(s)) => s.clone(),
        (None, None) => current.subcategory.clone(),
    };
    if patch.category.is_some() || patch.subcategory.is_some() {
        state
            .taxonomy
            .check_pair(&category, &subcategory)
            .map_err(|e| ApiError::Unprocessable(e.to_string()))?;
    }
    let unprocessable = |e: ApiError| ApiError::Unprocessable(e.to_string());
    let correction = issue::Correction {
        category: patch.category.map(|_| category),
        subcategory: patch.subcategory,
        issue_type: params::vocabulary::<IssueType>(patch.issue_type.as_deref())
            .map_err(unprocessable)?,
        severity: params::vocabulary::<Severity>(patch.severity.as_deref())
            .map_err(unprocessable)?,
        cluster_id: patch.cluster_id.map(|c| c.map(ClusterId)),
    };
    let now = Utc::now();
    let done = issue::correct(&mut conn, id, &correction, &principal.name, now).await?;
    match done {
        issue::Corrected::Done { issue, .. } => {
            state.cache.clear();
            Ok(HttpResponse::Ok().json(dto::TicketIssue::from(*issue)))
        }
        issue::Corrected::NoSuchIssue => Err(ApiError::NotFound(format!("no issue {id}"))),
        issue::Corrected::NoSuchCluster => Err(ApiError::Unprocessable(
            "cluster_id names no cluster".into(),
        )),
    }
}
