//! PII scrubbing: what must not leave the process when a ticket is sent to an external model.
//!
//! [`scrub`] replaces personal data and credentials with typed placeholders (`[EMAIL]`,
//! `[PHONE]`, `[CARD]`, `[SSN]`, `[NATIONAL_ID]`, `[IBAN]`, `[BANK_ACCOUNT]`, `[PASSWORD]`,
//! `[SECRET]`, `[API_KEY]`, `[TOKEN]`, `[DOB]`, `[ADDRESS]`, `[NAME]`) so the model still
//! knows *what* was there. [`Redactor`] adds what the ticket itself says about its people
//! (the requester's name from their email, personal tags) and scrubs every field a prompt
//! carries. The originals stay in our
//! database; only the outgoing prompt is scrubbed. Pure: no I/O.
//!
//! Precision matters as much as recall: a ticket's dates, money amounts, invoice numbers and
//! version numbers are what the analysis needs, so numbers are only scrubbed when their shape
//! is specific (phone layouts, card numbers passing the Luhn check, IBANs passing mod-97,
//! 3-2-4 SSNs) or a label says what they are ("routing number 110000000").

use domain::IncomingTicket;
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
/// Short labels only count with `:` or `=` ("pw: x", "pass=x"; not "boarding pass is").
static SHORT_PASSWORD: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)\b(pw|pass|pword|pin)(\s*[:=]\s*)([^\s,;]+)"));
/// `api key: x`, `token = x`, `secret: x`, `client secret is x`.
static LABELLED_SECRET: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b((?:[a-z0-9]+[_-])*(?:api[ _-]?key|access[ _-]?key(?:[ _-]?id)?|secret[ _-]?(?:access[ _-]?)?key|access[ _-]?token|auth[ _-]?token|refresh[ _-]?token|token|secret|client[ _-]?secret))(\s*(?::|=)\s*|\s+is\s+)([^\s,;]+)",
    )
});
/// Keys with a recognisable prefix: Anthropic/OpenAI `sk-…`, GitHub, Slack, AWS access keys.
static API_KEY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(?:sk-[A-Za-z0-9_-]{16,}|(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{16,}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|xox[abpr]-[A-Za-z0-9-]{10,}|(?:AKIA|ASIA)[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{35}|glpat-[A-Za-z0-9_-]{20}|eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})",
    )
});
static BEARER: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]{10,}"));
static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"[A-Za-z0-9._%+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}",
    )
});
static IBAN: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b"));
/// Card layouts: 4-4-4-1..4 and Amex 4-6-5 with spaces or dashes, or 13-19 digits in a row.
static CARD: LazyLock<Regex> = LazyLock::new(|| {
    re(r"\b(?:\d{4}[ -]\d{4}[ -]\d{4}[ -]\d{1,4}|\d{4}[ -]\d{6}[ -]\d{5}|\d{13,19})\b")
});
static SSN: LazyLock<Regex> = LazyLock::new(|| re(r"\b\d{3}-\d{2}-\d{4}\b"));
/// An SSN in any spacing (`123 45 6789`, `123456789`, `123.45.6789`) counts when labelled.
static LABELLED_SSN: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(ssn|ss#|social security(?: number| no\.?| #)?|tax ?id|tin|itin)(\s*(?:#|:|is|number|no\.?)?\s*)\d{3}[ .-]?\d{2}[ .-]?\d{4}\b",
    )
});
/// National ids of other countries, labelled or by their own shape: UK National Insurance
/// numbers (`QQ 12 34 56 C`), Canadian SINs (`046 454 286`, labelled), any "national id".
static NINO: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i)\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b")
});
static LABELLED_NATIONAL_ID: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(sin|social insurance(?: number)?|national (?:id|insurance)(?: number| no\.?)?|ni number|passport(?: number| no\.?)?|personal id(?: number)?|id number|driver'?s licen[cs]e(?: number| no\.?)?)\b(\s*(?:#|:|is)?\s*)([A-Z0-9][A-Z0-9 -]{4,18}[A-Z0-9])\b",
    )
});
/// Dates of birth, when labelled ("DOB 04/12/1987", "born on March 3, 1990").
static DOB: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(dob|d\.o\.b\.?|date of birth|birth ?date|birthday|born(?: on)?)(\s*(?:is|:|-|=)?\s*)(\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}-\d{2}-\d{2}|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2}(?:st|nd|rd|th)?,? \d{4}|\d{1,2}(?:st|nd|rd|th)? (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?,? \d{4})",
    )
});
/// Street addresses: a house number, one to four capitalized words and a street type, with
/// an optional unit ("1234 Maple Grove Ave, Apt 5B").
static ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b\d{1,6}[A-Za-z]?,? (?:[NSEW]\.? )?(?:[A-Z][A-Za-z'.-]*\.? ){1,4}(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|Ter|Parkway|Pkwy|Highway|Hwy|Circle|Cir|Close|Crescent|Square|Sq|Row|Mews|Strasse|Straße)\b\.?(?:,? (?:Apt|Apartment|Suite|Ste|Unit|Flat|#) ?[A-Za-z0-9-]+)?",
    )
});
/// A capitalized name after a greeting, a sign-off or a self-introduction.
static GREETING_NAME: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b((?i:hi|hello|hey|dear|thanks|thank you|cheers|regards|best|sincerely|kind regards|best regards|many thanks|warm regards|my name is|this is|i am|i'm|signed|from|contact|ask for|speak to|spoke with|spoke to|talked to|cc))(,?[ \t]+|,?[ \t]*\r?\n[ \t]*)((?:[A-Z][a-z]+(?:-[A-Z][a-z]+)?|[A-Z]\.)(?:[ \t]+(?:[A-Z][a-z]+(?:-[A-Z][a-z]+)?|[A-Z]\.|O'[A-Z][a-z]+|Mc[A-Z][a-z]+)){0,2})",
    )
});
/// A whole line that is only a capitalized name of two or three words after a sign-off line.
static SIGNATURE_NAME: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?mi)^((?:thanks|thank you|regards|best|cheers|sincerely|kind regards|best regards|br|many thanks)[,!.]?[ \t]*\r?\n)[ \t]*((?-i:[A-Z][a-z]+(?:[ \t]+[A-Z][a-z'-]+){0,2}))[ \t]*$",
    )
});
/// Words that follow greetings without being names ("Hi team", "Thanks Payroll support").
const NOT_NAMES: &[&str] = &[
    "Team",
    "All",
    "There",
    "Support",
    "Everyone",
    "Folks",
    "Guys",
    "Again",
    "So",
    "For",
    "In",
    "Advance",
    "The",
    "Our",
    "We",
    "It",
    "This",
    "That",
    "Payroll",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "Admin",
    "Sir",
    "Madam",
    "Customer",
    "Not",
    "Still",
    "Also",
    "Just",
    "Now",
    "Here",
    "Unable",
    "Having",
    "Getting",
    "Trying",
    "Looking",
    "Writing",
    "Sorry",
    "Sure",
    "Glad",
    "Happy",
    "A",
    "An",
    "Any",
    "HR",
    "IT",
    "Your",
    "My",
    "You",
    "Please",
    "Hope",
    "Morning",
    "Afternoon",
    "Evening",
    "Good",
    "Again",
    "Very",
    "Much",
    "Again,",
    "Android",
    "iOS",
    "Google",
    "Apple",
    "Microsoft",
    "Chrome",
    "Safari",
    "Windows",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
/// Account and routing numbers, when labelled ("routing number 110000000", "acct # 12345678").
static BANK_ACCOUNT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(routing|account|acct|aba)(\s*(?:number|no\.?|num|#)?\s*:?(?:\s+(?:in|on|the|our|system|file|profile|is|was|shows|now))*\s*:?\s*)(\d[\d -]{4,18}\d)\b",
    )
});
/// National layouts with a trunk 0: `020 7946 0958`, `0161 496 0000`, `07700 900123`,
/// `030 1234567` (10 or 11 digits).
static NATIONAL_PHONE: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?:^|[^\w+])\(?(0[1-9]\d{0,3})\)?[ .-]?(\d{3,4})[ .-]?(\d{3,4})\b"));
/// Ten digits in a row that are a valid North American number (area code and exchange start
/// 2-9), or eleven with a leading 1, when nothing says they are something else.
static BARE_NANP: LazyLock<Regex> = LazyLock::new(|| re(r"\b1?[2-9]\d{2}[2-9]\d{6}\b"));
/// What a bare 10-digit number is when this comes right before it.
static NOT_A_PHONE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(order|invoice|inv|po|ticket|case|ref|reference|tracking|account|acct|routing|employee|emp|id|#|no\.?|number)\W{0,3}$",
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
    // A full-width @ (U+FF20) or a small one (U+FE6B) writes an address all the same.
    let text = text.replace(['\u{FF20}', '\u{FE6B}'], "@");
    // Credentials first (a password may look like anything else), then the most specific
    // shapes, so a card number is never half-eaten by the phone pattern.
    let s = LABELLED_PASSWORD.replace_all(&text, |c: &Captures| {
        let value = &c[3];
        let looks_secret = c[2].trim_start().starts_with([':', '='])
            || value.chars().any(|ch| !ch.is_ascii_alphabetic());
        if looks_secret {
            format!("{}{}[PASSWORD]", &c[1], &c[2])
        } else {
            c[0].to_string()
        }
    });
    let s = SHORT_PASSWORD.replace_all(&s, "$1$2[PASSWORD]");
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
        // The optional short last group may have taken the next word ("… 7034 for"): try
        // without it before giving up.
        let whole = &c[0];
        if iban_checks(&whole.to_ascii_uppercase()) {
            return "[IBAN]".to_string();
        }
        match whole.rsplit_once(' ') {
            Some((head, tail)) if iban_checks(&head.to_ascii_uppercase()) => {
                format!("[IBAN] {tail}")
            }
            _ => whole.to_string(),
        }
    });
    let s = CARD.replace_all(&s, |c: &Captures| {
        if luhn(&c[0]) {
            "[CARD]".to_string()
        } else {
            c[0].to_string()
        }
    });
    let s = DOB.replace_all(&s, "$1$2[DOB]");
    let s = SSN.replace_all(&s, "[SSN]");
    let s = LABELLED_SSN.replace_all(&s, "$1$2[SSN]");
    let s = NINO.replace_all(&s, |c: &Captures| {
        // Two letters, six digits, a letter: a product code is rarely spaced 2-2-2.
        let spaced = c[0].contains(' ');
        let upper = c[0].chars().all(|ch| !ch.is_ascii_lowercase());
        if upper || spaced {
            "[NATIONAL_ID]".to_string()
        } else {
            c[0].to_string()
        }
    });
    let s = LABELLED_NATIONAL_ID.replace_all(&s, |c: &Captures| {
        if c[3].chars().filter(char::is_ascii_digit).count() >= 5 {
            format!("{}{}[NATIONAL_ID]", &c[1], &c[2])
        } else {
            c[0].to_string()
        }
    });
    let s = BANK_ACCOUNT.replace_all(&s, "$1$2[BANK_ACCOUNT]");
    let s = ADDRESS.replace_all(&s, "[ADDRESS]");
    let s = INTL_PHONE.replace_all(&s, |c: &Captures| {
        let digits = c[0].chars().filter(char::is_ascii_digit).count();
        if (8..=15).contains(&digits) {
            "[PHONE]".to_string()
        } else {
            c[0].to_string()
        }
    });
    let s = NANP_PHONE.replace_all(&s, "[PHONE]");
    let s = NATIONAL_PHONE.replace_all(&s, |c: &Captures| {
        let whole = &c[0];
        let lead = whole
            .find(|ch: char| ch == '(' || ch.is_ascii_digit())
            .unwrap_or(0);
        let digits = whole.chars().filter(char::is_ascii_digit).count();
        if (10..=11).contains(&digits)
            && !NOT_A_PHONE.is_match(&s[..c.get(0).map_or(0, |m| m.start()) + lead])
        {
            format!("{}[PHONE]", &whole[..lead])
        } else {
            whole.to_string()
        }
    });
    let s = BARE_NANP.replace_all(&s, |c: &Captures| {
        let before = &s[..c.get(0).map_or(0, |m| m.start())];
        if NOT_A_PHONE.is_match(before) {
            c[0].to_string()
        } else {
            "[PHONE]".to_string()
        }
    });
    scrub_names(&s)
}

