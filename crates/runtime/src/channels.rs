//! Normalizing each channel's webhook payload into tickets. Pure functions of the payload:
//! the ingest service's handlers verify signatures and store, the API's dead-letter replay
//! runs them again on a kept payload; these decide what a payload means.
//!
//! Each ticket's `source_id` is the platform's own id for the message or conversation, so a
//! webhook delivered twice upserts one ticket.

use chrono::{DateTime, TimeZone as _, Utc};
use domain::{IncomingTicket, SourceKind};
use serde_json::Value;

/// What a verified payload yields.
#[derive(Debug, Clone, PartialEq)]
pub enum Normalized {
    /// Tickets to store.
    Tickets(Vec<IncomingTicket>),
    /// A well-formed event that is not a ticket (a delivery receipt, a bot's own message, a
    /// ping): acknowledged, nothing stored.
    Ignored(String),
    /// Some of a batched delivery (WhatsApp sends several messages in one) are tickets, the
    /// rest cannot be read: store the tickets, dead-letter `unreadable` (the same payload
    /// holding only the unreadable messages) for `error`.
    Partial {
        tickets: Vec<IncomingTicket>,
        unreadable: Value,
        error: String,
    },
}

/// The platform's ids of a verified delivery, remembered for a window so a captured delivery
/// cannot be replayed: Slack's `event_id`, Intercom's notification `id`, each WhatsApp
/// message's `id`. Empty when the payload carries none (a status update, a slash command).
pub fn delivery_ids(source: SourceKind, payload: &Value) -> Vec<String> {
    match source {
        SourceKind::Slack => id_text(&payload["event_id"]).into_iter().collect(),
        SourceKind::Intercom => id_text(&payload["id"]).into_iter().collect(),
        SourceKind::Whatsapp => payload["entry"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e["changes"].as_array())
            .flatten()
            .filter_map(|c| c["value"]["messages"].as_array())
            .flatten()
            .filter_map(|m| id_text(&m["id"]))
            .collect(),
        _ => Vec::new(),
    }
}

/// Subjects are the first line of the text, cut to this many characters.
const SUBJECT_CHARS: usize = 120;

fn subject_of(text: &str) -> Option<String> {
    let line = text.lines().map(str::trim).find(|l| !l.is_empty())?;
    let mut subject: String = line.chars().take(SUBJECT_CHARS).collect();
    if line.chars().count() > SUBJECT_CHARS {
        subject.push('…');
    }
    Some(subject)
}

/// A string or a number as text (platforms send ids as either).
fn id_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn unix_secs(v: &Value) -> Option<DateTime<Utc>> {
    let secs = match v {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    let whole = secs.trunc() as i64;
    let nanos = ((secs - secs.trunc()) * 1e9) as u32;
    Utc.timestamp_opt(whole, nanos).single()
}

/// Text out of an HTML fragment (Intercom bodies): tags dropped, block ends as line breaks,
/// the common entities decoded.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('>') else {
            rest = &rest[start..];
            break;
        };
        let tag = rest[start + 1..start + end].trim().to_ascii_lowercase();
        if tag.starts_with("br")
            || tag.starts_with("/p")
            || tag.starts_with("/div")
            || tag.starts_with("/li")
        {
            out.push('\n');
        }
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    let decoded = out
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    decoded
        .lines()
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}

fn ticket(
    source: SourceKind,
    source_id: String,
    text: String,
    at: DateTime<Utc>,
) -> IncomingTicket {
    IncomingTicket {
        source,
        source_id,
        subject: subject_of(&text),
        description: Some(text),
        public_comments: None,
        internal_notes: None,
        requester_email: None,
        requester_org_name: None,
        source_org_id: None,
        tags: vec![source.as_str().to_string()],
        status: Some("new".into()),
        priority: None,
        created_at: at,
        updated_at: at,
    }
}

