//! Parsing of query parameters into typed filters, with messages that say what is allowed.

use crate::ApiError;
use chrono::{DateTime, NaiveDate, Utc};
use db::models::Page;
use domain::Taxonomy;
use std::str::FromStr;

pub const DEFAULT_PER_PAGE: i64 = 50;
pub const MAX_PER_PAGE: i64 = 200;
/// The last page a list serves: (page - 1) * per_page stays far from overflow, and nobody
/// pages through more than 20 million rows one page at a time.
pub const MAX_PAGE: i64 = 100_000;

pub fn page(
    page: Option<i64>,
    per_page: Option<i64>,
    default_per_page: i64,
) -> Result<Page, ApiError> {
    let page = page.unwrap_or(1);
    let per_page = per_page.unwrap_or(default_per_page);
    if !(1..=MAX_PAGE).contains(&page) {
        return Err(ApiError::BadRequest(format!(
            "page must be between 1 and {MAX_PAGE}"
        )));
    }
    if !(1..=MAX_PER_PAGE).contains(&per_page) {
        return Err(ApiError::BadRequest(format!(
            "per_page must be between 1 and {MAX_PER_PAGE}"
        )));
    }
    Ok(Page { page, per_page })
}

/// A JSON body whose every string is free of NUL and control characters (tab and line
/// breaks aside), then deserialized as `T`. PostgreSQL refuses NUL in text, so without this a
/// NUL in `pm_notes` or a name is a 500; with it, a 400 naming the field.
#[derive(Debug)]
pub struct Body<T>(pub T);

impl<T> Body<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: serde::de::DeserializeOwned + 'static> actix_web::FromRequest for Body<T> {
    type Error = actix_web::Error;
    type Future = futures::future::LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(
        req: &actix_web::HttpRequest,
        payload: &mut actix_web::dev::Payload,
    ) -> Self::Future {
        let json = actix_web::web::Json::<serde_json::Value>::from_request(req, payload);
        Box::pin(async move {
            let value = json.await?.into_inner();
            check_strings("", &value)?;
            serde_json::from_value(value)
                .map(Body)
                .map_err(|e| ApiError::BadRequest(format!("invalid JSON body: {e}")).into())
        })
    }
}

fn check_strings(at: &str, value: &serde_json::Value) -> Result<(), ApiError> {
    match value {
        serde_json::Value::String(s) => text("", s).map_err(|e| match e {
            ApiError::BadRequest(m) if !at.is_empty() => ApiError::BadRequest(format!("{at}: {m}")),
            other => other,
        }),
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, v)| check_strings(&format!("{at}[{i}]"), v)),
        serde_json::Value::Object(fields) => fields.iter().try_for_each(|(k, v)| {
            let at = if at.is_empty() {
                k.clone()
            } else {
                format!("{at}.{k}")
            };
            check_strings(&at, v)
        }),
        _ => Ok(()),
    }
}

/// A text input: no NUL and no control characters but tab and line breaks.
pub fn text(field: &str, value: &str) -> Result<(), ApiError> {
    match value
        .chars()
        .find(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    {
        None => Ok(()),
        Some(c) => {
            let what = if c == '\0' {
                "a NUL character".to_string()
            } else {
                format!("the control character U+{:04X}", c as u32)
            };
            Err(ApiError::BadRequest(if field.is_empty() {
                format!("must not contain {what}")
            } else {
                format!("{field} must not contain {what}")
            }))
        }
    }
}

/// Characters that show nothing: zero-width spaces and joiners, direction marks, the word
/// joiner, the byte-order mark, the soft hyphen.
pub fn invisible(c: char) -> bool {
    matches!(c, '\u{00AD}' | '\u{034F}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}')
}

/// A name: trimmed of whitespace and invisible characters at both ends, then 1 to `max`
/// characters with at least one visible one; else a 422 that says so.
pub fn name(field: &str, value: &str, max: usize) -> Result<String, ApiError> {
    let trimmed = value.trim_matches(|c: char| c.is_whitespace() || invisible(c));
    if trimmed.chars().all(|c| c.is_whitespace() || invisible(c)) {
        return Err(ApiError::Unprocessable(format!(
            "{field} must not be blank (whitespace and invisible characters do not count)"
        )));
    }
    if trimmed.chars().count() > max {
        return Err(ApiError::Unprocessable(format!(
            "{field} must be 1 to {max} characters"
        )));
    }
    text(field, trimmed)?;
    Ok(trimmed.to_string())
}

/// Checks a category (and subcategory) filter against the taxonomy in use.
pub fn category(
    taxonomy: &Taxonomy,
    category: Option<&str>,
    subcategory: Option<&str>,
) -> Result<(Option<String>, Option<String>), ApiError> {
    let Some(category) = category else {
        if let Some(sub) = subcategory {
            let known = taxonomy.pairs().any(|(_, s)| s.key == sub);
            if !known {
                return Err(ApiError::BadRequest(format!("unknown subcategory {sub:?}")));
            }
        }
        return Ok((None, subcategory.map(str::to_string)));
    };
    let Some(cat) = taxonomy.category(category) else {
        let allowed: Vec<&str> = taxonomy.categories.iter().map(|c| c.key.as_str()).collect();
        return Err(ApiError::BadRequest(format!(
            "unknown category {category:?}; expected one of: {}",
            allowed.join(", ")
        )));
    };
    if let Some(sub) = subcategory {
        if !cat.subcategories.iter().any(|s| s.key == sub) {
            let allowed: Vec<&str> = cat.subcategories.iter().map(|s| s.key.as_str()).collect();
            return Err(ApiError::BadRequest(format!(
                "unknown subcategory {sub:?} for {category}; expected one of: {}",
                allowed.join(", ")
            )));
        }
    }
    Ok((Some(category.to_string()), subcategory.map(str::to_string)))
}

/// A value of a closed vocabulary (severity, issue type, PM status).
pub fn vocabulary<T: FromStr<Err = domain::TaxonomyError>>(
    value: Option<&str>,
) -> Result<Option<T>, ApiError> {
    value
        .map(|v| {
            v.parse::<T>()
                .map_err(|e| ApiError::BadRequest(e.to_string()))
        })
        .transpose()
}

/// A comma-separated list of vocabulary values ("critical,high").
pub fn vocabulary_list<T: FromStr<Err = domain::TaxonomyError>>(
    value: Option<&str>,
) -> Result<Vec<T>, ApiError> {
    value
        .map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| {
                    s.parse::<T>()
                        .map_err(|e| ApiError::BadRequest(e.to_string()))
                })
                .collect()
        })
        .unwrap_or_else(|| Ok(Vec::new()))
}

