//! PII scrubbing: what must not leave the process when a ticket is sent to an external model.
//!
//! [`scrub`] replaces personal data and credentials with typed placeholders (`[EMAIL]`,
//! `[PHONE]`, `[CARD]`, `[SSN]`, `[IBAN]`, `[BANK_ACCOUNT]`, `[PASSWORD]`, `[SECRET]`,
//! `[API_KEY]`, `[TOKEN]`) so the model still knows *what* was there. The originals stay in our
//! database; only the outgoing prompt is scrubbed. Pure: no I/O.
//!
//! Precision matters as much as recall: a ticket's dates, money amounts, invoice numbers and
//! version numbers are what the analysis needs, so numbers are only scrubbed when their shape
//! is specific (phone layouts, card numbers passing the Luhn check, IBANs passing mod-97,
//! 3-2-4 SSNs) or a label says what they are ("routing number 110000000").

use regex::{Captures, Regex};
use std::sync::LazyLock;

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("the PII patterns are valid")
}

/// `password: x`, `pwd=x`, `password is x` (the last only when x looks like a password, so
/// "the password is expired" stays).
static LABELLED_PASSWORD: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(password|passwd|pwd|passcode|temp(?:orary)? password)(\s*(?::|=)\s*|\s+is\s+)([^\s,;]+)",
    )
});
/// `api key: x`, `token = x`, `secret: x`, `client secret is x`.
static LABELLED_SECRET: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(api[ _-]?key|access[ _-]?token|auth[ _-]?token|token|secret|client[ _-]?secret)(\s*(?::|=)\s*|\s+is\s+)([^\s,;]+)",
    )
});
/// Keys with a recognisable prefix: Anthropic/OpenAI `sk-…`, GitHub, Slack, AWS access keys.
static API_KEY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(?:sk-[A-Za-z0-9_-]{16,}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|xox[abpr]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16})\b",
    )
});
static BEARER: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]{10,}"));
static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"[A-Za-z0-9._%+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}",
    )
});
static IBAN: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b"));
/// Card layouts: 4-4-4-1..4 and Amex 4-6-5 with spaces or dashes, or 13-19 digits in a row.
static CARD: LazyLock<Regex> = LazyLock::new(|| {
    re(r"\b(?:\d{4}[ -]\d{4}[ -]\d{4}[ -]\d{1,4}|\d{4}[ -]\d{6}[ -]\d{5}|\d{13,19})\b")
});
static SSN: LazyLock<Regex> = LazyLock::new(|| re(r"\b\d{3}-\d{2}-\d{4}\b"));
/// A nine-digit SSN written without dashes only counts when labelled.
static LABELLED_SSN: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i)\b(ssn|social security(?: number| no\.?| #)?)(\s*(?:#|:)?\s*)\d{9}\b")
});
/// Account and routing numbers, when labelled ("routing number 110000000", "acct # 12345678").
static BANK_ACCOUNT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(routing|account|acct|aba)(\s*(?:number|no\.?|num|#)?\s*:?(?:\s+(?:in|on|the|our|system|file|profile|is|was|shows|now))*\s*:?\s*)(\d[\d -]{4,18}\d)\b",
    )
});
/// International numbers: `+` and a country code, then groups.
static INTL_PHONE: LazyLock<Regex> =
    LazyLock::new(|| re(r"\+\d{1,3}[ .-]?(?:\(\d{1,4}\)|\d{1,4})(?:[ .-]?\d{2,4}){2,4}\b"));
/// North American layouts: 415-555-0132, (415) 555-0132, 415.555.0132, optionally 1- first.
static NANP_PHONE: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?:\b1[ .-])?(?:\(\d{3}\)\s?|\b\d{3}[ .-])\d{3}[ .-]\d{4}\b"));

