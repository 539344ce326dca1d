//! The product taxonomy: categories and their subcategories (loaded from a file, so a company
//! can use its own), and the fixed vocabularies every company shares: issue types, severities
//! and PM statuses.
//!
//! Severities, issue types and PM statuses are Rust enums because code behaves differently per
//! value (colours, ordering, workflow). Categories are data: they come from the taxonomy file
//! and everything else (database rows, prompts, API schema, offline analyzer) derives from the
//! loaded [`Taxonomy`].

use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::fmt;
use std::path::Path;
use std::str::FromStr;

/// The taxonomy shipped with Issue Miner (seed 000), embedded in every binary.
pub const DEFAULT_TAXONOMY_TOML: &str = include_str!("../taxonomy/default.toml");

/// Why a taxonomy file or a value checked against it was rejected.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TaxonomyError {
    #[error("taxonomy file could not be read: {0}")]
    Io(String),
    #[error("taxonomy file is not valid TOML: {0}")]
    Parse(String),
    #[error("taxonomy is invalid: {0}")]
    Invalid(String),
    #[error("unknown category {0:?}")]
    UnknownCategory(String),
    #[error("unknown subcategory {subcategory:?} for category {category:?}")]
    UnknownSubcategory {
        category: String,
        subcategory: String,
    },
    #[error("unknown {field} {value:?}; expected one of: {expected}")]
    UnknownValue {
        field: &'static str,
        value: String,
        expected: String,
    },
    #[error("{field} {reason}")]
    BadField { field: &'static str, reason: String },
}

/// Declares a closed vocabulary as an enum with its wire spelling, parsing and the list of all
/// values, so the database CHECK constraints and the API schema can be derived and tested.
macro_rules! vocabulary {
    ($(#[$doc:meta])* $name:ident, $field:literal, { $($(#[$vdoc:meta])* $variant:ident => $wire:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            /// Every value, in their natural order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The spelling used in the database, the API and prompts.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire),+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = TaxonomyError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let wanted = s.trim();
                $name::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str().eq_ignore_ascii_case(wanted))
                    .ok_or_else(|| TaxonomyError::UnknownValue {
                        field: $field,
                        value: s.to_string(),
                        expected: $name::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", "),
                    })
            }
        }
    };
}

vocabulary!(
    /// How much a problem hurts the customer. Ordered from worst to mildest.
    Severity, "severity", {
        /// Money or compliance at stake, or a complete blocker.
        Critical => "critical",
        /// A major workflow is blocked and the workaround is painful.
        High => "high",
        /// Impaired but functional.
        Medium => "medium",
        /// A minor inconvenience.
        Low => "low",
    }
);

vocabulary!(
    /// What kind of product problem an issue is.
    IssueType, "issue_type", {
        /// Broken functionality.
        Bug => "bug",
        /// Works, but is painful.
        Friction => "friction",
        /// The user does not understand how it works.
        UxConfusion => "ux_confusion",
        /// The user wants a capability that does not exist.
        FeatureRequest => "feature_request",
        /// The answer could not be found in the documentation.
        DocumentationGap => "documentation_gap",
        /// Sync, import or export problems.
        DataIssue => "data_issue",
    }
);

vocabulary!(
    /// Where a product manager is with a cluster.
    PmStatus, "pm_status", {
        New => "new",
        Reviewing => "reviewing",
        Acknowledged => "acknowledged",
        Fixed => "fixed",
        WontFix => "wont_fix",
    }
);

impl Severity {
    /// What the severity means, for prompts and documentation.
    pub fn description(self) -> &'static str {
        match self {
            Severity::Critical => "Money/compliance issues, complete blockers",
            Severity::High => "Major workflow blocked, workaround painful",
            Severity::Medium => "Impaired but functional",
            Severity::Low => "Minor inconvenience",
        }
    }
}

impl IssueType {
    /// What the issue type means, for prompts and documentation.
    pub fn description(self) -> &'static str {
        match self {
            IssueType::Bug => "Broken functionality",
            IssueType::Friction => "Works but painful",
            IssueType::UxConfusion => "User doesn't understand how",
            IssueType::FeatureRequest => "Wants capability that doesn't exist",
            IssueType::DocumentationGap => "Couldn't find answer in docs",
            IssueType::DataIssue => "Sync, import/export problems",
        }
    }
}

/// A subcategory of a category, with hints for the offline analyzer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subcategory {
    pub key: String,
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub description: String,
    /// Words or phrases that suggest this subcategory (offline analyzer).
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Short example sentences of customers describing a problem of this subcategory: the
    /// labelled examples the embedding analyzer learns the subcategory from.
    #[serde(default)]
    pub examples: Vec<String>,
}