/// Slack Events API (`event_callback` with a `message` or `app_mention` event). The ticket is
/// the message, known by `{channel}:{ts}` (Slack's unique message id).
pub fn slack(payload: &Value) -> Result<Normalized, String> {
    match payload["type"].as_str() {
        Some("event_callback") => {}
        Some(other) => return Err(format!("unsupported Slack payload type {other:?}")),
        None => return Err("a Slack payload needs a \"type\"".into()),
    }
    let event = &payload["event"];
    match event["type"].as_str() {
        Some("message" | "app_mention") => {}
        Some(other) => {
            return Ok(Normalized::Ignored(format!(
                "Slack event {other:?} is not a message"
            )))
        }
        None => return Err("the Slack event has no \"type\"".into()),
    }
    if let Some(subtype) = event["subtype"].as_str() {
        return Ok(Normalized::Ignored(format!(
            "Slack message subtype {subtype:?} (edits, joins, bots) is not a new report"
        )));
    }
    if !event["bot_id"].is_null() {
        return Ok(Normalized::Ignored("a bot's message".into()));
    }
    let channel = id_text(&event["channel"]).ok_or("the Slack message has no channel")?;
    let ts = id_text(&event["ts"]).ok_or("the Slack message has no ts")?;
    let text = event["text"]
        .as_str()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or("the Slack message has no text")?;
    let at = unix_secs(&event["ts"]).ok_or("the Slack message ts is not a timestamp")?;
    let mut t = ticket(
        SourceKind::Slack,
        format!("{channel}:{ts}"),
        text.to_string(),
        at,
    );
    t.tags.push(format!("slack_channel:{channel}"));
    if let Some(team) = id_text(&payload["team_id"]) {
        t.tags.push(format!("slack_team:{team}"));
    }
    Ok(Normalized::Tickets(vec![t]))
}

/// A Slack slash command (`/issue The export drops overtime`), posted form-encoded
/// (`application/x-www-form-urlencoded`) and signed like events. The ticket is the command's
/// text, known by `{channel_id}:{trigger_id}` (Slack makes a trigger id per invocation), dated
/// `at` (the request's signed timestamp: the form carries no time of its own).
pub fn slack_command(form: &[(String, String)], at: DateTime<Utc>) -> Result<Normalized, String> {
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    };
    if field("payload").is_some() {
        return Ok(Normalized::Ignored(
            "a Slack interaction (button, menu, shortcut) is not a report".into(),
        ));
    }
    let command = field("command").ok_or("a Slack slash command needs a \"command\"")?;
    let Some(text) = field("text") else {
        return Ok(Normalized::Ignored(format!(
            "{command} without text: nothing to report (usage: {command} <what went wrong>)"
        )));
    };
    let channel = field("channel_id").ok_or("the Slack command has no channel_id")?;
    let trigger = field("trigger_id").ok_or("the Slack command has no trigger_id")?;
    let mut t = ticket(
        SourceKind::Slack,
        format!("{channel}:{trigger}"),
        text.to_string(),
        at,
    );
    t.tags.push(format!("slack_channel:{channel}"));
    t.tags
        .push(format!("slack_command:{}", command.trim_start_matches('/')));
    if let Some(team) = field("team_id") {
        t.tags.push(format!("slack_team:{team}"));
    }
    if let Some(user) = field("user_name") {
        t.tags.push(format!("slack_user:{user}"));
    }
    Ok(Normalized::Tickets(vec![t]))
}

/// Whether a Slack body is a form (slash command) rather than JSON (Events API), by its
/// content type, or by its first byte when the type is missing.
pub fn slack_is_form(content_type: Option<&str>, body: &[u8]) -> bool {
    match content_type {
        Some(ct) => ct
            .trim()
            .to_ascii_lowercase()
            .starts_with("application/x-www-form-urlencoded"),
        None => body
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            .is_none_or(|b| *b != b'{'),
    }
}

/// Parses a form-encoded body (Slack slash commands).
pub fn parse_form(body: &[u8]) -> Result<Vec<(String, String)>, String> {
    serde_urlencoded::from_bytes(body).map_err(|e| format!("the form body cannot be read: {e}"))
}

