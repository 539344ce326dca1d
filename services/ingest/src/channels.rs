//! Normalizing each channel's webhook payload into tickets. Pure functions of the parsed
//! JSON: the handlers verify signatures and store; these decide what a payload means.
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
        return Err(problems.join("; "));
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