/// A top-level product area.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    pub key: String,
    #[serde(default)]
    pub label: String,
    pub subcategories: Vec<Subcategory>,
}

/// A company's product taxonomy. Construct it with [`Taxonomy::from_toml`], [`Taxonomy::load`]
/// or [`Taxonomy::default`]; all three validate it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Taxonomy {
    /// Who the product is, for prompts ("a time & attendance + payroll SaaS company").
    pub product: String,
    pub categories: Vec<Category>,
    /// Example sentences of tickets that describe no product problem (billing, sales, thanks,
    /// auto-replies): the embedding analyzer's "no product issue" class.
    #[serde(default)]
    pub no_issue_examples: Vec<String>,
}

impl Default for Taxonomy {
    fn default() -> Self {
        Self::from_toml(DEFAULT_TAXONOMY_TOML).expect("the embedded default taxonomy is valid")
    }
}

impl Taxonomy {
    /// Parses and validates a taxonomy written in TOML.
    pub fn from_toml(text: &str) -> Result<Self, TaxonomyError> {
        let taxonomy: Taxonomy =
            toml::from_str(text).map_err(|e| TaxonomyError::Parse(e.to_string()))?;
        taxonomy.validate()?;
        Ok(taxonomy)
    }

    /// Loads the taxonomy file at `path`.
    pub fn load(path: &Path) -> Result<Self, TaxonomyError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| TaxonomyError::Io(format!("{}: {e}", path.display())))?;
        Self::from_toml(&text)
    }

    /// Loads `path` when given, the embedded default otherwise.
    pub fn load_or_default(path: Option<&Path>) -> Result<Self, TaxonomyError> {
        match path {
            Some(path) => Self::load(path),
            None => Ok(Self::default()),
        }
    }

    fn validate(&self) -> Result<(), TaxonomyError> {
        let invalid = |m: String| Err(TaxonomyError::Invalid(m));
        if self.categories.is_empty() {
            return invalid("it has no categories".into());
        }
        let mut categories = HashSet::new();
        for category in &self.categories {
            if !is_key(&category.key) {
                return invalid(format!(
                    "category key {:?} must be 1-50 letters, digits or underscores",
                    category.key
                ));
            }
            if !categories.insert(&category.key) {
                return invalid(format!("category {:?} appears twice", category.key));
            }
            if category.subcategories.is_empty() {
                return invalid(format!("category {:?} has no subcategories", category.key));
            }
            let mut subcategories = HashSet::new();
            for sub in &category.subcategories {
                if !is_key(&sub.key) {
                    return invalid(format!(
                        "subcategory key {:?} in {:?} must be 1-50 letters, digits or underscores",
                        sub.key, category.key
                    ));
                }
                if !subcategories.insert(&sub.key) {
                    return invalid(format!(
                        "subcategory {:?} appears twice in {:?}",
                        sub.key, category.key
                    ));
                }
            }
        }
        Ok(())
    }

    /// The category with this key.
    pub fn category(&self, key: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.key == key)
    }

    /// The subcategory `sub` of category `category`.
    pub fn subcategory(&self, category: &str, sub: &str) -> Option<&Subcategory> {
        self.category(category)?
            .subcategories
            .iter()
            .find(|s| s.key == sub)
    }

    /// Every (category, subcategory) pair, in file order.
    pub fn pairs(&self) -> impl Iterator<Item = (&Category, &Subcategory)> {
        self.categories
            .iter()
            .flat_map(|c| c.subcategories.iter().map(move |s| (c, s)))
    }

    /// Checks that `category`/`subcategory` exist, returning their canonical keys. Matching is
    /// case-insensitive for categories (LLMs write "Payroll") and exact otherwise.
    pub fn check_pair(
        &self,
        category: &str,
        subcategory: &str,
    ) -> Result<(String, String), TaxonomyError> {
        let cat = self
            .categories
            .iter()
            .find(|c| c.key.eq_ignore_ascii_case(category.trim()))
            .ok_or_else(|| TaxonomyError::UnknownCategory(category.to_string()))?;
        let sub = cat
            .subcategories
            .iter()
            .find(|s| s.key.eq_ignore_ascii_case(subcategory.trim()))
            .ok_or_else(|| TaxonomyError::UnknownSubcategory {
                category: cat.key.clone(),
                subcategory: subcategory.to_string(),
            })?;
        Ok((cat.key.clone(), sub.key.clone()))
    }

    /// A stable fingerprint of the categories and subcategories, to tell when the taxonomy in
    /// use changed.
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut hasher = Sha256::new();
        for (c, s) in self.pairs() {
            hasher.update(c.key.as_bytes());
            hasher.update(b"/");
            hasher.update(s.key.as_bytes());
            hasher.update(b"\n");
        }
        hex::encode(&hasher.finalize()[..8])
    }
}