/// Names that greetings, sign-offs and introductions give away.
fn scrub_names(text: &str) -> String {
    let s = SIGNATURE_NAME.replace_all(text, |c: &Captures| {
        if is_name(&c[2]) {
            format!("{}[NAME]", &c[1])
        } else {
            c[0].to_string()
        }
    });
    GREETING_NAME
        .replace_all(&s, |c: &Captures| {
            if is_name(&c[3]) {
                format!("{}{}[NAME]", &c[1], &c[2])
            } else {
                c[0].to_string()
            }
        })
        .into_owned()
}

fn is_name(candidate: &str) -> bool {
    let first = candidate.split_whitespace().next().unwrap_or_default();
    !first.is_empty() && !NOT_NAMES.contains(&first)
}

/// Tag keys whose value is a person or a personal id (`customer:Brenda Castillo`,
/// `whatsapp_profile:…`, `slack_user:U024BE7LH`).
const PERSONAL_TAGS: &[&str] = &[
    "customer",
    "requester",
    "user",
    "name",
    "contact",
    "email",
    "phone",
    "whatsapp_profile",
    "whatsapp",
    "slack_user",
    "slack",
    "intercom_user",
    "author",
    "reporter",
    "ssn",
    "employee",
];

/// Scrubs PII out of every field of one ticket that goes to a model, with what the ticket
/// itself says about its people: the requester's name (from their email's local part), the
/// organization, and the values of personal tags, wherever they appear in the text.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// Known personal words, longest first (full names before their parts).
    names: Vec<String>,
    org: Option<String>,
}

