use super::params;
use crate::dto::{self, Paginated};
use crate::{ApiError, AppState};
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::Utc;
use db::models::{cluster, issue, Page};
use domain::{ClusterId, PmStatus};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

/// Filters of the cluster list (and export).
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ClusterQuery {
    category: Option<String>,
    subcategory: Option<String>,
    is_active: Option<bool>,
    pm_status: Option<String>,
    emerging: Option<bool>,
    /// `field:dir`, e.g. `issue_count:desc` (the default); fields: issue_count,
    /// unique_customers, trend_pct, count_7d, last_seen, first_seen, created_at, cluster_name.
    sort: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
}

fn parse_sort(sort: Option<&str>) -> Result<(cluster::ClusterSort, bool), ApiError> {
    params::sort(
        sort,
        cluster::ClusterSort::ALL,
        (cluster::ClusterSort::IssueCount, true),
    )
}

impl ClusterQuery {
    /// The export streams every matching cluster; paging or sorting it is a mistake to report.
    pub(crate) fn reject_paging(&self) -> Result<(), ApiError> {
        if self.page.is_some() || self.per_page.is_some() || self.sort.is_some() {
            return Err(ApiError::BadRequest(
                "the export takes filters only, not page, per_page or sort".into(),
            ));
        }
        Ok(())
    }

    pub(crate) fn filter(&self, state: &AppState) -> Result<cluster::ClusterFilter, ApiError> {
        let (category, subcategory) = params::category(
            &state.taxonomy,
            self.category.as_deref(),
            self.subcategory.as_deref(),
        )?;
        Ok(cluster::ClusterFilter {
            category,
            subcategory,
            is_active: self.is_active,
            pm_status: params::vocabulary::<PmStatus>(self.pm_status.as_deref())?,
            emerging: self.emerging,
        })
    }
}

/// `GET /api/clusters`: filtered, sorted, paginated.
#[utoipa::path(
    operation_id = "list_clusters",
    tag = "clusters",
    params(ClusterQuery),
    responses(
        (status = 200, body = Paginated<dto::Cluster>),
        (status = 400, body = dto::ErrorBody),
        (status = 401, body = dto::ErrorBody),
    ),
    security(("bearer" = ["read"]))
)]
#[get("/api/clusters", wrap = "crate::access::Authorize")]
#[tracing::instrument(skip(state, req))]
pub async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<ClusterQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let filter = q.filter(&state)?;
    let (sort, descending) = parse_sort(q.sort.as_deref())?;
    let page = params::page(q.page, q.per_page, 20)?;
    // The dashboard polls this list; the same query is served from memory (see crate::cache).
    let key = format!("clusters:{}", req.query_string());
    let st = state.clone();
    let (body, _) = state
        .cache
        .get_or_compute(&key, move || {
            let (state, filter) = (st.clone(), filter.clone());
            async move {
                let mut conn = state.pool.get().await?;
                let result = cluster::list(&mut conn, &filter, sort, descending, page).await?;
                let items: Vec<dto::Cluster> = result.items.into_iter().map(Into::into).collect();
                dto::json_bytes(&Paginated::new(
                    items,
                    result.total,
                    page.page,
                    page.per_page,
                ))
            }
        })
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(body))
}

/// The most issues and tickets the detail returns (the issues endpoint pages through more).
const DETAIL_LIMIT: i64 = 200;

/// `GET /api/clusters/{id}`: the cluster, its issues and its tickets with links.
#[utoipa::path(
    operation_id = "get_cluster",
    tag = "clusters",
    params(("id" = uuid::Uuid, Path, description = "Cluster id")),
    responses(
        (status = 200, body = dto::ClusterDetail),
        (status = 400, body = dto::ErrorBody),
        (status = 401, body = dto::ErrorBody),
        (status = 404, body = dto::ErrorBody),
    ),
    security(("bearer" = ["read"]))
)]
#[get("/api/clusters/{id}", wrap = "crate::access::Authorize")]
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

/// Merge suggestions a cluster's page lists at most.
const SIMILAR_LIMIT: i64 = 10;

/// `GET /api/clusters/{id}/similar`: clusters the clusterer suggests merging with this one,
/// most alike first (a person accepts one with `POST /api/clusters/{id}/merge`).
#[utoipa::path(
    operation_id = "similar_clusters",
    tag = "clusters",
    params(("id" = uuid::Uuid, Path, description = "Cluster id")),
    responses(
        (status = 200, body = dto::SimilarClusters),
        (status = 400, body = dto::ErrorBody),
        (status = 401, body = dto::ErrorBody),
        (status = 404, body = dto::ErrorBody),
    ),
    security(("bearer" = ["read"]))
)]
#[get("/api/clusters/{id}/similar", wrap = "crate::access::Authorize")]
#[tracing::instrument(skip(state))]
pub async fn similar(
    state: web::Data<AppState>,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = ClusterId(id.into_inner());
    let mut conn = state.pool.get().await?;
    cluster::find(&mut conn, id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no cluster {id}")))?;
    let items = db::models::consolidation::similar_to(&mut conn, id, SIMILAR_LIMIT)
        .await?
        .into_iter()
        .map(|s| dto::SimilarCluster {
            id: s.id,
            cluster_name: s.cluster_name,
            cluster_summary: s.cluster_summary,
            issue_count: s.issue_count,
            similarity: s.similarity,
            suggested_at: s.suggested_at,
        })
        .collect();
    Ok(HttpResponse::Ok().json(dto::SimilarClusters { items }))
}

/// A person's edit of a cluster; absent fields stay as they are, `pm_notes: null` clears the
/// notes. A new name is kept: the clusterer will not rename the cluster again. `is_active:
/// false` closes the cluster: new issues no longer join it, it keeps its issues, and automatic
/// passes never merge, split or reopen it; `is_active: true` reopens it (not one merged away).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClusterPatch {
    /// new, reviewing, acknowledged, fixed or wont_fix.
    pm_status: Option<String>,
    #[serde(default, deserialize_with = "params::double_option")]
    #[schema(value_type = Option<String>)]
    pm_notes: Option<Option<String>>,
    name: Option<String>,
    is_active: Option<bool>,
}

