//! What a request cost, from the published per-model prices (USD per million tokens, checked
//! 2026-11-23 on platform.claude.com's model pages). A model missing here has no known price:
//! its cost is reported as unknown rather than guessed.

use crate::Usage;

/// Prices of one model in USD per million tokens.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Price {
    pub input: f64,
    pub output: f64,
    /// Writing the 5-minute prompt cache.
    pub cache_write: f64,
    pub cache_read: f64,
}

/// The Message Batches API bills half of every price.
pub const BATCH_DISCOUNT: f64 = 0.5;

const PRICES: &[(&str, Price)] = &[
    (
        "claude-sonnet-5-5",
        Price {
            input: 2.0,
            output: 10.0,
            cache_write: 2.5,
            cache_read: 0.2,
        },
    ),
    (
        "claude-sonnet-5",
        Price {
            input: 2.0,
            output: 10.0,
            cache_write: 2.5,
            cache_read: 0.2,
        },
    ),
    (
        "claude-sonnet-4-6",
        Price {
            input: 3.0,
            output: 15.0,
            cache_write: 3.75,
            cache_read: 0.3,
        },
    ),
    (
        "claude-sonnet-4-5",
        Price {
            input: 3.0,
            output: 15.0,
            cache_write: 3.75,
            cache_read: 0.3,
        },
    ),
    (
        "claude-haiku-4-5",
        Price {
            input: 1.0,
            output: 5.0,
            cache_write: 1.25,
            cache_read: 0.1,
        },
    ),
];

/// The price of `model`, accepting dated snapshot ids (`claude-sonnet-4-5-20250929`).
pub fn price(model: &str) -> Option<Price> {
    let base = match model.rsplit_once('-') {
        Some((base, date)) if date.len() == 8 && date.bytes().all(|b| b.is_ascii_digit()) => base,
        _ => model,
    };
    PRICES.iter().find(|(id, _)| *id == base).map(|(_, p)| *p)
}

/// The cost in USD of a request to `model` that used `usage`; `batch` when it went through the
/// Message Batches API.
pub fn cost_usd(model: &str, usage: &Usage, batch: bool) -> Option<f64> {
    let p = price(model)?;
    let per_token = |tokens: u64, per_million: f64| tokens as f64 * per_million / 1_000_000.0;
    let total = per_token(usage.input_tokens, p.input)
        + per_token(usage.output_tokens, p.output)
        + per_token(
            usage.cache_creation_input_tokens.unwrap_or(0),
            p.cache_write,
        )
        + per_token(usage.cache_read_input_tokens.unwrap_or(0), p.cache_read);
    Some(if batch { total * BATCH_DISCOUNT } else { total })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cost_adds_every_token_kind_at_its_price() {
        let usage = Usage {
            input_tokens: 1_000_000,
            output_tokens: 100_000,
            cache_creation_input_tokens: Some(200_000),
            cache_read_input_tokens: Some(1_000_000),
        };
        // 2.00 + 1.00 + 0.50 + 0.20
        let cost = cost_usd("claude-sonnet-5-5", &usage, false).unwrap();
        assert!((cost - 3.7).abs() < 1e-9, "{cost}");
        let batch = cost_usd("claude-sonnet-5-5", &usage, true).unwrap();
        assert!((batch - 1.85).abs() < 1e-9, "{batch}");
    }

    #[test]
    fn dated_ids_share_their_models_price_and_unknown_models_have_none() {
        assert_eq!(
            price("claude-sonnet-4-5-20250929"),
            price("claude-sonnet-4-5")
        );
        assert_ne!(price("claude-sonnet-5"), None);
        assert_eq!(price("claude-sonnet-5-5").unwrap().input, 2.0);
        assert_eq!(price("gpt-9"), None);
        assert_eq!(cost_usd("gpt-9", &Usage::default(), false), None);
    }
}
