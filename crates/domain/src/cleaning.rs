//! Text a problem can be read from: what the customer wrote about the product, set apart from
//! what surrounds it in a support conversation.
//!
//! A ticket's description carries much that is not the customer's problem: the earlier messages
//! quoted below a reply, an out-of-office notice, greetings and sign-offs, a signature with the
//! sender's name, title, company and phone, a chat transcript's timestamps and speaker names and
//! the agent's turns, the header an in-app feedback form puts above the message. Analyzers read
//! [`customer_text`]; the original text is kept for display. [`mask_identifiers`] takes out what
//! makes two reports of one problem look different (serial numbers, ticket numbers, dates,
//! amounts), for the vectors issues are compared by and for names.

use regex::Regex;
use std::sync::LazyLock;

/// The customer's own words about the product.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerText {
    /// The subject without reply/forward prefixes and ticket references.
    pub subject: String,
    /// The customer's message, one paragraph per line group, with quoted history, headers,
    /// transcript prefixes, agent turns, greetings and signatures removed.
    pub body: String,
    /// The message is an automatic reply (out of office, auto-response): it describes nothing.
    pub auto_reply: bool,
}

/// Subject prefixes of automatic replies.
const AUTO_REPLY_SUBJECTS: &[&str] = &[
    "automatic reply",
    "auto-reply",
    "auto reply",
    "autoreply",
    "auto response",
    "auto-response",
    "autoresponse",
    "out of office",
    "out of the office",
    "ooo:",
    "away from office",
    "abwesenheitsnotiz",
    "réponse automatique",
];

/// Phrases of out-of-office and auto-response bodies.
const AUTO_REPLY_BODIES: &[&str] = &[
    "i am out of the office",
    "i'm out of the office",
    "i am currently out of the office",
    "i am out of office",
    "i'm out of office",
    "i am on leave",
    "i'm on leave",
    "i am on vacation",
    "i'm on vacation",
    "i am away from the office",
    "i will be out of the office",
    "limited access to email",
    "your message will not be forwarded",
    "i will respond when i return",
    "i will reply when i return",
    "this is an automated response",
    "this is an automatic reply",
    "this is an auto-generated",
    "thank you for your email. i am",
];

/// Who writes agent turns in transcripts when no other signal says so.
const AGENT_SPEAKERS: &[&str] = &[
    "agent",
    "support",
    "bot",
    "system",
    "operator",
    "assistant",
    "helpdesk",
    "help desk",
];

/// Opening words of a greeting line ("Hi team,", "Good afternoon,").
const GREETINGS: &[&str] = &[
    "hi",
    "hello",
    "hey",
    "dear",
    "greetings",
    "good morning",
    "good afternoon",
    "good evening",
    "good day",
    "hiya",
    "howdy",
    "to whom it may concern",
];

/// Lines that close a message; what follows them is a signature.
const SIGN_OFFS: &[&str] = &[
    "thanks",
    "thank you",
    "thanks in advance",
    "thank you in advance",
    "many thanks",
    "thanks so much",
    "thanks again",
    "thx",
    "ty",
    "regards",
    "best regards",
    "kind regards",
    "warm regards",
    "warmest regards",
    "with regards",
    "best",
    "all the best",
    "best wishes",
    "cheers",
    "sincerely",
    "yours sincerely",
    "respectfully",
    "cordially",
    "take care",
    "appreciate it",
    "much appreciated",
    "talk soon",
    "sent from my iphone",
    "sent from my ipad",
    "sent from my android",
    "sent from outlook",
    "get outlook for ios",
    "get outlook for android",
];

/// Sentences that ask for help or offer contact without describing anything.
const PLEASANTRIES: &[&str] = &[
    "let me know what you need",
    "let me know if you need",
    "let me know if you have",
    "let me know",
    "please help",
    "please advise",
    "any help would be appreciated",
    "any help is appreciated",
    "any help appreciated",
    "appreciate any help",
    "appreciate your help",
    "i appreciate it",
    "thanks in advance",
    "thank you in advance",
    "thanks for your help",
    "thank you for your help",
    "thanks for the help",
    "can someone call me",
    "can you call me",
    "please call me",
    "call me at",
    "i can jump on a call",
    "happy to jump on a call",
    "i'm available",
    "i am available",
    "hoping you can help",
    "hope you can help",
    "hope you're well",
    "hope you are well",
    "hope all is well",
    "hope this helps",
    "looking forward to",
    "see below",
    "see attached",
    "screenshot attached",
    "attached is a screenshot",
    "what do we do",
    "what should we do",
    "what can we do",
    "what am i missing",
    "what setting am i missing",
    "is this a known issue",
    "is this a known bug",
    "is this something on your end",
    "can you look into this",
    "can you look into it",
    "can you take a look",
    "could you take a look",
    "could you look into",
    "please look into",
    "this is urgent",
    "urgent please",
    "asap",
    "sorry for the trouble",
    "sorry to bother",
];

