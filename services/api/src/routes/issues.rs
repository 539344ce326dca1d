use super::params;
use crate::dto::{self, CountBy, Paginated, WeekCount};
use crate::{ApiError, AppState};
use actix_web::{get, web, HttpResponse};
use chrono::{Duration, Utc};
use db::models::{cluster, issue};
use domain::{ClusterId, IssueType, Severity};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssueQuery {
    category: Option<String>,
    subcategory: Option<String>,
    issue_type: Option<String>,
    /// Comma-separated: `critical,high`.
    severity: Option<String>,
    cluster_id: Option<uuid::Uuid>,
    start_date: Option<String>,
    end_date: Option<String>,
    search: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
}

/// `GET /api/issues`: issues matching every given filter, newest reports first.
#[get("/api/issues")]
#[tracing::instrument(skip(state))]
pub async fn list(
    state: web::Data<AppState>,
    query: web::Query<IssueQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let (category, subcategory) = params::category(
        &state.taxonomy,
        q.category.as_deref(),
        q.subcategory.as_deref(),
    )?;
    let filter = issue::IssueFilter {
        category,
        subcategory,
        issue_type: params::vocabulary::<IssueType>(q.issue_type.as_deref())?,
        severities: params::vocabulary_list::<Severity>(q.severity.as_deref())?,
        cluster_id: q.cluster_id.map(ClusterId),
        start: params::date("start_date", q.start_date.as_deref())?,
        end: params::date("end_date", q.end_date.as_deref())?,
        search: q.search.filter(|s| !s.trim().is_empty()),
    };
    if let (Some(s), Some(e)) = (filter.start, filter.end) {
        if s >= e {
            return Err(ApiError::BadRequest(
                "start_date must be before end_date".into(),
            ));
        }
    }
    let page = params::page(q.page, q.per_page, params::DEFAULT_PER_PAGE)?;
    let mut conn = state.pool.get().await?;
    let result = issue::list(&mut conn, &filter, page).await?;
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SummaryQuery {
    days: Option<i64>,
}

/// `GET /api/issues/summary?days=N`: totals, severities, categories, the weekly series and the
/// top and emerging clusters — all aggregated in SQL.
#[get("/api/issues/summary")]
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
    Ok(HttpResponse::Ok().json(dto::Summary {
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
    }))
}