/// The text with personal data and credentials replaced by typed placeholders.
pub fn scrub(text: &str) -> String {
    // Credentials first (a password may look like anything else), then the most specific
    // shapes, so a card number is never half-eaten by the phone pattern.
    let s = LABELLED_PASSWORD.replace_all(text, |c: &Captures| {
        let value = &c[3];
        let looks_secret = c[2].trim_start().starts_with([':', '='])
            || value.chars().any(|ch| !ch.is_ascii_alphabetic());
        if looks_secret {
            format!("{}{}[PASSWORD]", &c[1], &c[2])
        } else {
            c[0].to_string()
        }
    });
    let s = API_KEY.replace_all(&s, "[API_KEY]");
    let s = LABELLED_SECRET.replace_all(&s, |c: &Captures| {
        let value = &c[3];
        let looks_secret = c[2].trim_start().starts_with([':', '='])
            || (value.len() >= 8 && value.chars().any(|ch| ch.is_ascii_digit()));
        if looks_secret && !value.starts_with('[') {
            format!("{}{}[SECRET]", &c[1], &c[2])
        } else {
            c[0].to_string()
        }
    });
    let s = BEARER.replace_all(&s, "$1 [TOKEN]");
    let s = EMAIL.replace_all(&s, "[EMAIL]");
    let s = IBAN.replace_all(&s, |c: &Captures| {
        if iban_checks(&c[0]) {
            "[IBAN]".to_string()
        } else {
            c[0].to_string()
        }
    });
    let s = CARD.replace_all(&s, |c: &Captures| {
        if luhn(&c[0]) {
            "[CARD]".to_string()
        } else {
            c[0].to_string()
        }
    });
    let s = SSN.replace_all(&s, "[SSN]");
    let s = LABELLED_SSN.replace_all(&s, "$1$2[SSN]");
    let s = BANK_ACCOUNT.replace_all(&s, "$1$2[BANK_ACCOUNT]");
    let s = INTL_PHONE.replace_all(&s, |c: &Captures| {
        let digits = c[0].chars().filter(char::is_ascii_digit).count();
        if (8..=15).contains(&digits) {
            "[PHONE]".to_string()
        } else {
            c[0].to_string()
        }
    });
    NANP_PHONE.replace_all(&s, "[PHONE]").into_owned()
}