impl Redactor {
    pub fn for_ticket(ticket: &IncomingTicket) -> Self {
        Self::new(
            ticket.requester_email.as_deref(),
            ticket.requester_org_name.as_deref(),
            &ticket.tags,
        )
    }

    pub fn new(requester_email: Option<&str>, org: Option<&str>, tags: &[String]) -> Self {
        let mut names = Vec::new();
        if let Some(local) = requester_email.and_then(|e| e.split('@').next()) {
            let parts: Vec<String> = local
                .split(['.', '_', '-', '+'])
                .filter(|p| p.len() >= 3 && p.chars().all(|c| c.is_alphabetic()))
                .map(capitalize)
                .collect();
            if parts.len() > 1 {
                names.push(parts.join(" "));
            }
            names.extend(parts);
        }
        for tag in tags {
            if let Some((key, value)) = tag.split_once(':') {
                if PERSONAL_TAGS.contains(&key.trim().to_ascii_lowercase().as_str()) {
                    let value = value.trim();
                    if value.chars().any(char::is_alphabetic) && value.len() >= 3 {
                        names.push(value.to_string());
                        names.extend(
                            value
                                .split_whitespace()
                                .filter(|w| w.len() >= 3)
                                .map(str::to_string),
                        );
                    }
                }
            }
        }
        names.sort_by_key(|n| std::cmp::Reverse(n.len()));
        names.dedup();
        Redactor {
            names,
            org: org
                .map(str::trim)
                .filter(|o| o.len() >= 2)
                .map(str::to_string),
        }
    }

