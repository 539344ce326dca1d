//! Each platform's webhook signature scheme. Every comparison is constant-time (through
//! `Mac::verify_slice`), and a signature is checked over the raw body bytes exactly as received.

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use sha2::Sha256;

/// How far a Slack request timestamp may be from now (Slack's own recommendation).
pub const SLACK_TOLERANCE_SECS: i64 = 300;

/// How far a Zendesk webhook's signature timestamp may be from now by default
/// (`ZENDESK_WEBHOOK_TOLERANCE_SECS`): Zendesk signs the time of each delivery attempt, so a
/// genuine delivery is seconds old; an older one is a replay.
pub const ZENDESK_TOLERANCE_SECS: i64 = 300;

/// Why a signature was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the {0} header is missing")]
    MissingHeader(&'static str),
    #[error("the {0} header is not in the expected format")]
    BadFormat(&'static str),
    #[error("the signature does not match the body")]
    Mismatch,
    #[error("the request timestamp is more than {0} s away from now (replayed or clock skew)")]
    Stale(i64),
}

fn mac_sha256(secret: &str) -> Hmac<Sha256> {
    // HMAC takes keys of any length; this cannot fail.
    <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).expect("HMAC accepts any key")
}

/// A Zendesk signature timestamp: ISO 8601 / RFC 3339 as Zendesk sends it
/// (`2026-11-23T10:00:00Z`), or Unix seconds.
fn zendesk_time(timestamp: &str) -> Option<i64> {
    let t = timestamp.trim();
    chrono::DateTime::parse_from_rfc3339(t)
        .map(|d| d.timestamp())
        .ok()
        .or_else(|| t.parse().ok())
}

/// Zendesk: `X-Zendesk-Webhook-Signature` = base64(HMAC-SHA256(secret, timestamp + body)),
/// with the timestamp from `X-Zendesk-Webhook-Signature-Timestamp`, which must be within
/// `tolerance_secs` of `now` (Unix seconds): a captured delivery replayed later is refused.
pub fn zendesk(
    secret: &str,
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now: i64,
    tolerance_secs: i64,
) -> Result<(), SignatureError> {
    const SIG: &str = "X-Zendesk-Webhook-Signature";
    const TS: &str = "X-Zendesk-Webhook-Signature-Timestamp";
    let timestamp = timestamp.ok_or(SignatureError::MissingHeader(TS))?;
    let signature = signature.ok_or(SignatureError::MissingHeader(SIG))?;
    let expected = base64::engine::general_purpose::STANDARD
        .decode(signature.trim())
        .map_err(|_| SignatureError::BadFormat(SIG))?;
    let mut mac = mac_sha256(secret);
    mac.update(timestamp.as_bytes());
    mac.update(body);
    mac.verify_slice(&expected)
        .map_err(|_| SignatureError::Mismatch)?;
    // After the signature, as for Slack: a forged request learns nothing about the clock.
    let at = zendesk_time(timestamp).ok_or(SignatureError::BadFormat(TS))?;
    if (now - at).abs() > tolerance_secs {
        return Err(SignatureError::Stale(tolerance_secs));
    }
    Ok(())
}

/// Slack: `X-Slack-Signature` = `v0=` + hex(HMAC-SHA256(secret, `v0:{timestamp}:{body}`)),
/// with `X-Slack-Request-Timestamp` (Unix seconds) within 5 minutes of `now`.
pub fn slack(
    secret: &str,
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now: i64,
) -> Result<(), SignatureError> {
    const SIG: &str = "X-Slack-Signature";
    const TS: &str = "X-Slack-Request-Timestamp";
    let timestamp = timestamp.ok_or(SignatureError::MissingHeader(TS))?;
    let signature = signature.ok_or(SignatureError::MissingHeader(SIG))?;
    let ts: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| SignatureError::BadFormat(TS))?;
    let expected = signature
        .trim()
        .strip_prefix("v0=")
        .and_then(|h| hex::decode(h).ok())
        .ok_or(SignatureError::BadFormat(SIG))?;
    let mut mac = mac_sha256(secret);
    mac.update(b"v0:");
    mac.update(timestamp.trim().as_bytes());
    mac.update(b":");
    mac.update(body);
    mac.verify_slice(&expected)
        .map_err(|_| SignatureError::Mismatch)?;
    // Checked after the signature, so a forged request learns nothing about the clock.
    if (now - ts).abs() > SLACK_TOLERANCE_SECS {
        return Err(SignatureError::Stale(SLACK_TOLERANCE_SECS));
    }
    Ok(())
}

/// Intercom: `X-Hub-Signature` = `sha1=` + hex(HMAC-SHA1(client secret, body)).
pub fn intercom(secret: &str, signature: Option<&str>, body: &[u8]) -> Result<(), SignatureError> {
    const SIG: &str = "X-Hub-Signature";
    let signature = signature.ok_or(SignatureError::MissingHeader(SIG))?;
    let expected = signature
        .trim()
        .strip_prefix("sha1=")
        .and_then(|h| hex::decode(h).ok())
        .ok_or(SignatureError::BadFormat(SIG))?;
    let mut mac =
        <Hmac<Sha1> as KeyInit>::new_from_slice(secret.as_bytes()).expect("HMAC accepts any key");
    mac.update(body);
    mac.verify_slice(&expected)
        .map_err(|_| SignatureError::Mismatch)
}