/// The Luhn checksum of the digits in `s` (card numbers pass it; most other long numbers don't).
fn luhn(s: &str) -> bool {
    let digits: Vec<u32> = s.chars().filter_map(|c| c.to_digit(10)).collect();
    if !(13..=19).contains(&digits.len()) || digits.iter().all(|&d| d == digits[0]) {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 {
                    doubled - 9
                } else {
                    doubled
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// The ISO 13616 mod-97 check of an IBAN.
fn iban_checks(s: &str) -> bool {
    let compact: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if !(15..=34).contains(&compact.len()) {
        return false;
    }
    let rearranged = format!("{}{}", &compact[4..], &compact[..4]);
    let mut remainder: u64 = 0;
    for c in rearranged.chars() {
        let value = match c.to_digit(36) {
            Some(v) => v as u64,
            None => return false,
        };
        let width = if value >= 10 { 100 } else { 10 };
        remainder = (remainder * width + value) % 97;
    }
    remainder == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn unchanged(text: &str) {
        assert_eq!(scrub(text), text, "must not be scrubbed");
    }

    #[test]
    fn emails_including_plus_addressing_and_subdomains() {
        assert_eq!(
            scrub("Reach me at dana.ruiz+payroll@mail.acme-foods.co.uk or ops@acme.io."),
            "Reach me at [EMAIL] or [EMAIL]."
        );
    }

    #[test]
    fn north_american_and_international_phone_layouts() {
        assert_eq!(
            scrub("Call 916-555-0123, (415) 555-0132 or 1-800-555-0199."),
            "Call [PHONE], [PHONE] or [PHONE]."
        );
        assert_eq!(scrub("cell 305.555.0163"), "cell [PHONE]");
        assert_eq!(
            scrub("London +44 20 7946 0958, Paris +33 1 23 45 67 89, Berlin +49 30 123456, US +1 (415) 555-0132"),
            "London [PHONE], Paris [PHONE], Berlin [PHONE], US [PHONE]"
        );
    }

    #[test]
    fn card_numbers_are_scrubbed_only_when_they_pass_luhn() {
        assert_eq!(
            scrub("New card: 4111 1111 1111 1111, exp 09/29"),
            "New card: [CARD], exp 09/29"
        );
        assert_eq!(scrub("card 4111-1111-1111-1111"), "card [CARD]");
        assert_eq!(scrub("amex 3782 822463 10005"), "amex [CARD]");
        assert_eq!(scrub("5555555555554444"), "[CARD]");
        // 16 digits that fail the checksum: an order or tracking number, kept.
        unchanged("tracking 1234 5678 9012 3456");
    }

    #[test]
    fn ssns_with_dashes_or_a_label() {
        assert_eq!(
            scrub("rehire Rachel Perez (SSN 000-32-5965) who left"),
            "rehire Rachel Perez (SSN [SSN]) who left"
        );
        assert_eq!(scrub("ssn: 000123456"), "ssn: [SSN]");
        assert_eq!(scrub("SSN is 000-12-3456."), "SSN is [SSN].");
    }

    #[test]
    fn bank_numbers_when_labelled_and_ibans_that_check() {
        assert_eq!(
            scrub("new routing number 110000000, account ending 9150"),
            "new routing number [BANK_ACCOUNT], account ending 9150"
        );
        assert_eq!(
            scrub("The routing # in the system is 110000000"),
            "The routing # in the system is [BANK_ACCOUNT]"
        );
        assert_eq!(
            scrub("IBAN DE89 3704 0044 0532 0130 00 please"),
            "IBAN [IBAN] please"
        );
        assert_eq!(scrub("GB82WEST12345698765432"), "[IBAN]");
        // Right shape, wrong checksum: a product code.
        unchanged("part DE00 1234 5678 9012");
    }

    #[test]
    fn passwords_tokens_and_api_keys() {
        assert_eq!(
            scrub("temp password: Summer2026! and pwd=hunter2"),
            "temp password: [PASSWORD] and pwd=[PASSWORD]"
        );
        assert_eq!(
            scrub("my password is P@ssw0rd"),
            "my password is [PASSWORD]"
        );
        assert_eq!(
            scrub("key sk-ant-api03-AbCdEf0123456789xyz and Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc"),
            "key [API_KEY] and Authorization: Bearer [TOKEN]"
        );
        assert_eq!(
            scrub("api_key=abc123def456 token: 9f8e7d6c"),
            "api_key=[SECRET] token: [SECRET]"
        );
        // Talking about passwords is not a password.
        unchanged("Forgot my password and the reset link says it has expired.");
        unchanged("the password is expired, and the token expired too");
        unchanged("I got locked out after too many password attempts.");
    }

    #[test]
    fn dates_money_versions_and_ids_survive() {
        unchanged("Created 2026-11-12 01:34:26, due 10/24/2026 at 14:35.");
        unchanged("Invoice INV-2026-55428 for $580.04 (PO-69305), total $1,250,000.00.");
        unchanged("After updating to v2.13.4 (build 4.2.1-rc3) on Android 14.");
        unchanged("Employee #1234567 worked 12:30-13:45 and 38.5 hours.");
        unchanged("Between 2026-11-12 2026-11-13 the clock was offline.");
        unchanged("Ticket 40001 has score +5 10 20.");
        unchanged("W-2 and 1099 forms for 2025; 941 filing.");
    }

    #[test]
    fn a_sample_ticket_keeps_its_meaning() {
        let text = "Hi, I'm Brenda (brenda.castillo@keystonefulfillment.com, 909-555-0101). \
                    The time clock keeps going offline since firmware 3.2.1 on 2026-10-24.";
        assert_eq!(
            scrub(text),
            "Hi, I'm Brenda ([EMAIL], [PHONE]). \
             The time clock keeps going offline since firmware 3.2.1 on 2026-10-24."
        );
    }
}
