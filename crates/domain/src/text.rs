//! Small text utilities shared by the offline analyzer and the keyword cluster matcher.

/// English function words that carry no topic.
pub const STOPWORDS: &[&str] = &[
    "a", "about", "after", "again", "all", "also", "am", "an", "and", "any", "are", "as", "at",
    "be", "because", "been", "before", "being", "but", "by", "can", "could", "did", "do", "does",
    "doing", "every", "for", "from", "get", "gets", "got", "had", "has", "have", "having", "he",
    "hello", "her", "here", "hi", "him", "his", "how", "i", "if", "im", "in", "into", "is", "it",
    "its", "just", "keep", "keeps", "me", "more", "my", "no", "not", "now", "of", "on", "once",
    "one", "only", "or", "other", "our", "out", "please", "regards", "she", "since", "so", "some",
    "still", "team", "than", "thank", "thanks", "that", "the", "their", "them", "then", "there",
    "these", "they", "this", "those", "to", "too", "up", "us", "very", "was", "we", "were", "what",
    "when", "which", "while", "who", "why", "will", "with", "would", "you", "your",
];

/// Whether `word` (lower case) is a stopword.
pub fn is_stopword(word: &str) -> bool {
    STOPWORDS.binary_search(&word).is_ok()
}

/// Lower-cased word tokens: letters, digits and inner apostrophes/hyphens/dots kept together
/// ("w-2", "401(k)" → "401", "k"; "v5.12" stays one token).
pub fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let joiner = matches!(c, '-' | '\'' | '.')
            && !current.is_empty()
            && chars.get(i + 1).is_some_and(|n| n.is_alphanumeric());
        if c.is_alphanumeric() || joiner {
            current.extend(c.to_lowercase());
        } else if !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Tokens without stopwords or one-letter words.
pub fn content_tokens(text: &str) -> Vec<String> {
    tokens(text)
        .into_iter()
        .filter(|t| t.chars().count() > 1 && !is_stopword(t))
        .collect()
}

/// `text` without what must never be stored or shown: control characters other than newline
/// and tab (a NUL cannot even enter a PostgreSQL text column), and the bidirectional overrides
/// that make text display as something it is not; trimmed.
pub fn clean(text: &str) -> String {
    let unwanted = |c: char| {
        let bidi_control = matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        bidi_control || (c.is_control() && c != '\n' && c != '\t')
    };
    text.chars()
        .map(|c| if c == '\r' { '\n' } else { c })
        .filter(|&c| !unwanted(c))
        .collect::<String>()
        .trim()
        .to_string()
}

/// The text an issue's embedding is computed from: what the issue is about, in the words the
/// clusterer compares — its summary and its evidence (the detail, else the customer's quote),
/// with identifiers, dates and amounts masked ([`crate::cleaning::mask_identifiers`]), so two
/// reports of one problem differ only in how they describe it.
pub fn issue_embedding_text(summary: &str, detail: Option<&str>, quote: Option<&str>) -> String {
    let evidence = detail.filter(|d| !d.trim().is_empty()).or(quote);
    let text = match evidence {
        Some(e) if e.trim() != summary.trim() && !e.contains(summary.trim()) => {
            format!("{summary}. {e}")
        }
        Some(e) => e.to_string(),
        None => summary.to_string(),
    };
    crate::cleaning::mask_identifiers(&text)
}

/// Cuts `text` to at most `max` characters on a word boundary, adding "…" when cut.
pub fn truncate_words(text: &str, max: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max.saturating_sub(1)).collect();
    let cut = match cut.rfind(char::is_whitespace) {
        Some(i) if i > max / 2 => &cut[..i],
        _ => cut.as_str(),
    };
    format!("{}…", cut.trim_end_matches([',', ';', ':', '-', ' ']))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_drops_nul_escapes_and_bidi_overrides_but_keeps_lines() {
        assert_eq!(
            clean(" a\u{0}b\u{1b}[31m\r\nc\td \u{202e}e "),
            "ab[31m\n\nc\td e"
        );
        assert_eq!(clean("\u{0}\u{7}"), "");
        assert_eq!(clean("Überstunden fehlen 🚨"), "Überstunden fehlen 🚨");
    }

    #[test]
    fn stopwords_are_sorted_for_binary_search() {
        let mut sorted = STOPWORDS.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, STOPWORDS);
        assert!(is_stopword("the"));
        assert!(!is_stopword("payroll"));
    }

    #[test]
    fn tokens_keep_product_terms_together() {
        assert_eq!(
            tokens("W-2 shows wrong wages; app v5.12 (Android) can't clock-in."),
            ["w-2", "shows", "wrong", "wages", "app", "v5.12", "android", "can't", "clock-in"]
        );
        assert_eq!(tokens("  "), Vec::<String>::new());
    }

    #[test]
    fn content_tokens_drop_stopwords() {
        assert_eq!(
            content_tokens("The clock is not working for us"),
            ["clock", "working"]
        );
    }

    #[test]
    fn truncation_cuts_on_words() {
        assert_eq!(truncate_words("short", 10), "short");
        assert_eq!(
            truncate_words("Clock-in button unresponsive after update", 25),
            "Clock-in button…"
        );
        assert!(truncate_words(&"x".repeat(50), 10).chars().count() <= 10);
    }
}