static CHAT_LINE: LazyLock<Regex> = LazyLock::new(|| {
    // "(07:03:21 PM) Diego Davis: text", "[10:02] Sam: text", "10:02 AM - Sam: text"
    Regex::new(
        r"^\s*[\(\[]?\s*(?:\d{4}-\d{2}-\d{2}[ T])?\d{1,2}:\d{2}(?::\d{2})?\s*(?:[AaPp]\.?[Mm]\.?)?\s*[\)\]]?\s*[-–]?\s*([^:\n]{1,48}?)\s*:\s*(.*)$",
    )
    .expect("valid regex")
});
static CHAT_MARKER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^\s*(chat (started|ended|transcript)|conversation (started|ended)|transcript)\b",
    )
    .expect("valid regex")
});
static QUOTE_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^\s*(on\s.{3,120}\swrote:?\s*$|-{2,}\s*original message\s*-{2,}|_{8,}\s*$|from:\s.+\s(sent|date):\s)",
    )
    .expect("valid regex")
});
static FORWARD_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*-{2,}\s*(forwarded message|begin forwarded message)\s*-{0,}\s*:?\s*$|^\s*begin forwarded message:?\s*$")
        .expect("valid regex")
});
static MAIL_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*(from|sent|date|to|cc|bcc|subject|reply-to)\s*:\s").expect("valid regex")
});
static FORM_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    // "App: Clockwell 5.13.2 (Android 14)", "Device: iPhone 15", "User: Mohammed Brooks"
    Regex::new(
        r"(?i)^\s*(app|app version|version|build|device|os|platform|browser|user|user id|account|account id|email|name|phone|company|organization|plan|url|page|screen|locale|timezone|time zone|submitted|submitted at|sent at|rating|score|nps|category|type|priority|source|channel|ticket|request|case|reference|ref)\s*:\s*\S.{0,80}$",
    )
    .expect("valid regex")
});
static BRACKET_LINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*\[[^\]]{1,60}\]\s*$").expect("valid regex"));
static MESSAGE_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*(message|feedback|comment|comments|description|details|body|text|question)\s*:\s*").expect("valid regex")
});
static SUBJECT_PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*((re|fw|fwd|aw|wg|tr|sv|antw)\s*(\[\d+\])?\s*:\s*|\[[^\]]{0,60}\]\s*)")
        .expect("valid regex")
});
static CONTACT_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^\s*((cell|mobile|mob|phone|tel|direct|office|fax|ext|m|t|p|o|c)\s*[:.]?\s*\+?[\d(][\d\s().-]{6,}|\+?[\d(][\d\s().-]{8,}\d\s*$|www\.\S+|https?://\S+\s*$|\S+@\S+\.\S+\s*$)",
    )
    .expect("valid regex")
});
static OPENER: LazyLock<Regex> = LazyLock::new(|| {
    // Discourse openers that introduce, not describe: "P.S.", "Also,", "And another thing -".
    Regex::new(
        r"(?i)^\s*(urgent\s*[-:!,–]+|important\s*[-:!,–]+|asap\s*[-:!,–]+|help\s*[-:!,–]+|p\.?\s?s\.?\s*[:,-]?|also\s*[,:-]|also\b|and another thing\s*[-:,–]?|another thing\s*[-:,–]?|one more thing\s*[-:,–]?|separately\s*[,:-]?|unrelated(,? but)?\s*[,:-]?|additionally\s*[,:-]?|on another note\s*[,:-]?|second(ly)?\s*[,:-]|lastly\s*[,:-]?|finally\s*[,:-]|oh,? and\s*[,:-]?|btw\s*[,:-]?|by the way\s*[,:-]?|quick question\s*[,:-]|question\s*[,:-]|fyi\s*[,:-]?|update\s*[,:-])\s*",
    )
    .expect("valid regex")
});
static INLINE_GREETING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^\s*(hi|hello|hey|dear|good (morning|afternoon|evening))(\s+(there|team|all|everyone|folks|guys|support|support team|again))?\s*[,!.:-]\s*",
    )
    .expect("valid regex")
});

/// The customer's own words in a ticket: the description (or, without one, the public
/// comments), cleaned as this module describes.
pub fn customer_text(
    subject: Option<&str>,
    description: Option<&str>,
    public_comments: Option<&str>,
) -> CustomerText {
    let raw_subject = subject.unwrap_or_default();
    let body = description
        .filter(|d| !d.trim().is_empty())
        .or(public_comments)
        .unwrap_or_default();
    let auto_reply = is_auto_reply(raw_subject, body);
    if auto_reply {
        return CustomerText {
            subject: clean_subject(raw_subject),
            body: String::new(),
            auto_reply,
        };
    }
    CustomerText {
        subject: clean_subject(raw_subject),
        body: clean_body(body),
        auto_reply,
    }
}

/// Whether a message is an automatic reply (out of office, auto-response).
pub fn is_auto_reply(subject: &str, body: &str) -> bool {
    let subject = subject.trim().to_lowercase();
    if AUTO_REPLY_SUBJECTS.iter().any(|p| subject.starts_with(p)) {
        return true;
    }
    let opening: String = body.chars().take(400).collect::<String>().to_lowercase();
    let opening = opening.replace('\u{2019}', "'");
    AUTO_REPLY_BODIES.iter().any(|p| opening.contains(p))
}

