//! The vocabulary clients build their filters and correction forms from: the taxonomy in use
//! (categories and subcategories with their labels) and the closed lists of issue types,
//! severities and PM statuses. One source of truth, so the dashboard never hard-codes a value
//! the API would reject.

use crate::{ApiError, AppState};
use actix_web::{get, web, HttpResponse};
use domain::{IssueType, PmStatus, Severity};
use serde::Serialize;
use utoipa::ToSchema;

/// A subcategory of the taxonomy.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaxonomySubcategory {
    pub key: String,
    pub label: String,
    pub description: String,
}

/// A category with its subcategories.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaxonomyCategory {
    pub key: String,
    pub label: String,
    pub subcategories: Vec<TaxonomySubcategory>,
}

/// One value of a closed list, with what it means.
#[derive(Debug, Serialize, ToSchema)]
pub struct VocabularyValue {
    pub key: String,
    pub description: Option<String>,
}

/// Every value the API accepts for an issue's or a cluster's labels.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaxonomyView {
    pub product: String,
    pub categories: Vec<TaxonomyCategory>,
    /// Worst first.
    pub severities: Vec<VocabularyValue>,
    pub issue_types: Vec<VocabularyValue>,
    pub pm_statuses: Vec<VocabularyValue>,
}

/// `GET /api/taxonomy`: categories, subcategories, severities, issue types and PM statuses.
#[utoipa::path(
    tag = "issues",
    responses(
        (status = 200, body = TaxonomyView),
        (status = 401, body = crate::dto::ErrorBody),
    ),
    security(("bearer" = ["read"]))
)]
#[get("/api/taxonomy", wrap = "crate::access::Authorize")]
#[tracing::instrument(skip(state))]
pub async fn taxonomy(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let taxonomy = &state.taxonomy;
    let categories = taxonomy
        .categories
        .iter()
        .map(|c| TaxonomyCategory {
            key: c.key.clone(),
            label: c.label.clone(),
            subcategories: c
                .subcategories
                .iter()
                .map(|s| TaxonomySubcategory {
                    key: s.key.clone(),
                    label: s.label.clone(),
                    description: s.description.clone(),
                })
                .collect(),
        })
        .collect();
    let value = |key: &str, description: Option<&str>| VocabularyValue {
        key: key.into(),
        description: description.map(Into::into),
    };
    Ok(HttpResponse::Ok().json(TaxonomyView {
        product: taxonomy.product.clone(),
        categories,
        severities: Severity::ALL
            .iter()
            .map(|s| value(s.as_str(), Some(s.description())))
            .collect(),
        issue_types: IssueType::ALL
            .iter()
            .map(|t| value(t.as_str(), Some(t.description())))
            .collect(),
        pm_statuses: PmStatus::ALL
            .iter()
            .map(|p| value(p.as_str(), None))
            .collect(),
    }))
}