    /// [`scrub`], then every known name and the organization.
    pub fn scrub(&self, text: &str) -> String {
        let mut s = scrub(text);
        if let Some(org) = &self.org {
            s = replace_word(&s, org, "[ORG]");
        }
        for name in &self.names {
            s = replace_word(&s, name, "[NAME]");
        }
        s
    }

    /// A tag as it may be sent: a personal tag's value is `[REDACTED]`, any other is scrubbed.
    pub fn tag(&self, tag: &str) -> String {
        match tag.split_once(':') {
            Some((key, _)) if PERSONAL_TAGS.contains(&key.trim().to_ascii_lowercase().as_str()) => {
                format!("{key}:[REDACTED]")
            }
            _ => self.scrub(tag),
        }
    }

    /// The organization as it may be sent.
    pub fn org(&self) -> Option<&'static str> {
        self.org.as_ref().map(|_| "[ORG]")
    }
}

fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map_or_else(String::new, |first| {
        first
            .to_uppercase()
            .chain(chars.flat_map(char::to_lowercase))
            .collect()
    })
}

/// `text` with every whole-word, case-insensitive occurrence of `word` replaced.
fn replace_word(text: &str, word: &str, with: &str) -> String {
    match Regex::new(&format!(r"(?i)\b{}\b", regex::escape(word))) {
        Ok(r) => r.replace_all(text, with).into_owned(),
        Err(_) => text.to_string(),
    }
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
            "Hi, I'm [NAME] ([EMAIL], [PHONE]). \
             The time clock keeps going offline since firmware 3.2.1 on 2026-10-24."
        );
    }
}