/// A subject without "Re:"/"Fwd:" prefixes and bracketed tags ("[Request #40153]").
pub fn clean_subject(subject: &str) -> String {
    let mut s = subject.trim();
    while let Some(m) = SUBJECT_PREFIX.find(s) {
        if m.end() == 0 || m.end() >= s.len() {
            break;
        }
        s = s[m.end()..].trim_start();
    }
    s.trim().to_string()
}

/// The body with quoted history, transcript apparatus, headers, greetings and signatures
/// taken out. Paragraphs stay on their own lines.
pub fn clean_body(body: &str) -> String {
    let body = body.replace("\r\n", "\n").replace('\r', "\n");
    let lines = without_quoted_history(&body);
    let lines = transcript_customer_lines(&lines).unwrap_or(lines);
    let lines = without_headers(lines);
    let lines = without_signature(lines);
    let mut out: Vec<String> = Vec::new();
    for line in lines {
        let line = strip_greeting(&line);
        if line.trim().is_empty() {
            if out.last().is_some_and(|l| !l.is_empty()) {
                out.push(String::new());
            }
            continue;
        }
        out.push(line.trim().to_string());
    }
    while out.last().is_some_and(String::is_empty) {
        out.pop();
    }
    out.join("\n")
}

/// The lines above the first quoted earlier message ("On … wrote:", "-----Original
/// Message-----", an Outlook header block, "> " lines). A forwarded message is kept (without
/// its header lines) when the sender wrote little above it: forwarding a colleague's report is
/// how many problems arrive.
fn without_quoted_history(body: &str) -> Vec<String> {
    let all: Vec<&str> = body.lines().collect();
    let mut kept: Vec<String> = Vec::new();
    let mut i = 0;
    while i < all.len() {
        let line = all[i];
        if FORWARD_HEADER.is_match(line) {
            let above_words: usize = kept.iter().map(|l| l.split_whitespace().count()).sum();
            if above_words > 25 {
                break;
            }
            // A short cover note ("FYI, see below") says nothing of its own.
            kept.clear();
            // Keep the forwarded text, skipping its header lines.
            i += 1;
            while i < all.len() && (MAIL_HEADER.is_match(all[i]) || all[i].trim().is_empty()) {
                i += 1;
            }
            continue;
        }
        let two = if i + 1 < all.len() {
            format!("{} {}", line.trim(), all[i + 1].trim())
        } else {
            line.to_string()
        };
        let quote_starts = QUOTE_HEADER.is_match(line)
            || (line.trim_start().to_lowercase().starts_with("on ")
                && two.trim_end().ends_with("wrote:")
                && QUOTE_HEADER.is_match(&two));
        if quote_starts {
            if kept.iter().all(|l| l.trim().is_empty()) {
                // Nothing above the quote: the quoted text is all there is to read.
                i += 1;
                continue;
            }
            break;
        }
        if line.trim_start().starts_with('>') {
            i += 1;
            continue;
        }
        kept.push(line.to_string());
        i += 1;
    }
    kept
}

/// A chat transcript's customer turns without timestamps and speaker names, or `None` when
/// the text is not a transcript. The customer is the first speaker who is not named like an
/// agent or a bot; every other speaker's turns are the agent's.
fn transcript_customer_lines(lines: &[String]) -> Option<Vec<String>> {
    let turns: Vec<(String, String)> = lines
        .iter()
        .filter_map(|l| {
            let c = CHAT_LINE.captures(l)?;
            Some((c[1].trim().to_string(), c[2].trim().to_string()))
        })
        .collect();
    let content = lines
        .iter()
        .filter(|l| !l.trim().is_empty() && !CHAT_MARKER.is_match(l))
        .count();
    // One turn is a transcript too when the text says it is one ("Chat started: …").
    let marked = lines.iter().any(|l| CHAT_MARKER.is_match(l));
    if turns.is_empty() || (turns.len() < 2 && !marked) || turns.len() * 2 < content {
        return None;
    }
    let agentish = |name: &str| {
        let n = name.to_lowercase();
        AGENT_SPEAKERS.iter().any(|a| n.contains(a)) || n.contains('(')
    };
    let customer = turns
        .iter()
        .map(|(s, _)| s)
        .find(|s| !agentish(s))
        .cloned()?;
    let mut out = Vec::new();
    let mut in_customer_turn = false;
    for l in lines {
        if CHAT_MARKER.is_match(l) {
            continue;
        }
        if let Some(c) = CHAT_LINE.captures(l) {
            in_customer_turn = c[1].trim() == customer;
            if in_customer_turn {
                out.push(c[2].trim().to_string());
            }
        } else if in_customer_turn && !l.trim().is_empty() {
            out.push(l.trim().to_string());
        }
    }
    Some(out)
}

/// Without the header block of a form or feedback widget ("[In-app feedback]", "App: …",
/// "User: …") and with a "Message:" label taken off its text.
fn without_headers(lines: Vec<String>) -> Vec<String> {
    let mut out = Vec::with_capacity(lines.len());
    let mut header_zone = true;
    for line in lines {
        let t = line.trim();
        if header_zone && (t.is_empty() || BRACKET_LINE.is_match(t) || FORM_HEADER.is_match(t)) {
            continue;
        }
        header_zone = false;
        if let Some(m) = MESSAGE_LABEL.find(t) {
            out.push(t[m.end()..].to_string());
            continue;
        }
        out.push(line);
    }
    out
}