/// What a stored payload means, normalized again from its raw body (the dead-letter replay).
/// `headers` are the ones kept with it (`content-type`, `x-slack-request-timestamp`);
/// `received_at` dates a Slack command without a kept timestamp. A Zendesk payload yields
/// [`Replayed::ZendeskTicket`]: its ticket is fetched by the ingest service's sync, not here.
pub fn normalize_stored(
    source: SourceKind,
    headers: &Value,
    body: &[u8],
    received_at: DateTime<Utc>,
) -> Result<Replayed, String> {
    let json = || {
        serde_json::from_slice::<Value>(body)
            .map_err(|e| format!("the body is not valid JSON: {e}"))
    };
    let normalized = match source {
        SourceKind::Slack => {
            if slack_is_form(headers["content-type"].as_str(), body) {
                let at = headers["x-slack-request-timestamp"]
                    .as_str()
                    .and_then(|t| t.trim().parse::<i64>().ok())
                    .and_then(|t| Utc.timestamp_opt(t, 0).single())
                    .unwrap_or(received_at);
                slack_command(&parse_form(body)?, at)?
            } else {
                slack(&json()?)?
            }
        }
        SourceKind::Intercom => intercom(&json()?)?,
        SourceKind::Whatsapp => whatsapp(&json()?)?,
        SourceKind::Zendesk => return zendesk_ticket_id(&json()?).map(Replayed::ZendeskTicket),
        other => return Err(format!("{other} payloads do not arrive by webhook")),
    };
    Ok(Replayed::Normalized(normalized))
}

/// What a stored payload yields when normalized again.
#[derive(Debug, Clone, PartialEq)]
pub enum Replayed {
    Normalized(Normalized),
    /// A Zendesk webhook names this ticket (the export brings its content).
    ZendeskTicket(i64),
}

/// Intercom webhook notification for a conversation topic. The ticket is the conversation,
/// known by its id; user replies and admin replies are public comments, admin notes are
/// internal notes.
pub fn intercom(payload: &Value) -> Result<Normalized, String> {
    if payload["type"].as_str() != Some("notification_event") {
        return Err("an Intercom webhook is a \"notification_event\"".into());
    }
    let topic = payload["topic"].as_str().unwrap_or_default();
    if topic == "ping" {
        return Ok(Normalized::Ignored("Intercom ping".into()));
    }
    let item = &payload["data"]["item"];
    if item["type"].as_str() != Some("conversation") {
        return Err(format!(
            "topic {topic:?} does not carry a conversation (item type {:?})",
            item["type"].as_str().unwrap_or("none")
        ));
    }
    let id = id_text(&item["id"]).ok_or("the Intercom conversation has no id")?;
    let source = &item["source"];
    let body = source["body"]
        .as_str()
        .map(html_to_text)
        .unwrap_or_default();
    let subject = source["subject"]
        .as_str()
        .map(html_to_text)
        .filter(|s| !s.is_empty());
    if body.is_empty() && subject.is_none() {
        return Err("the Intercom conversation has neither a subject nor a body".into());
    }
    let created = unix_secs(&item["created_at"])
        .or_else(|| unix_secs(&payload["created_at"]))
        .ok_or("the Intercom conversation has no created_at")?;
    let updated = unix_secs(&item["updated_at"]).unwrap_or(created);
    let (mut public, mut internal) = (Vec::new(), Vec::new());
    if let Some(parts) = item["conversation_parts"]["conversation_parts"].as_array() {
        for part in parts {
            let text = part["body"].as_str().map(html_to_text).unwrap_or_default();
            if text.is_empty() {
                continue;
            }
            let stamped = match unix_secs(&part["created_at"]) {
                Some(at) => format!("[{}] {text}", at.format("%Y-%m-%d %H:%M")),
                None => text,
            };
            match part["part_type"].as_str() {
                Some("note") => internal.push(stamped),
                Some("comment" | "open" | "close" | "assignment") => public.push(stamped),
                _ => {}
            }
        }
    }
    let joined = |v: Vec<String>| (!v.is_empty()).then(|| v.join("\n\n"));
    let author = &source["author"];
    let mut t = ticket(SourceKind::Intercom, id, body.clone(), created);
    t.subject = subject.or_else(|| subject_of(&body));
    t.description = (!body.is_empty()).then_some(body);
    t.public_comments = joined(public);
    t.internal_notes = joined(internal);
    t.requester_email = author["email"]
        .as_str()
        .filter(|e| e.contains('@'))
        .map(str::to_string);
    t.status = item["state"].as_str().map(str::to_string).or(t.status);
    t.priority = item["priority"].as_str().map(str::to_string);
    t.updated_at = updated;
    Ok(Normalized::Tickets(vec![t]))
}