/// WhatsApp (Meta): `X-Hub-Signature-256` = `sha256=` + hex(HMAC-SHA256(app secret, body)).
pub fn whatsapp(secret: &str, signature: Option<&str>, body: &[u8]) -> Result<(), SignatureError> {
    const SIG: &str = "X-Hub-Signature-256";
    let signature = signature.ok_or(SignatureError::MissingHeader(SIG))?;
    let expected = signature
        .trim()
        .strip_prefix("sha256=")
        .and_then(|h| hex::decode(h).ok())
        .ok_or(SignatureError::BadFormat(SIG))?;
    let mut mac = mac_sha256(secret);
    mac.update(body);
    mac.verify_slice(&expected)
        .map_err(|_| SignatureError::Mismatch)
}

/// Signatures as each platform computes them, for tests and the fake senders in benchmarks.
pub mod sign {
    use super::*;

    pub fn zendesk(secret: &str, timestamp: &str, body: &[u8]) -> String {
        let mut mac = mac_sha256(secret);
        mac.update(timestamp.as_bytes());
        mac.update(body);
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    }

    pub fn slack(secret: &str, timestamp: i64, body: &[u8]) -> String {
        let mut mac = mac_sha256(secret);
        mac.update(format!("v0:{timestamp}:").as_bytes());
        mac.update(body);
        format!("v0={}", hex::encode(mac.finalize().into_bytes()))
    }

    pub fn intercom(secret: &str, body: &[u8]) -> String {
        let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(secret.as_bytes())
            .expect("HMAC accepts any key");
        mac.update(body);
        format!("sha1={}", hex::encode(mac.finalize().into_bytes()))
    }

    pub fn whatsapp(secret: &str, body: &[u8]) -> String {
        let mut mac = mac_sha256(secret);
        mac.update(body);
        format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slack_accepts_its_documented_example() {
        // The worked example of Slack's "Verifying requests from Slack" guide.
        let secret = "8f742231b10e8888abcd99yyyzzz85a5";
        let body = b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
        let ts = 1531420618;
        assert_eq!(
            sign::slack(secret, ts, body),
            "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
        );
        assert_eq!(
            slack(
                secret,
                Some("1531420618"),
                Some("v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"),
                body,
                ts + 10
            ),
            Ok(())
        );
    }

    #[test]
    fn slack_refuses_old_timestamps_even_when_signed() {
        let sig = sign::slack("s", 1000, b"{}");
        assert_eq!(
            slack("s", Some("1000"), Some(&sig), b"{}", 1000 + 301),
            Err(SignatureError::Stale(300))
        );
    }

    #[test]
    fn zendesk_refuses_a_signed_delivery_outside_the_tolerance() {
        let ts = "2026-11-23T10:00:00Z";
        let at = zendesk_time(ts).unwrap();
        let sig = sign::zendesk("s", ts, b"{}");
        let check =
            |now: i64, tolerance: i64| zendesk("s", Some(ts), Some(&sig), b"{}", now, tolerance);
        assert_eq!(check(at + 299, 300), Ok(()));
        assert_eq!(check(at - 299, 300), Ok(()), "a clock a little behind");
        assert_eq!(check(at + 301, 300), Err(SignatureError::Stale(300)));
        assert_eq!(check(at - 301, 300), Err(SignatureError::Stale(300)));
        assert_eq!(
            check(at + 3_000, 3_600),
            Ok(()),
            "the tolerance is configurable"
        );
        // Unix seconds are understood too; a timestamp that is neither is refused.
        let unix = at.to_string();
        let sig = sign::zendesk("s", &unix, b"{}");
        assert_eq!(
            zendesk("s", Some(&unix), Some(&sig), b"{}", at, 300),
            Ok(())
        );
        let sig = sign::zendesk("s", "yesterday", b"{}");
        assert_eq!(
            zendesk("s", Some("yesterday"), Some(&sig), b"{}", at, 300),
            Err(SignatureError::BadFormat(
                "X-Zendesk-Webhook-Signature-Timestamp"
            ))
        );
    }

    #[test]
    fn every_scheme_refuses_a_changed_body_or_another_secret() {
        let ts = "2026-11-23T10:00:00Z";
        let now = zendesk_time(ts).unwrap();
        let z = sign::zendesk("s", ts, b"{\"a\":1}");
        assert_eq!(
            zendesk("s", Some(ts), Some(&z), b"{\"a\":1}", now, 300),
            Ok(())
        );
        assert_eq!(
            zendesk("s", Some(ts), Some(&z), b"{\"a\":2}", now, 300),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            zendesk("other", Some(ts), Some(&z), b"{\"a\":1}", now, 300),
            Err(SignatureError::Mismatch)
        );
        let i = sign::intercom("s", b"x");
        assert_eq!(intercom("s", Some(&i), b"x"), Ok(()));
        assert_eq!(intercom("s", Some(&i), b"y"), Err(SignatureError::Mismatch));
        let w = sign::whatsapp("s", b"x");
        assert_eq!(whatsapp("s", Some(&w), b"x"), Ok(()));
        assert_eq!(
            whatsapp("s", Some("sha256=zz"), b"x"),
            Err(SignatureError::BadFormat("X-Hub-Signature-256"))
        );
        assert_eq!(
            whatsapp("s", None, b"x"),
            Err(SignatureError::MissingHeader("X-Hub-Signature-256"))
        );
    }
}