/// Normalized for matching: lower case, curly apostrophes straightened, trailing punctuation
/// and spaces dropped.
fn key(line: &str) -> String {
    line.trim()
        .to_lowercase()
        .replace('\u{2019}', "'")
        .trim_end_matches(|c: char| c.is_ascii_punctuation() || c.is_whitespace())
        .trim_start_matches(['-', '—', '–', ' '])
        .to_string()
}

fn is_sign_off(line: &str) -> bool {
    let k = key(line);
    SIGN_OFFS.iter().any(|s| {
        k == *s
            || (k.starts_with(s)
                && k.split_whitespace().count() <= s.split_whitespace().count() + 2
                && !k.contains(" for ")
                && !k.contains(" but "))
    })
}

/// Looks like a signature line: a name, a title, a company, a phone number or an address —
/// short, with no sentence punctuation inside.
fn signature_like(line: &str) -> bool {
    let t = line.trim();
    if t.is_empty() || CONTACT_LINE.is_match(t) || t == "--" || t == "-- " {
        return true;
    }
    let words = t.split_whitespace().count();
    words <= 6 && !t.contains(". ") && !t.ends_with('?') && !t.ends_with('.')
}

/// Without the closing: a sign-off line ("Thanks,", "Regards,") and the signature after it,
/// a "-- " signature block, contact lines, and trailing pleasantries ("Let me know what you
/// need from me.").
fn without_signature(mut lines: Vec<String>) -> Vec<String> {
    // A "-- " delimiter starts a signature by convention.
    if let Some(pos) = lines.iter().position(|l| l == "-- " || l.trim() == "--") {
        lines.truncate(pos);
    }
    // The last sign-off line followed only by signature-like lines.
    let mut cut = None;
    for (i, line) in lines.iter().enumerate().rev() {
        if is_sign_off(line) {
            if lines[i + 1..].iter().all(|l| signature_like(l)) && lines.len() - i <= 8 {
                cut = Some(i);
            }
            break;
        }
        if !signature_like(line) {
            break;
        }
    }
    if let Some(i) = cut {
        lines.truncate(i);
    }
    // Contact lines anywhere at the end, and closing pleasantries.
    while let Some(last) = lines.last() {
        let t = last.trim();
        if t.is_empty() || CONTACT_LINE.is_match(t) || is_sign_off(t) || is_pleasantry(t) {
            lines.pop();
        } else {
            break;
        }
    }
    lines
        .into_iter()
        .filter(|l| !CONTACT_LINE.is_match(l.trim()))
        .collect()
}

/// Whether a whole line or sentence only asks for help, thanks, or offers contact.
pub fn is_pleasantry(sentence: &str) -> bool {
    let k = key(sentence);
    if k.is_empty() {
        return true;
    }
    let words = k.split_whitespace().count();
    if is_sign_off(sentence) || (words <= 4 && GREETINGS.iter().any(|g| k.starts_with(g))) {
        return true;
    }
    PLEASANTRIES
        .iter()
        .any(|p| k.starts_with(p) && words <= p.split_whitespace().count() + 6)
}

/// A greeting line becomes empty; a greeting opening a sentence ("Hi, the overtime …") is
/// taken off.
fn strip_greeting(line: &str) -> String {
    let k = key(line);
    let words = k.split_whitespace().count();
    if words <= 4
        && GREETINGS
            .iter()
            .any(|g| k == *g || k.starts_with(&format!("{g} ")))
    {
        return String::new();
    }
    match INLINE_GREETING.find(line) {
        Some(m) if m.end() < line.len() => line[m.end()..].to_string(),
        _ => line.to_string(),
    }
}

/// A sentence without the words that only introduce it ("P.S.", "Also,", "And another
/// thing -", a greeting).
pub fn strip_opener(sentence: &str) -> &str {
    let mut s = sentence.trim();
    for _ in 0..3 {
        let before = s;
        if let Some(m) = INLINE_GREETING.find(s) {
            if m.end() < s.len() {
                s = s[m.end()..].trim_start();
            }
        }
        if let Some(m) = OPENER.find(s) {
            if m.end() > 0 && m.end() < s.len() {
                s = s[m.end()..].trim_start();
            }
        }
        if s == before {
            break;
        }
    }
    s
}