/// The longest PM notes accepted.
const MAX_NOTES_CHARS: usize = 10_000;
/// The longest cluster name (the column's size).
const MAX_NAME_CHARS: usize = 200;

/// `PATCH /api/clusters/{id}`: PM status, notes, name, closing or reopening.
#[utoipa::path(
    tag = "clusters",
    params(("id" = uuid::Uuid, Path, description = "Cluster id")),
    request_body = ClusterPatch,
    responses(
        (status = 200, body = dto::Cluster),
        (status = 400, body = dto::ErrorBody),
        (status = 401, body = dto::ErrorBody),
        (status = 403, body = dto::ErrorBody),
        (status = 404, body = dto::ErrorBody),
        (status = 422, body = dto::ErrorBody),
    ),
    security(("bearer" = ["write"]))
)]
#[patch("/api/clusters/{id}", wrap = "crate::access::Authorize")]
#[tracing::instrument(skip(state, body))]
pub async fn update(
    state: web::Data<AppState>,
    principal: auth::Principal,
    id: web::Path<uuid::Uuid>,
    body: super::params::Body<ClusterPatch>,
) -> Result<HttpResponse, ApiError> {
    let id = ClusterId(id.into_inner());
    let patch = body.into_inner();
    if patch.pm_status.is_none()
        && patch.pm_notes.is_none()
        && patch.name.is_none()
        && patch.is_active.is_none()
    {
        return Err(ApiError::Unprocessable(
            "nothing to change: give pm_status, pm_notes, name or is_active".into(),
        ));
    }
    let pm_status = params::vocabulary::<PmStatus>(patch.pm_status.as_deref())
        .map_err(|e| ApiError::Unprocessable(e.to_string()))?;
    let name = patch
        .name
        .map(|n| params::name("name", &n, MAX_NAME_CHARS))
        .transpose()?;
    let notes = patch.pm_notes.map(|n| {
        n.filter(|n| {
            !n.trim_matches(|c: char| c.is_whitespace() || params::invisible(c))
                .is_empty()
        })
    });
    if notes
        .as_ref()
        .and_then(|n| n.as_ref())
        .is_some_and(|n| n.chars().count() > MAX_NOTES_CHARS)
    {
        return Err(ApiError::Unprocessable(format!(
            "pm_notes must be at most {MAX_NOTES_CHARS} characters"
        )));
    }
    let edit = cluster::ClusterUpdate {
        pm_status,
        pm_notes: notes,
        name,
        is_active: patch.is_active,
    };
    let mut conn = state.pool.get().await?;
    match cluster::update(&mut conn, id, &edit, &principal.name).await? {
        cluster::Updated::Done(row) => {
            state.cache.clear();
            Ok(HttpResponse::Ok().json(dto::Cluster::from(*row)))
        }
        cluster::Updated::NoSuchCluster => Err(ApiError::NotFound(format!("no cluster {id}"))),
        cluster::Updated::Refused(why) => Err(ApiError::Unprocessable(why)),
    }
}

/// Which cluster absorbs the merged one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeRequest {
    into: uuid::Uuid,
}

/// `POST /api/clusters/{id}/merge`: moves every issue of this cluster into `into`, marks this
/// one inactive (pointing at `into`) and recomputes both clusters' statistics.
#[utoipa::path(
    tag = "clusters",
    params(("id" = uuid::Uuid, Path, description = "The cluster merged away")),
    request_body = MergeRequest,
    responses(
        (status = 200, body = dto::MergeResult),
        (status = 400, body = dto::ErrorBody),
        (status = 401, body = dto::ErrorBody),
        (status = 403, body = dto::ErrorBody),
        (status = 404, body = dto::ErrorBody),
        (status = 422, body = dto::ErrorBody),
    ),
    security(("bearer" = ["write"]))
)]
#[post("/api/clusters/{id}/merge", wrap = "crate::access::Authorize")]
#[tracing::instrument(skip(state, body))]
pub async fn merge(
    state: web::Data<AppState>,
    principal: auth::Principal,
    id: web::Path<uuid::Uuid>,
    body: super::params::Body<MergeRequest>,
) -> Result<HttpResponse, ApiError> {
    let source = ClusterId(id.into_inner());
    let into = ClusterId(body.0.into);
    let mut conn = state.pool.get().await?;
    let merged = cluster::merge(&mut conn, source, into, &principal.name, Utc::now()).await?;
    match merged {
        cluster::Merged::Done { into, moved_issues } => {
            state.cache.clear();
            Ok(HttpResponse::Ok().json(dto::MergeResult {
                merged: source.0,
                into: (*into).into(),
                moved_issues,
            }))
        }
        cluster::Merged::NoSuchSource => Err(ApiError::NotFound(format!("no cluster {source}"))),
        cluster::Merged::NoSuchTarget => Err(ApiError::Unprocessable(format!(
            "into names no cluster ({into})"
        ))),
        cluster::Merged::Refused(why) => Err(ApiError::Unprocessable(why)),
    }
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