/// WhatsApp Cloud API webhook (`whatsapp_business_account`). Each incoming message is a
/// ticket known by its `wamid`; status updates (sent/delivered/read) are not tickets. A
/// message of a kind with no text (a sticker, a voice note) cannot be normalized.
pub fn whatsapp(payload: &Value) -> Result<Normalized, String> {
    if payload["object"].as_str() != Some("whatsapp_business_account") {
        return Err("a WhatsApp webhook has \"object\": \"whatsapp_business_account\"".into());
    }
    let entries = payload["entry"]
        .as_array()
        .ok_or("the WhatsApp webhook has no \"entry\" list")?;
    let mut tickets = Vec::new();
    let mut problems = Vec::new();
    let mut unreadable = Vec::new();
    let mut statuses = 0usize;
    for change in entries
        .iter()
        .filter_map(|e| e["changes"].as_array())
        .flatten()
    {
        let value = &change["value"];
        statuses += value["statuses"].as_array().map_or(0, Vec::len);
        let names: Vec<(String, String)> = value["contacts"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| {
                Some((
                    id_text(&c["wa_id"])?,
                    c["profile"]["name"].as_str()?.to_string(),
                ))
            })
            .collect();
        for message in value["messages"].as_array().into_iter().flatten() {
            let Some(id) = id_text(&message["id"]) else {
                problems.push("a message without an id".to_string());
                unreadable.push(message.clone());
                continue;
            };
            let text = match message["type"].as_str() {
                Some("text") => message["text"]["body"].as_str(),
                Some("button") => message["button"]["text"].as_str(),
                Some("interactive") => message["interactive"]["button_reply"]["title"]
                    .as_str()
                    .or(message["interactive"]["list_reply"]["title"].as_str()),
                Some("image" | "video" | "document") => {
                    let kind = message["type"].as_str().unwrap_or_default();
                    message[kind]["caption"].as_str()
                }
                _ => None,
            }
            .map(str::trim)
            .filter(|t| !t.is_empty());
            let Some(text) = text else {
                problems.push(format!(
                    "message {id} of type {:?} has no text",
                    message["type"].as_str().unwrap_or("none")
                ));
                unreadable.push(message.clone());
                continue;
            };
            let at = unix_secs(&message["timestamp"]).unwrap_or_else(Utc::now);
            let mut t = ticket(SourceKind::Whatsapp, id, text.to_string(), at);
            if let Some(from) = id_text(&message["from"]) {
                if let Some((_, name)) = names.iter().find(|(wa, _)| *wa == from) {
                    t.tags.push(format!("whatsapp_profile:{name}"));
                }
            }
            tickets.push(t);
        }
    }
    if !problems.is_empty() {
        if tickets.is_empty() {
            return Err(problems.join("; "));
        }
        return Ok(Normalized::Partial {
            tickets,
            unreadable: only_messages(payload, &unreadable),
            error: problems.join("; "),
        });
    }
    if tickets.is_empty() {
        return Ok(Normalized::Ignored(if statuses > 0 {
            format!("{statuses} delivery status update(s)")
        } else {
            "no messages".into()
        }));
    }
    Ok(Normalized::Tickets(tickets))
}

/// The WhatsApp payload with only `keep` among its messages (statuses dropped): what is
/// dead-lettered of a delivery whose other messages were stored.
fn only_messages(payload: &Value, keep: &[Value]) -> Value {
    let mut out = payload.clone();
    for entry in out["entry"].as_array_mut().into_iter().flatten() {
        for change in entry["changes"].as_array_mut().into_iter().flatten() {
            let value = &mut change["value"];
            if let Some(messages) = value["messages"].as_array_mut() {
                messages.retain(|m| keep.contains(m));
            }
            if let Some(map) = value.as_object_mut() {
                map.remove("statuses");
            }
        }
    }
    out
}