static MASKS: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        // e-mail addresses and links
        (r"\S+@\S+\.\w+", ""),
        (r"(?i)\bhttps?://\S+|\bwww\.\S+", ""),
        // ticket and request references: "[Request #40153]", "#24", "case 00123456"
        (r"\[[^\]]*#\d+[^\]]*\]", ""),
        (r"(?i)\b(ticket|request|case|order|invoice|ref|reference|incident)\s*(no\.?|number)?\s*#?\s*\d{3,}\b", ""),
        (r"#\s?\d+\b", ""),
        // serial numbers and ids: letters and digits mixed with four digits or more
        (r"(?i)\b(serial( number| no\.?)?|s/n|sn)\s*[:#]?\s*[A-Z0-9-]{4,}", ""),
        (r"\b(?:[A-Za-z]+[-_]?\d[\w-]*\d{3,}|\d{3,}[-_]?[A-Za-z]+[\w-]*)\b", ""),
        // dates and times
        (r"(?i)(\b(since|on|from|until|till|by|as of|after|before|at)\s+)?\b\d{1,4}/\d{1,2}(?:/\d{2,4})?\b", ""),
        (r"(?i)(\b(since|on|from|until|till|by|as of|after|before|at)\s+)?\b\d{4}-\d{2}-\d{2}\b", ""),
        // dates already redacted by the source ("XX/XX/2019")
        (r"(?i)(\b(since|on|from|until|till|by|as of|after|before|at|date of)\s+)?\bX{2}/X{2}(/\d{2,4})?\b", ""),
        (r"(?i)(\b(at|around|by|since|until)\s+)?\b\d{1,2}:\d{2}(?::\d{2})?\s*([ap]\.?m\.?)?(\s|$)", " "),
        // money, phone numbers, long numbers
        (r"[$€£]\s?\d[\d,]*(?:\.\d+)?", ""),
        (r"\+?\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}\b", ""),
        (r"\b\d{5,}\b", ""),
    ]
    .into_iter()
    .map(|(p, r)| (Regex::new(p).expect("valid regex"), r))
    .collect()
});
static SPACES: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[ \t]{2,}").expect("valid regex"));
static EMPTY_PARENS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\(\s*[,;:]?\s*\)|\[\s*\]").expect("valid regex"));

/// `text` without what tells one report of a problem from another: e-mail addresses, links,
/// ticket references, serial numbers and other long identifiers, dates, times, amounts, phone
/// numbers. Short numbers that name things stay ("firmware 3.2", "Form 941", "Android 14").
pub fn mask_identifiers(text: &str) -> String {
    let mut out = text.to_string();
    for (re, with) in MASKS.iter() {
        if re.is_match(&out) {
            out = re.replace_all(&out, *with).into_owned();
        }
    }
    let out = EMPTY_PARENS.replace_all(&out, "");
    SPACES
        .replace_all(&out, " ")
        .replace(" ,", ",")
        .replace(" .", ".")
        .trim()
        .to_string()
}

static PARENTHETICAL: LazyLock<Regex> =
    // An aside after a space ("clock (serial …)"); "401(k)" keeps its "(k)".
    LazyLock::new(|| Regex::new(r"\s+\([^)]*\)|\s*\[[^\]]*\]").expect("valid regex"));
/// A year said in passing ("back in 2017"): noise in a name.
static YEAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(\b(back in|in|since|from|of|during)\s+)?\b(19|20)\d{2}\b")
        .expect("valid regex")
});
static CLAUSE_BREAK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\s*[,;:]\s+|\s+[-–—]+\s+|\s+(but|so|because|which|although|though|and then|even though|since then)\s+")
        .expect("valid regex")
});
/// Context before the problem, taken off a name when enough is left: a leading subordinate
/// clause ("After the benefits sync this week, deductions are doubled"), a change the problem
/// followed ("Since the update the Android app needs three taps"), and reported speech from
/// the people who hit the problem ("Crew are telling me they press clock in and …",
/// "Accountant says the journal report only has …"). Devices that "say" things ("The clock
/// says offline") are not people and keep their words.
static LEADING_CONTEXT: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        r"(?i)^(ever since|since|after|following|before|when|whenever|once|while|if|as of|starting)\b[^,]{3,80},\s+",
        r"(?i)^(ever since|since|after|following)\s+(the|our|my|a|an|this|last|yesterday's|today's|last week's|this week's)?\s*([\w.'-]+\s+){0,3}?(update|upgrade|release|migration|patch|rollout|deploy|deployment|sync|switch|switchover|change|install|installation|go-live|launch)\s+",
        r"(?i)^((my|our|the|some|several|a few|many|all|most|two|three)\s+)?(crew|crews|employees?|staff|workers?|team|team members|managers?|supervisors?|accountants?|bookkeepers?|users?|people|customers?|clients?|admins?|they|he|she|everyone|someone|somebody)\s+((are|is|keep|keeps|have|has|have been|has been)\s+)?(says?|saying|said|tells? (me|us)|telling (me|us)|told (me|us)|reports?|reporting|reported|complains?|complaining|complained|mentions?|mentioned|notices?|noticed)\s+(that\s+)?((they|he|she)\s+)?",
    ]
    .into_iter()
    .map(|p| Regex::new(p).expect("valid regex"))
    .collect()
});

/// An urgency word opening a subject without punctuation ("URGENT payroll stuck", "ASAP
/// direct deposit missing"): how the customer feels, not what the problem is.
static URGENCY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(very\s+)?(urgent(ly)?|asap|emergency|time[- ]sensitive)\b[\s!:,.–-]*\s")
        .expect("valid regex")
});

/// `s` without the leading context of [`LEADING_CONTEXT`], when at least three words are left,
/// and without an opening urgency word ([`URGENCY`]) when two are.
fn without_leading_context(mut s: String) -> String {
    if let Some(m) = URGENCY.find(&s) {
        if s[m.end()..].split_whitespace().count() >= 2 {
            s = s[m.end()..].to_string();
        }
    }
    for _ in 0..2 {
        for re in LEADING_CONTEXT.iter() {
            if let Some(m) = re.find(&s) {
                if s[m.end()..].split_whitespace().count() >= 3 {
                    s = s[m.end()..].to_string();
                }
            }
        }
    }
    s
}

