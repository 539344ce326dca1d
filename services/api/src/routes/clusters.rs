use super::params;
use crate::dto::{self, Paginated};
use crate::{ApiError, AppState};
use actix_web::{get, web, HttpResponse};
use db::models::{cluster, issue, Page};
use domain::{ClusterId, PmStatus};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterQuery {
    category: Option<String>,
    subcategory: Option<String>,
    is_active: Option<bool>,
    pm_status: Option<String>,
    emerging: Option<bool>,
    /// `field:dir`, e.g. `issue_count:desc` (the default).
    sort: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
}

fn parse_sort(sort: Option<&str>) -> Result<(cluster::ClusterSort, bool), ApiError> {
    let Some(sort) = sort else {
        return Ok((cluster::ClusterSort::IssueCount, true));
    };
    let (field, dir) = sort.split_once(':').unwrap_or((sort, "desc"));
    let allowed = || {
        cluster::ClusterSort::ALL
            .iter()
            .map(|(n, _)| *n)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let field = cluster::ClusterSort::ALL
        .iter()
        .find(|(n, _)| *n == field)
        .map(|(_, s)| *s)
        .ok_or_else(|| {
            ApiError::BadRequest(format!(
                "cannot sort by {field:?}; sortable fields: {}",
                allowed()
            ))
        })?;
    let descending = match dir {
        "desc" => true,
        "asc" => false,
        other => {
            return Err(ApiError::BadRequest(format!(
                "sort direction must be asc or desc, not {other:?}"
            )))
        }
    };
    Ok((field, descending))
}

/// `GET /api/clusters`: filtered, sorted, paginated.
#[get("/api/clusters")]
#[tracing::instrument(skip(state))]
pub async fn list(
    state: web::Data<AppState>,
    query: web::Query<ClusterQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let (category, subcategory) = params::category(
        &state.taxonomy,
        q.category.as_deref(),
        q.subcategory.as_deref(),
    )?;
    let filter = cluster::ClusterFilter {
        category,
        subcategory,
        is_active: q.is_active,
        pm_status: params::vocabulary::<PmStatus>(q.pm_status.as_deref())?,
        emerging: q.emerging,
    };
    let (sort, descending) = parse_sort(q.sort.as_deref())?;
    let page = params::page(q.page, q.per_page, 20)?;
    let mut conn = state.pool.get().await?;
    let result = cluster::list(&mut conn, &filter, sort, descending, page).await?;
    let items: Vec<dto::Cluster> = result.items.into_iter().map(Into::into).collect();
    Ok(HttpResponse::Ok().json(Paginated::new(
        items,
        result.total,
        page.page,
        page.per_page,
    )))
}

/// The most issues and tickets the detail returns (the issues endpoint pages through more).
const DETAIL_LIMIT: i64 = 200;

/// `GET /api/clusters/{id}`: the cluster, its issues and its tickets with links.
#[get("/api/clusters/{id}")]
#[tracing::instrument(skip(state))]
pub async fn detail(
    state: web::Data<AppState>,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = ClusterId(id.into_inner());
    let mut conn = state.pool.get().await?;
    let found = cluster::find(&mut conn, id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no cluster {id}")))?;
    let issues = issue::list(
        &mut conn,
        &issue::IssueFilter {
            cluster_id: Some(id),
            ..Default::default()
        },
        Page {
            page: 1,
            per_page: DETAIL_LIMIT,
        },
    )
    .await?;
    let tickets = cluster::tickets(&mut conn, id, DETAIL_LIMIT).await?;
    Ok(HttpResponse::Ok().json(dto::ClusterDetail {
        cluster: found.into(),
        issues: issues
            .items
            .into_iter()
            .map(|row| {
                let url = state.ticket_url(&row.source, &row.source_id);
                dto::Issue::from_row(row, url)
            })
            .collect(),
        tickets: tickets
            .into_iter()
            .map(|t| dto::ClusterTicket {
                url: state.ticket_url(&t.source, &t.source_id),
                id: t.ticket_id,
                source: t.source,
                source_id: t.source_id,
                subject: t.subject,
                requester_org_name: t.requester_org_name,
                ticket_created_at: t.ticket_created_at,
                severity: t.severity,
            })
            .collect(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_takes_a_known_field_and_direction() {
        assert_eq!(
            parse_sort(None).unwrap(),
            (cluster::ClusterSort::IssueCount, true)
        );
        assert_eq!(
            parse_sort(Some("trend_pct:asc")).unwrap(),
            (cluster::ClusterSort::TrendPct, false)
        );
        assert_eq!(
            parse_sort(Some("last_seen")).unwrap(),
            (cluster::ClusterSort::LastSeen, true)
        );
        assert!(parse_sort(Some("password:asc")).is_err());
        assert!(parse_sort(Some("issue_count:up")).is_err());
    }
}