/// A date (`2026-11-01`, the start of that day in UTC) or an RFC 3339 timestamp.
pub fn date(name: &str, value: Option<&str>) -> Result<Option<DateTime<Utc>>, ApiError> {
    let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if let Ok(d) = NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        return Ok(Some(
            d.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc(),
        ));
    }
    DateTime::parse_from_rfc3339(v)
        .map(|d| Some(d.with_timezone(&Utc)))
        .map_err(|_| {
            ApiError::BadRequest(format!(
                "{name} must be a date like 2026-11-01 or an RFC 3339 timestamp, not {v:?}"
            ))
        })
}

/// A `field:dir` sort (dir `asc` or `desc`; a bare field sorts descending) over a whitelist.
pub fn sort<T: Copy>(
    value: Option<&str>,
    allowed: &[(&str, T)],
    default: (T, bool),
) -> Result<(T, bool), ApiError> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(default);
    };
    let (field, dir) = value.split_once(':').unwrap_or((value, "desc"));
    let names = || {
        allowed
            .iter()
            .map(|(n, _)| *n)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let field = allowed
        .iter()
        .find(|(n, _)| *n == field)
        .map(|(_, s)| *s)
        .ok_or_else(|| {
            ApiError::BadRequest(format!(
                "cannot sort by {field:?}; sortable fields: {}",
                names()
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

/// For PATCH bodies: tells an absent field (`None`) from an explicit `null` (`Some(None)`).
pub fn double_option<'de, T, D>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    T: serde::Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    serde::Deserialize::deserialize(de).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_come_from_the_whitelist() {
        let allowed = [("a", 1), ("b", 2)];
        assert_eq!(sort(None, &allowed, (1, true)).unwrap(), (1, true));
        assert_eq!(
            sort(Some("b:asc"), &allowed, (1, true)).unwrap(),
            (2, false)
        );
        assert_eq!(sort(Some("b"), &allowed, (1, false)).unwrap(), (2, true));
        assert!(sort(Some("c:asc"), &allowed, (1, true)).is_err());
        assert!(sort(Some("a:sideways"), &allowed, (1, true)).is_err());
    }

    #[test]
    fn pages_are_bounded() {
        assert_eq!(
            page(None, None, 50).unwrap(),
            Page {
                page: 1,
                per_page: 50
            }
        );
        assert!(page(Some(0), None, 50).is_err());
        assert!(page(Some(i64::MAX), Some(200), 50).is_err());
        assert!(page(Some(MAX_PAGE), Some(MAX_PER_PAGE), 50).is_ok());
        assert!(page(None, Some(201), 50).is_err());
        assert!(page(None, Some(0), 50).is_err());
    }

    #[test]
    fn names_blank_after_trimming_invisible_characters_are_refused() {
        assert_eq!(name("name", "  PTO \u{200B}", 200).unwrap(), "PTO");
        assert!(name("name", " \u{200B}\u{FEFF}\u{2060} \t", 200).is_err());
        assert!(name("name", "", 200).is_err());
        assert!(name("name", "a\0b", 200).is_err());
        assert!(name("name", &"x".repeat(201), 200).is_err());
    }

    #[test]
    fn texts_refuse_nul_and_control_characters() {
        assert!(text("pm_notes", "line one\nline two\ttab").is_ok());
        let err = text("pm_notes", "a\0b").unwrap_err().to_string();
        assert!(err.contains("pm_notes") && err.contains("NUL"), "{err}");
        assert!(text("pm_notes", "bell\u{7}").is_err());
    }

    #[test]
    fn dates_accept_days_and_timestamps_only() {
        assert_eq!(
            date("start_date", Some("2026-11-01"))
                .unwrap()
                .unwrap()
                .to_rfc3339(),
            "2026-11-01T00:00:00+00:00"
        );
        assert!(date("start_date", Some("2026-11-01T10:00:00+02:00"))
            .unwrap()
            .is_some());
        let err = date("end_date", Some("yesterday")).unwrap_err().to_string();
        assert!(err.contains("end_date"), "{err}");
    }

    #[test]
    fn categories_and_lists_are_checked_against_their_vocabularies() {
        let t = Taxonomy::default();
        assert!(category(&t, Some("PAYROLL"), Some("pay_runs")).is_ok());
        assert!(category(&t, Some("PAYROLL"), Some("pto")).is_err());
        assert!(category(&t, Some("HR"), None).is_err());
        assert!(category(&t, None, Some("nope")).is_err());
        let s: Vec<domain::Severity> = vocabulary_list(Some("critical, high")).unwrap();
        assert_eq!(s.len(), 2);
        assert!(vocabulary_list::<domain::Severity>(Some("critical,urgent")).is_err());
    }
}