static FIRST_PERSON: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        (r"(?i)^(i|we)\s+(can't|cannot|can not|couldn't|could not|are unable to|am unable to|'re unable to|are not able to|am not able to|'m unable to|still can't|still cannot)\s+", "Cannot "),
        (r"(?i)^(i|we)('ve| have)?\s+(keep getting|keep seeing|are getting|am getting|get|got|are seeing|am seeing|see|noticed( that)?|have noticed( that)?|just noticed( that)?|found( that)?|realized( that)?|discovered( that)?)\s+", ""),
        (r"(?i)^(it|this)\s+(seems|looks|appears)\s+(like|that|to be)?\s*", ""),
        (r"(?i)^(i|we)\s+(think|believe|guess|suspect|feel like)(\s+that)?\s+", ""),
        (r"(?i)^(we're|we are|i'm|i am)\s+(a|an)\s+[^,]{2,40}?\s+(and|but|so)\s+", ""),
        (r"(?i)^(all|both)\s+(our|my|the)\s+", ""),
        (r"(?i)^(can|could|would)\s+(you|someone|somebody)\s+(please\s+)?(check|look at|look into|fix|tell me why|explain why)\s+", ""),
        (r"(?i)^(why|how come)\s+(is|are|does|do|did|was|were)\s+", ""),
        (r"(?i)^(is there a way to|how do i|how do we|how can i|how can we)\s+", ""),
        (r"(?i)^(all|both|some|most|many|several|a few|one|two|three)\s+of\s+(our|my|the)\s+", ""),
        (r"(?i)^(our|my|the|their|your|these|those)\s+", ""),
    ]
    .into_iter()
    .map(|(p, r)| (Regex::new(p).expect("valid regex"), r))
    .collect()
});
const TRAILING_FILLER: &[&str] = &[
    "a", "an", "the", "and", "or", "of", "to", "for", "with", "on", "in", "at", "by", "from", "is",
    "are", "was", "were", "it", "that", "this", "our", "my", "we", "i", "now", "again", "still",
    "just", "really", "too", "also", "anymore", "any", "some", "their", "when", "if",
];
/// Fillers that also end a phrasal verb ("clock in", "log on").
const PARTICLES: &[&str] = &["in", "on", "out", "off", "up"];
const PRONOUN_STARTS: &[&str] = &[
    "i", "we", "you", "they", "it", "this", "that", "he", "she", "there", "here", "so", "and",
    "i'm", "i've", "i'd", "we're", "we've", "we'd", "it's", "there's", "they're", "you're", "our",
    "my", "the", "but", "also", "please", "can", "could", "would", "is", "are", "do", "does",
    "why", "how", "what",
];

/// A customer's sentence as a short neutral statement of a problem, for a cluster name: no
/// opener or greeting, identifiers masked, asides in parentheses dropped, the first clause
/// only, possessives and first-person framing taken off ("Our wall clock goes offline …" →
/// "Wall clock goes offline …", "We can't approve …" → "Cannot approve …"), at most
/// `max_words` words, capitalized, without closing punctuation.
pub fn short_statement(sentence: &str, max_words: usize) -> String {
    let s = clean_subject(&mask_identifiers(strip_opener(&clean_subject(sentence))));
    let s = YEAR.replace_all(&s, "").into_owned();
    let s = PARENTHETICAL.replace_all(&s, "").into_owned();
    let s = without_leading_context(s.trim().trim_end_matches(['.', '!', '?', ' ']).to_string());
    let mut s = match CLAUSE_BREAK.find(&s) {
        Some(m) if s[..m.start()].split_whitespace().count() >= 3 => s[..m.start()].to_string(),
        _ => s,
    };
    for _ in 0..2 {
        for (re, with) in FIRST_PERSON.iter() {
            if let Some(m) = re.find(&s) {
                if m.end() < s.len() {
                    s = format!("{with}{}", &s[m.end()..]);
                }
            }
        }
    }
    let mut words: Vec<&str> = s.split_whitespace().collect();
    // A statement cut short (or whose amount was masked: "… total wages of") may end on a
    // filler; one that ends where its clause does keeps a verb's particle ("… to clock in").
    let cut = words.len() > max_words;
    words.truncate(max_words);
    while words.len() > 2
        && words.last().is_some_and(|w| {
            let w = w.trim_end_matches([',', '.']).to_lowercase();
            TRAILING_FILLER.contains(&w.as_str()) && (cut || !PARTICLES.contains(&w.as_str()))
        })
    {
        words.pop();
    }
    let joined = words
        .join(" ")
        .trim_end_matches([',', '.', ';', ':', '-', '!', '?'])
        .to_string();
    capitalize(&unshouted(&joined))
}

