//! Week-over-week trends of a cluster.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// A cluster's activity in the last 7 days against the 7 days before.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Trend {
    pub count_7d: i64,
    pub count_prior_7d: i64,
    /// Percentage change; `None` when the prior week had no issues, because growth from zero
    /// has no meaningful percentage (the dashboard shows "new" instead of a made-up +100 %).
    pub pct: Option<f64>,
}

/// A cluster counts as growing fast when it rose at least this much week over week …
pub const EMERGING_MIN_GROWTH_PCT: f64 = 50.0;
/// … with at least this many issues this week, so 1 → 2 is not news.
pub const EMERGING_MIN_COUNT: i64 = 3;

impl Trend {
    /// The trend from the two weekly counts, rounded to two decimals.
    pub fn from_counts(count_7d: i64, count_prior_7d: i64) -> Self {
        let pct = (count_prior_7d > 0).then(|| {
            let raw = (count_7d - count_prior_7d) as f64 / count_prior_7d as f64 * 100.0;
            (raw * 100.0).round() / 100.0
        });
        Trend {
            count_7d,
            count_prior_7d,
            pct,
        }
    }

    /// Whether this week's activity is notable growth: rising by at least
    /// [`EMERGING_MIN_GROWTH_PCT`], or appearing from nothing, with at least
    /// [`EMERGING_MIN_COUNT`] issues this week.
    pub fn is_growing_fast(&self) -> bool {
        self.count_7d >= EMERGING_MIN_COUNT && self.pct.is_none_or(|p| p >= EMERGING_MIN_GROWTH_PCT)
    }
}

/// "Emerging" (seed 000): a cluster first seen in the last 7 days, or one growing fast.
pub fn is_emerging(first_seen: Option<DateTime<Utc>>, trend: &Trend, now: DateTime<Utc>) -> bool {
    let new = first_seen.is_some_and(|f| f >= now - Duration::days(7));
    (new && trend.count_7d > 0) || trend.is_growing_fast()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn growth_and_decline_are_percentages_of_the_prior_week() {
        assert_eq!(Trend::from_counts(15, 10).pct, Some(50.0));
        assert_eq!(Trend::from_counts(5, 10).pct, Some(-50.0));
        assert_eq!(Trend::from_counts(10, 10).pct, Some(0.0));
        assert_eq!(Trend::from_counts(0, 4).pct, Some(-100.0));
        assert_eq!(Trend::from_counts(2, 3).pct, Some(-33.33));
    }

    #[test]
    fn a_prior_week_of_zero_has_no_percentage() {
        assert_eq!(Trend::from_counts(7, 0).pct, None);
        assert_eq!(Trend::from_counts(0, 0).pct, None);
    }

    #[test]
    fn growth_from_a_prior_week_of_zero_can_be_fast_but_needs_volume() {
        assert!(Trend::from_counts(3, 0).is_growing_fast());
        assert!(!Trend::from_counts(2, 0).is_growing_fast());
        assert!(Trend::from_counts(6, 4).is_growing_fast());
        assert!(!Trend::from_counts(5, 4).is_growing_fast());
        assert!(!Trend::from_counts(0, 0).is_growing_fast());
    }

    #[test]
    fn new_clusters_with_activity_are_emerging() {
        let now: DateTime<Utc> = "2026-11-23T12:00:00Z".parse().unwrap();
        let quiet = Trend::from_counts(1, 0);
        assert!(is_emerging(Some(now - Duration::days(2)), &quiet, now));
        assert!(!is_emerging(Some(now - Duration::days(20)), &quiet, now));
        assert!(!is_emerging(None, &Trend::from_counts(0, 0), now));
        assert!(is_emerging(
            Some(now - Duration::days(20)),
            &Trend::from_counts(9, 3),
            now
        ));
    }
}