/// The ticket id a Zendesk webhook is about: a ticket event's `detail.id` (or its subject
/// `zen:ticket:{id}`), or, for a trigger's custom JSON body, `ticket_id` / `ticket.id`.
pub fn zendesk_ticket_id(payload: &Value) -> Result<i64, String> {
    let candidates = [
        id_text(&payload["detail"]["id"]),
        payload["subject"]
            .as_str()
            .and_then(|s| s.strip_prefix("zen:ticket:"))
            .map(str::to_string),
        id_text(&payload["ticket_id"]),
        id_text(&payload["ticket"]["id"]),
    ];
    let id = candidates
        .into_iter()
        .flatten()
        .next()
        .ok_or("the Zendesk webhook names no ticket (detail.id, subject zen:ticket:N, ticket_id or ticket.id)")?;
    id.parse()
        .map_err(|_| format!("the Zendesk ticket id {id:?} is not a number"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn html_bodies_become_plain_text() {
        assert_eq!(
            html_to_text("<p>The clock &amp; badge</p><p>reader <b>froze</b></p>"),
            "The clock & badge\nreader froze"
        );
    }

    #[test]
    fn a_slack_edit_is_ignored_and_a_message_without_text_is_refused() {
        let edit = json!({"type": "event_callback", "event": {"type": "message", "subtype": "message_changed", "channel": "C1", "ts": "1.2"}});
        assert!(matches!(slack(&edit), Ok(Normalized::Ignored(_))));
        let empty = json!({"type": "event_callback", "event": {"type": "message", "channel": "C1", "ts": "1700000000.000100", "text": " "}});
        assert!(slack(&empty).is_err());
    }

    #[test]
    fn a_slash_command_is_a_ticket_and_an_empty_one_is_not() {
        let at = Utc.timestamp_opt(1_700_000_000, 0).unwrap();
        let form = parse_form(b"token=x&team_id=T1&channel_id=C9&user_name=pat&command=%2Fissue&text=Payroll+export+drops+overtime&trigger_id=13345224609.738474920.8088930838d88f008e0").unwrap();
        let Ok(Normalized::Tickets(t)) = slack_command(&form, at) else {
            panic!("a ticket");
        };
        assert_eq!(
            t[0].source_id,
            "C9:13345224609.738474920.8088930838d88f008e0"
        );
        assert_eq!(
            t[0].description.as_deref(),
            Some("Payroll export drops overtime")
        );
        assert_eq!(t[0].created_at, at);
        assert!(t[0].tags.contains(&"slack_command:issue".to_string()));
        let empty = parse_form(b"command=%2Fissue&text=&channel_id=C9&trigger_id=1").unwrap();
        assert!(matches!(
            slack_command(&empty, at),
            Ok(Normalized::Ignored(_))
        ));
        let no_trigger = parse_form(b"command=%2Fissue&text=hi&channel_id=C9").unwrap();
        assert!(slack_command(&no_trigger, at).is_err());
        assert!(slack_is_form(
            Some("application/x-www-form-urlencoded; charset=utf-8"),
            b"{"
        ));
        assert!(!slack_is_form(None, b" {\"type\":1}"));
        assert!(slack_is_form(None, b"command=%2Fissue"));
    }

    #[test]
    fn a_stored_payload_normalizes_again_by_its_source() {
        let at = Utc::now();
        let headers = json!({"content-type": "application/x-www-form-urlencoded"});
        let replayed = normalize_stored(
            SourceKind::Slack,
            &headers,
            b"command=%2Fissue&text=Clock+in+fails&channel_id=C1&trigger_id=7",
            at,
        );
        assert!(matches!(
            replayed,
            Ok(Replayed::Normalized(Normalized::Tickets(_)))
        ));
        assert_eq!(
            normalize_stored(SourceKind::Zendesk, &json!({}), br#"{"ticket_id": 5}"#, at),
            Ok(Replayed::ZendeskTicket(5))
        );
        assert!(normalize_stored(SourceKind::Intercom, &json!({}), b"not json", at).is_err());
    }

    #[test]
    fn zendesk_ticket_ids_come_from_events_and_trigger_bodies() {
        assert_eq!(
            zendesk_ticket_id(
                &json!({"type": "zen:event-type:ticket.created", "subject": "zen:ticket:35436", "detail": {"id": "35436"}})
            ),
            Ok(35436)
        );
        assert_eq!(zendesk_ticket_id(&json!({"ticket_id": 12})), Ok(12));
        assert_eq!(zendesk_ticket_id(&json!({"ticket": {"id": "9"}})), Ok(9));
        assert!(zendesk_ticket_id(&json!({"hello": 1})).is_err());
        assert!(zendesk_ticket_id(&json!({"ticket_id": "abc"})).is_err());
    }
}