/// A statement typed in capitals, in lower case but for its short words and words with digits
/// (acronyms and models: "X2", "PTO"); anything else as it is.
fn unshouted(s: &str) -> String {
    let letters = s.chars().filter(|c| c.is_alphabetic()).count();
    let upper = s.chars().filter(|c| c.is_uppercase()).count();
    if letters < 12 || (upper as f64) < 0.7 * letters as f64 {
        return s.to_string();
    }
    s.split(' ')
        .map(|w| {
            if w.chars().count() <= 3 || w.chars().any(|c| c.is_ascii_digit()) {
                w.to_string()
            } else {
                w.to_lowercase()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether a statement opens the way a name should not: with a pronoun, a conjunction or a
/// question word.
pub fn awkward_start(statement: &str) -> bool {
    statement
        .split_whitespace()
        .next()
        .is_some_and(|w| PRONOUN_STARTS.contains(&w.to_lowercase().trim_end_matches(['\'', ','])))
}

/// A customer's sentence as an issue summary: no opener or greeting, identifiers masked,
/// capitalized, at most `max_chars` characters.
pub fn problem_statement(sentence: &str, max_chars: usize) -> String {
    let s = clean_subject(&mask_identifiers(strip_opener(&clean_subject(sentence))));
    let s = EMPTY_PARENS.replace_all(&s, "");
    crate::text::truncate_words(&capitalize(s.trim()), max_chars)
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(text: &str) -> String {
        customer_text(Some("Subject"), Some(text), None).body
    }

    #[test]
    fn an_email_keeps_the_problem_and_loses_greeting_and_signature() {
        let b = body(
            "Hi there,\n\nThe time clock keeps saying offline. It works for a bit then goes \
             offline again.\n\nP.S. Can you check the timesheet export?\n\nThanks!\nBrenda \
             Castillo\nDirector of Operations\nKeystone Fulfillment",
        );
        assert_eq!(
            b,
            "The time clock keeps saying offline. It works for a bit then goes offline again.\n\n\
             P.S. Can you check the timesheet export?"
        );
    }

    #[test]
    fn a_signature_with_a_phone_number_and_a_pleasantry_is_dropped() {
        let b = body(
            "Good afternoon,\n\nPlease remove Megan Jackson as an account admin.\n\nI can jump on \
             a call anytime today.\n\nThanks,\nKimberly Shah\nAccounting Manager\nCell: \
             602-555-0148",
        );
        assert_eq!(b, "Please remove Megan Jackson as an account admin.");
    }

    #[test]
    fn quoted_history_below_a_reply_is_not_the_customers_words() {
        for quote in [
            "On Tue, Nov 3, 2026 at 9:14 AM Clockwell Support <support@clockwell.com> wrote:\n> \
             Could you send a screenshot?",
            "-----Original Message-----\nFrom: Support\nSent: Tuesday\nCould you send a screenshot?",
            "From: Clockwell Support <support@clockwell.com> Sent: Tuesday, November 3\nCould you \
             send a screenshot?",
            "On Tue, Nov 3, 2026 at 9:14 AM Clockwell Support <support@clockwell.com>\nwrote:\n\
             Could you send a screenshot?",
        ] {
            let b = body(&format!(
                "The export still drops the department column.\n\n{quote}"
            ));
            assert_eq!(b, "The export still drops the department column.", "{quote}");
        }
    }

    #[test]
    fn a_forwarded_report_is_read_without_its_header() {
        let b = body(
            "FYI see below.\n\n---------- Forwarded message ---------\nFrom: Jo Lee \
             <jo@example.com>\nDate: Mon, Nov 2, 2026\nSubject: clock\nTo: Sam\n\nThe clock in \
             the warehouse rejects every badge since Monday.",
        );
        assert_eq!(
            b,
            "The clock in the warehouse rejects every badge since Monday."
        );
    }

    #[test]
    fn a_transcript_of_one_turn_loses_its_timestamp_and_speaker() {
        let text = customer_text(
            Some("CA overtime"),
            Some(
                "Chat started: 2026-11-19 02:47 PM\n\n(02:47:56 PM) Jorge Gutierrez: Overtime only \
                 kicks in after 40 hours/week. In California it's after 8 hours in a day.",
            ),
            None,
        );
        assert_eq!(
            text.body,
            "Overtime only kicks in after 40 hours/week. In California it's after 8 hours in a day."
        );
    }

    #[test]
    fn a_chat_transcript_keeps_the_customers_turns_without_prefixes() {
        let b = body(
            "Chat started: 2026-10-26 02:45 PM\n\n(02:45:20 PM) Tom Hughes: Hi there\n(02:45:40 \
             PM) Sam (Clockwell): Hi Tom, how can I help?\n(02:45:59 PM) Tom Hughes: The overtime \
             rule isnt doing daily OT for our CA staff.\n(02:46:30 PM) Sam (Clockwell): Let me \
             check your overtime settings.\n(02:46:50 PM) Tom Hughes: What setting am I missing?",
        );
        assert_eq!(b, "The overtime rule isnt doing daily OT for our CA staff.");
    }

    #[test]
    fn in_app_feedback_loses_its_header() {
        let b = body(
            "[In-app feedback]\nApp: Clockwell 5.13.2 (Android 14; OnePlus 12R)\nUser: Mohammed \
             Brooks\nMessage: Our wall clock goes offline several times a day now.",
        );
        assert_eq!(b, "Our wall clock goes offline several times a day now.");
    }

    #[test]
    fn auto_replies_describe_nothing() {
        let t = customer_text(
            Some("Automatic reply: TWO ISSUES"),
            Some("Thank you for your email. I am out of the office through 10/31."),
            None,
        );
        assert!(t.auto_reply);
        assert!(t.body.is_empty());
        assert!(
            customer_text(
                Some("Clock"),
                Some("I am on leave until 10/28. Your message will not be forwarded."),
                None
            )
            .auto_reply
        );
        assert!(
            !customer_text(
                Some("Leave balances"),
                Some("The leave balance is wrong after the update."),
                None
            )
            .auto_reply
        );
    }

    #[test]
    fn subjects_lose_reply_prefixes_and_ticket_tags() {
        assert_eq!(
            clean_subject("Re: [Request #40153] clocks dropping connection"),
            "clocks dropping connection"
        );
        assert_eq!(clean_subject("FW: RE: Export"), "Export");
        assert_eq!(clean_subject("Export broken"), "Export broken");
    }

    #[test]
    fn openers_and_inline_greetings_come_off_a_sentence() {
        assert_eq!(
            strip_opener("Hi, the overtime calc seems wrong"),
            "the overtime calc seems wrong"
        );
        assert_eq!(
            strip_opener("P.S. Can you check the timesheet export?"),
            "Can you check the timesheet export?"
        );
        assert_eq!(
            strip_opener("And another thing - Facial recognition fails with masks"),
            "Facial recognition fails with masks"
        );
        assert_eq!(strip_opener("Also the app crashes"), "the app crashes");
        assert_eq!(
            strip_opener("URGENT - staff can't punch in on phones"),
            "staff can't punch in on phones"
        );
        assert_eq!(strip_opener("Overtime is wrong"), "Overtime is wrong");
    }

    #[test]
    fn identifiers_are_masked_but_names_of_things_stay() {
        assert_eq!(
            mask_identifiers("Our wall clock (serial TCX2-103977) goes offline since 10/23"),
            "Our wall clock goes offline"
        );
        assert_eq!(
            mask_identifiers(
                "Re: [Request #40153] Form 941 totals off by $1,204.50 on firmware 3.2.1"
            ),
            "Re: Form 941 totals off by on firmware 3.2.1"
        );
        assert_eq!(
            mask_identifiers("Store #24 on Android 14"),
            "Store on Android 14"
        );
        assert_eq!(mask_identifiers("call 303-555-0173 or jo@x.com"), "call or");
    }

    #[test]
    fn pleasantries_are_recognized_and_problems_are_not() {
        for p in [
            "Let me know what you need from me.",
            "Please help!",
            "Thanks in advance!",
            "Can someone call me?",
        ] {
            assert!(is_pleasantry(p), "{p}");
        }
        for s in [
            "The export drops the department column.",
            "Let me know why the clock is offline every morning and nobody can punch in at all",
        ] {
            assert!(!is_pleasantry(s), "{s}");
        }
    }

    #[test]
    fn short_statements_read_as_names() {
        for (sentence, name) in [
            ("Our wall clock (serial TCX2-103977) goes offline several times a day now", "Wall clock goes offline several times a day"),
            ("Hi, the overtime calc seems wrong", "Overtime calc seems wrong"),
            ("The 401(k) annual max isn't enforced", "401(k) annual max isn't enforced"),
            ("Back in 2017 after the large security breach", "After the large security breach"),
            ("Date of XX/XX/2019 I Checked my credit report", "I Checked my credit report"),
            ("We can't approve corrections from last pay period, the button is grey", "Cannot approve corrections from last pay period"),
            ("P.S. Can you check the timesheet export?", "Timesheet export"),
            ("Ever since the update the Android app needs three taps to clock in - very annoying", "Android app needs three taps to clock in"),
            ("After our benefits sync this week, deductions are doubled for everyone", "Deductions are doubled for everyone"),
            ("Crew are telling me they press clock in and nothing happens", "Press clock in and nothing happens"),
            ("Our accountant says the journal report only has totals", "Journal report only has totals"),
            ("The time clock says offline every morning", "Time clock says offline every morning"),
            ("When it fails", "When it fails"),
            ("Q3 Form 941 shows total wages of $48,210.00", "Q3 Form 941 shows total wages"),
            ("X2 CLOCK KEEPS DISCONNECTING FROM WIFI!!", "X2 clock keeps disconnecting from wifi"),
            ("PTO balance is wrong in the HR app", "PTO balance is wrong in the HR app"),
            ("URGENT payroll stuck", "Payroll stuck"),
            ("Urgent - pay run stuck in processing", "Pay run stuck in processing"),
            ("Urgently", "Urgently"),
        ] {
            assert_eq!(short_statement(sentence, 8), name, "{sentence}");
        }
        assert!(awkward_start("We are seeing errors"));
        assert!(!awkward_start("Wall clock goes offline"));
    }

    #[test]
    fn problem_statements_lose_openers_and_identifiers() {
        assert_eq!(
            problem_statement("P.S. our clock TCX2-481220 drops Wi-Fi since 10/23.", 140),
            "Our clock drops Wi-Fi."
        );
    }
}