fn is_key(key: &str) -> bool {
    !key.is_empty() && key.len() <= 50 && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_taxonomy_has_the_seeds_fourteen_subcategories() {
        let t = Taxonomy::default();
        let keys: Vec<_> = t.categories.iter().map(|c| c.key.as_str()).collect();
        assert_eq!(keys, ["TIME_AND_ATTENDANCE", "PAYROLL", "SETTINGS"]);
        assert_eq!(t.pairs().count(), 14);
        assert!(t.subcategory("PAYROLL", "reporting").is_some());
        assert!(t.subcategory("TIME_AND_ATTENDANCE", "reporting").is_some());
        assert!(t.subcategory("SETTINGS", "pto").is_none());
    }

    #[test]
    fn a_company_taxonomy_replaces_the_default() {
        let t = Taxonomy::from_toml(
            r#"
            product = "a food delivery app"
            [[categories]]
            key = "ORDERS"
            [[categories.subcategories]]
            key = "late_delivery"
            keywords = ["late", "cold food"]
            "#,
        )
        .unwrap();
        assert_eq!(t.pairs().count(), 1);
        assert_eq!(
            t.subcategory("ORDERS", "late_delivery")
                .unwrap()
                .keywords
                .len(),
            2
        );
    }

    #[test]
    fn duplicate_and_malformed_keys_are_rejected_with_the_reason() {
        let dup = r#"
            product = "x"
            [[categories]]
            key = "A"
            [[categories.subcategories]]
            key = "s"
            [[categories.subcategories]]
            key = "s"
        "#;
        let err = Taxonomy::from_toml(dup).unwrap_err();
        assert!(
            matches!(&err, TaxonomyError::Invalid(m) if m.contains("appears twice")),
            "{err}"
        );

        let spaces = r#"
            product = "x"
            [[categories]]
            key = "A B"
            [[categories.subcategories]]
            key = "s"
        "#;
        assert!(matches!(
            Taxonomy::from_toml(spaces),
            Err(TaxonomyError::Invalid(_))
        ));

        let empty = r#"
            product = "x"
            [[categories]]
            key = "A"
            subcategories = []
        "#;
        assert!(matches!(
            Taxonomy::from_toml(empty),
            Err(TaxonomyError::Invalid(_))
        ));
        assert!(matches!(
            Taxonomy::from_toml("product = 3"),
            Err(TaxonomyError::Parse(_))
        ));
    }

    #[test]
    fn pairs_are_checked_and_canonicalised() {
        let t = Taxonomy::default();
        assert_eq!(
            t.check_pair("payroll", "Direct_Deposits").unwrap(),
            ("PAYROLL".to_string(), "direct_deposits".to_string())
        );
        assert_eq!(
            t.check_pair("HR", "pto"),
            Err(TaxonomyError::UnknownCategory("HR".into()))
        );
        assert!(matches!(
            t.check_pair("SETTINGS", "pto"),
            Err(TaxonomyError::UnknownSubcategory { .. })
        ));
    }

    #[test]
    fn vocabularies_parse_their_wire_spelling_only() {
        assert_eq!("HIGH".parse::<Severity>().unwrap(), Severity::High);
        assert_eq!(
            "ux_confusion".parse::<IssueType>().unwrap(),
            IssueType::UxConfusion
        );
        assert_eq!("wont_fix".parse::<PmStatus>().unwrap(), PmStatus::WontFix);
        let err = "urgent".parse::<Severity>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown severity \"urgent\"; expected one of: critical, high, medium, low"
        );
        assert!("bugs".parse::<IssueType>().is_err());
    }

    #[test]
    fn severities_order_from_worst() {
        assert!(Severity::Critical < Severity::Low);
        assert_eq!(Severity::ALL.len(), 4);
    }

    #[test]
    fn fingerprint_changes_with_the_subcategories() {
        let a = Taxonomy::default();
        let mut b = a.clone();
        b.categories[0].subcategories.pop();
        assert_ne!(a.fingerprint(), b.fingerprint());
        assert_eq!(a.fingerprint(), Taxonomy::default().fingerprint());
    }
}
