//! Extracted issues: what an analyzer proposes ([`IssueDraft`], untrusted strings) and what we
//! store ([`ValidatedIssue`], every field checked against the taxonomy).

use crate::taxonomy::{IssueType, Severity, Taxonomy, TaxonomyError};
use serde::{Deserialize, Serialize};

/// The longest summary we keep (the column is VARCHAR(500)).
pub const MAX_SUMMARY_CHARS: usize = 500;
/// The longest detail and quote we keep; longer ones are cut at a word.
pub const MAX_DETAIL_CHARS: usize = 4_000;
pub const MAX_QUOTE_CHARS: usize = 1_000;
/// The most issues one ticket may yield; more means the analyzer misbehaved.
pub const MAX_ISSUES_PER_TICKET: usize = 10;

/// One issue as an analyzer returned it, before validation. Field names follow the extraction
/// prompt's JSON (seed 000).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssueDraft {
    pub category: String,
    pub subcategory: String,
    pub issue_type: String,
    pub severity: String,
    pub summary: String,
    #[serde(default)]
    pub detail: Option<String>,
    #[serde(default)]
    pub representative_quote: Option<String>,
    #[serde(default)]
    pub confidence: Option<f64>,
}

/// What an analyzer says about one ticket (the extraction prompt's response shape).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnalysisOutcome {
    pub issues: Vec<IssueDraft>,
    #[serde(default)]
    pub no_product_issue: bool,
    #[serde(default)]
    pub skip_reason: Option<String>,
}

/// An issue whose every field was checked against the taxonomy in use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidatedIssue {
    pub category: String,
    pub subcategory: String,
    pub issue_type: IssueType,
    pub severity: Severity,
    pub summary: String,
    pub detail: Option<String>,
    pub representative_quote: Option<String>,
    pub confidence: Option<f64>,
}

impl IssueDraft {
    /// Validates every field; the first problem found is the error.
    pub fn validate(&self, taxonomy: &Taxonomy) -> Result<ValidatedIssue, TaxonomyError> {
        let (category, subcategory) = taxonomy.check_pair(&self.category, &self.subcategory)?;
        let issue_type = self.issue_type.parse::<IssueType>()?;
        let severity = self.severity.parse::<Severity>()?;
        let summary = crate::text::clean(&self.summary);
        if summary.is_empty() {
            return Err(TaxonomyError::BadField {
                field: "summary",
                reason: "is empty".into(),
            });
        }
        if summary.chars().count() > MAX_SUMMARY_CHARS {
            return Err(TaxonomyError::BadField {
                field: "summary",
                reason: format!("is longer than {MAX_SUMMARY_CHARS} characters"),
            });
        }
        if let Some(c) = self.confidence {
            if !(0.0..=1.0).contains(&c) || c.is_nan() {
                return Err(TaxonomyError::BadField {
                    field: "confidence",
                    reason: format!("{c} is outside 0..1"),
                });
            }
        }
        let non_empty = |s: &Option<String>, max: usize| {
            s.as_deref()
                .map(crate::text::clean)
                .filter(|s| !s.is_empty())
                .map(|s| crate::text::truncate_words(&s, max))
        };
        Ok(ValidatedIssue {
            category,
            subcategory,
            issue_type,
            severity,
            summary,
            detail: non_empty(&self.detail, MAX_DETAIL_CHARS),
            representative_quote: non_empty(&self.representative_quote, MAX_QUOTE_CHARS),
            confidence: self.confidence.map(|c| (c * 100.0).round() / 100.0),
        })
    }
}

impl AnalysisOutcome {
    /// A ticket that describes no product problem, and why.
    pub fn no_issue(reason: &str) -> Self {
        AnalysisOutcome {
            issues: vec![],
            no_product_issue: true,
            skip_reason: Some(reason.to_string()),
        }
    }

    /// Validates the whole outcome: all issues are valid or none is taken, so a bad analyzer
    /// answer never leaves a ticket half-analyzed.
    pub fn validate(&self, taxonomy: &Taxonomy) -> Result<Vec<ValidatedIssue>, TaxonomyError> {
        if self.issues.len() > MAX_ISSUES_PER_TICKET {
            return Err(TaxonomyError::BadField {
                field: "issues",
                reason: format!(
                    "has {} entries, more than the {MAX_ISSUES_PER_TICKET} allowed",
                    self.issues.len()
                ),
            });
        }
        self.issues.iter().map(|i| i.validate(taxonomy)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> IssueDraft {
        IssueDraft {
            category: "TIME_AND_ATTENDANCE".into(),
            subcategory: "punch_in_out".into(),
            issue_type: "bug".into(),
            severity: "high".into(),
            summary: "  Clock-in button unresponsive on Android 14 ".into(),
            detail: Some("  ".into()),
            representative_quote: Some("I have to tap it 4 times".into()),
            confidence: Some(0.923),
        }
    }

    #[test]
    fn a_valid_draft_is_trimmed_typed_and_rounded() {
        let issue = draft().validate(&Taxonomy::default()).unwrap();
        assert_eq!(issue.summary, "Clock-in button unresponsive on Android 14");
        assert_eq!(issue.severity, Severity::High);
        assert_eq!(issue.detail, None);
        assert_eq!(issue.confidence, Some(0.92));
    }

    #[test]
    fn control_characters_are_dropped_and_long_quotes_cut() {
        let mut d = draft();
        d.summary = "Clock-in\u{0} fails \u{202e}".into();
        d.representative_quote = Some("word ".repeat(500));
        d.detail = Some("\u{0}\u{1b}".into());
        let issue = d.validate(&Taxonomy::default()).unwrap();
        assert_eq!(issue.summary, "Clock-in fails");
        assert_eq!(issue.detail, None);
        let quote = issue.representative_quote.unwrap();
        assert!(quote.chars().count() <= MAX_QUOTE_CHARS && quote.ends_with('…'));
    }

    #[test]
    fn each_field_outside_the_taxonomy_is_rejected() {
        let t = Taxonomy::default();
        type Mutation = fn(&mut IssueDraft);
        let cases: Vec<(Mutation, &str)> = vec![
            (|d| d.category = "HR".into(), "category"),
            (|d| d.subcategory = "deductions".into(), "subcategory"),
            (|d| d.issue_type = "complaint".into(), "issue_type"),
            (|d| d.severity = "urgent".into(), "severity"),
            (|d| d.summary = " ".into(), "summary"),
            (|d| d.summary = "x".repeat(501), "summary"),
            (|d| d.confidence = Some(1.5), "confidence"),
        ];
        for (mutate, what) in cases {
            let mut d = draft();
            mutate(&mut d);
            let err = d.validate(&t).unwrap_err().to_string();
            assert!(err.contains(what), "{what}: {err}");
        }
    }

    #[test]
    fn one_bad_issue_rejects_the_whole_outcome() {
        let mut bad = draft();
        bad.severity = "meh".into();
        let outcome = AnalysisOutcome {
            issues: vec![draft(), bad],
            no_product_issue: false,
            skip_reason: None,
        };
        assert!(outcome.validate(&Taxonomy::default()).is_err());
    }

    #[test]
    fn the_seed_response_shape_parses() {
        let json =
            r#"{"issues": [], "no_product_issue": true, "skip_reason": "Billing inquiry only"}"#;
        let outcome: AnalysisOutcome = serde_json::from_str(json).unwrap();
        assert!(outcome.no_product_issue);
        assert!(outcome.validate(&Taxonomy::default()).unwrap().is_empty());
    }
}
