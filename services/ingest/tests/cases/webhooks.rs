//! Every channel's webhook, in-process: signatures, normalization, idempotency, bad input and
//! dead letters.

use crate::support::fake_zendesk::{self, FakeZendesk};
use actix_web::{test, web, App};
use db::models::{dead_letter, ticket};
use domain::SourceKind;
use ingest::http::{self, AppState, WebhookSecrets};
use ingest::verify::sign;
use runtime::Secret;
use serde_json::{json, Value};
use testkit::TestEnv;

const SLACK: &str = "slack-signing-secret";
const INTERCOM: &str = "intercom-client-secret";
const WHATSAPP: &str = "whatsapp-app-secret";
const ZENDESK: &str = "zendesk-webhook-secret";

fn state(env: &TestEnv, zendesk: Option<&FakeZendesk>) -> AppState {
    AppState {
        pool: env.infra.pool.clone(),
        queues: env.infra.queues.clone(),
        secrets: WebhookSecrets {
            zendesk: Some(Secret::new(ZENDESK)),
            slack: Some(Secret::new(SLACK)),
            intercom: Some(Secret::new(INTERCOM)),
            whatsapp: Some(Secret::new(WHATSAPP)),
            whatsapp_verify_token: Some(Secret::new("verify-me")),
        },
        max_body_bytes: 64 * 1024,
        zendesk_tolerance_secs: 300,
        zendesk: zendesk.map(|f| {
            (
                zendesk::Client::new(f.config()).unwrap(),
                ingest::zendesk_api::Directory::default(),
            )
        }),
        limits: std::sync::Arc::new(auth::limit::Limits::off()),
    }
}

macro_rules! app {
    ($state:expr) => {
        test::init_service(
            App::new()
                .app_data(web::Data::new($state))
                .configure(http::configure),
        )
        .await
    };
}

fn slack_message(ts: &str, text: &str) -> Vec<u8> {
    json!({
        "token": "x", "team_id": "T024BE7LD", "api_app_id": "A1", "type": "event_callback",
        "event_id": format!("Ev{ts}"), "event_time": 1_700_000_000,
        "event": {"type": "message", "channel": "C2147483705", "user": "U2147483697", "text": text, "ts": ts, "channel_type": "channel"}
    })
    .to_string()
    .into_bytes()
}

fn slack_request(body: &[u8], secret: &str, ts: i64) -> test::TestRequest {
    test::TestRequest::post()
        .uri("/webhooks/slack")
        .insert_header(("content-type", "application/json"))
        .insert_header(("X-Slack-Request-Timestamp", ts.to_string()))
        .insert_header(("X-Slack-Signature", sign::slack(secret, ts, body)))
        .set_payload(body.to_vec())
}

fn intercom_conversation(id: &str) -> Vec<u8> {
    json!({
        "type": "notification_event", "app_id": "abc", "topic": "conversation.user.created",
        "id": "notif_1", "created_at": 1_700_000_100,
        "data": {"type": "notification_event_data", "item": {
            "type": "conversation", "id": id, "created_at": 1_700_000_000, "updated_at": 1_700_000_100,
            "state": "open", "priority": "priority",
            "source": {"type": "conversation", "id": "403918316", "delivered_as": "customer_initiated",
                "subject": "", "body": "<p>Direct deposit failed for <b>12 employees</b> this week.</p>",
                "author": {"type": "user", "id": "5310d8e7", "name": "Pat", "email": "pat@bakery.example"}},
            "conversation_parts": {"type": "conversation_part.list", "conversation_parts": [
                {"type": "conversation_part", "id": "1", "part_type": "comment", "body": "<p>We are looking into it.</p>", "created_at": 1_700_000_050, "author": {"type": "admin", "id": "9"}},
                {"type": "conversation_part", "id": "2", "part_type": "note", "body": "<p>Bank file rejected: bad routing number</p>", "created_at": 1_700_000_060, "author": {"type": "admin", "id": "9"}}
            ], "total_count": 2}
        }}
    })
    .to_string()
    .into_bytes()
}

fn whatsapp_message(id: &str, message: Value) -> Vec<u8> {
    let mut message = message;
    message["id"] = json!(id);
    message["from"] = json!("16505551234");
    message["timestamp"] = json!("1700000000");
    json!({"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
        "contacts": [{"profile": {"name": "Sheena Nelson"}, "wa_id": "16505551234"}],
        "messages": [message]
    }}]}]})
    .to_string()
    .into_bytes()
}

async fn counts(env: &TestEnv) -> (i64, usize) {
    let mut conn = env.infra.pool.get().await.unwrap();
    let tickets = ticket::counts(&mut conn).await.unwrap().total;
    let letters = dead_letter::recent(&mut conn, 100).await.unwrap().len();
    (tickets, letters)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_signed_slack_message_becomes_one_ticket_however_often_it_is_delivered() {
    let env = TestEnv::new().await;
    let app = app!(state(&env, None));
    let body = slack_message(
        "1700000000.000100",
        "Payroll export to CSV drops the overtime column\nSince Monday.",
    );
    let now = chrono::Utc::now().timestamp();

    let first: Value =
        test::call_and_read_body_json(&app, slack_request(&body, SLACK, now).to_request()).await;
    let second: Value =
        test::call_and_read_body_json(&app, slack_request(&body, SLACK, now + 1).to_request())
            .await;

    assert_eq!(first["status"], "accepted");
    assert_eq!(first["tickets"][0]["created"], true);
    // Slack's retry carries the same event_id: remembered, so nothing is done again.
    assert_eq!(second["status"], "duplicate", "{second}");
    assert_eq!(counts(&env).await, (1, 0));
    let mut conn = env.infra.pool.get().await.unwrap();
    let t = ticket::find_by_source(
        &mut conn,
        SourceKind::Slack,
        "C2147483705:1700000000.000100",
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(
        t.subject.as_deref(),
        Some("Payroll export to CSV drops the overtime column")
    );
    assert_eq!(t.ticket_created_at.timestamp(), 1_700_000_000);
    assert_eq!(env.infra.queues.depth("analyze").await.unwrap().pending, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn slack_refuses_forged_and_replayed_requests_and_answers_its_challenge() {
    let env = TestEnv::new().await;
    let app = app!(state(&env, None));
    let body = slack_message("1700000000.000200", "Clock offline");
    let now = chrono::Utc::now().timestamp();

    let forged = test::call_service(
        &app,
        slack_request(&body, "not-the-secret", now).to_request(),
    )
    .await;
    let replayed =
        test::call_service(&app, slack_request(&body, SLACK, now - 600).to_request()).await;
    let challenge = br#"{"token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}"#;
    let answered: Value =
        test::call_and_read_body_json(&app, slack_request(challenge, SLACK, now).to_request())
            .await;

    assert_eq!(forged.status(), 401);
    let error: Value = test::read_body_json(forged).await;
    assert_eq!(error["error"], "invalid_signature");
    assert_eq!(replayed.status(), 401);
    assert_eq!(
        answered["challenge"],
        "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    );
    assert_eq!(counts(&env).await, (0, 0));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_signed_intercom_conversation_keeps_replies_and_notes_apart() {
    let env = TestEnv::new().await;
    let app = app!(state(&env, None));
    let body = intercom_conversation("147");
    let request = |sig: String| {
        test::TestRequest::post()
            .uri("/webhooks/intercom")
            .insert_header(("X-Hub-Signature", sig))
            .set_payload(body.clone())
            .to_request()
    };

    let forged = test::call_service(&app, request(sign::intercom("wrong", &body))).await;
    let first = test::call_service(&app, request(sign::intercom(INTERCOM, &body))).await;
    let again = test::call_service(&app, request(sign::intercom(INTERCOM, &body))).await;

    assert_eq!(forged.status(), 401);
    assert_eq!(
        (first.status().as_u16(), again.status().as_u16()),
        (200, 200)
    );
    assert_eq!(counts(&env).await, (1, 0));
    let mut conn = env.infra.pool.get().await.unwrap();
    let t = ticket::find_by_source(&mut conn, SourceKind::Intercom, "147")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        t.description.as_deref(),
        Some("Direct deposit failed for 12 employees this week.")
    );
    assert!(t
        .public_comments
        .unwrap()
        .contains("We are looking into it."));
    assert!(t.internal_notes.unwrap().contains("bad routing number"));
    assert_eq!(t.requester_email.as_deref(), Some("pat@bakery.example"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_signed_whatsapp_message_becomes_a_ticket_and_the_handshake_needs_the_token() {
    let env = TestEnv::new().await;
    let app = app!(state(&env, None));
    let body = whatsapp_message(
        "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=",
        json!({"type": "text", "text": {"body": "The app logs me out every time I clock in"}}),
    );
    let request = |sig: String| {
        test::TestRequest::post()
            .uri("/webhooks/whatsapp")
            .insert_header(("X-Hub-Signature-256", sig))
            .set_payload(body.clone())
            .to_request()
    };

    let forged = test::call_service(&app, request(sign::whatsapp("wrong", &body))).await;
    let first = test::call_service(&app, request(sign::whatsapp(WHATSAPP, &body))).await;
    let again = test::call_service(&app, request(sign::whatsapp(WHATSAPP, &body))).await;
    let handshake = test::call_service(&app, test::TestRequest::get().uri("/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444").to_request()).await;
    let bad_handshake = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1")
            .to_request(),
    )
    .await;

    assert_eq!(forged.status(), 401);
    assert_eq!(
        (first.status().as_u16(), again.status().as_u16()),
        (200, 200)
    );
    assert_eq!(counts(&env).await, (1, 0));
    let mut conn = env.infra.pool.get().await.unwrap();
    let t = ticket::find_by_source(
        &mut conn,
        SourceKind::Whatsapp,
        "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=",
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(
        t.description.as_deref(),
        Some("The app logs me out every time I clock in")
    );
    assert_eq!(handshake.status(), 200);
    assert_eq!(test::read_body(handshake).await, "1158201444");
    assert_eq!(bad_handshake.status(), 403);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_verified_payload_that_cannot_be_normalized_is_kept_as_a_dead_letter() {
    let env = TestEnv::new().await;
    let app = app!(state(&env, None));
    let body = whatsapp_message(
        "wamid.sticker",
        json!({"type": "sticker", "sticker": {"id": "1", "mime_type": "image/webp"}}),
    );

    let response = test::call_service(
        &app,
        test::TestRequest::post()
            .uri("/webhooks/whatsapp")
            .insert_header(("content-type", "application/json"))
            .insert_header(("X-Hub-Signature-256", sign::whatsapp(WHATSAPP, &body)))
            .set_payload(body.clone())
            .to_request(),
    )
    .await;

    assert_eq!(response.status(), 202);
    let answer: Value = test::read_body_json(response).await;
    assert_eq!(answer["status"], "dead_lettered");
    let mut conn = env.infra.pool.get().await.unwrap();
    let letters = dead_letter::recent(&mut conn, 10).await.unwrap();
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0].source, "whatsapp");
    assert_eq!(letters[0].body.as_bytes(), &body[..]);
    assert!(letters[0].error.contains("sticker"), "{}", letters[0].error);
    assert_eq!(letters[0].headers["content-type"], "application/json");
    assert!(letters[0].headers.get("x-hub-signature-256").is_none());
    assert_eq!(ticket::counts(&mut conn).await.unwrap().total, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_and_oversize_payloads_are_refused_and_stored_nowhere() {
    let env = TestEnv::new().await;
    let app = app!(state(&env, None));
    let not_json = b"{\"object\": \"whatsapp_business_account\", \"entry\": [".to_vec();
    let huge = vec![b' '; 65 * 1024];

    let malformed = test::call_service(
        &app,
        test::TestRequest::post()
            .uri("/webhooks/whatsapp")
            .insert_header(("X-Hub-Signature-256", sign::whatsapp(WHATSAPP, &not_json)))
            .set_payload(not_json.clone())
            .to_request(),
    )
    .await;
    let oversize = test::call_service(
        &app,
        test::TestRequest::post()
            .uri("/webhooks/intercom")
            .insert_header(("X-Hub-Signature", sign::intercom(INTERCOM, &huge)))
            .set_payload(huge.clone())
            .to_request(),
    )
    .await;

    assert_eq!(malformed.status(), 400);
    let error: Value = test::read_body_json(malformed).await;
    assert_eq!(error["error"], "malformed_payload");
    assert_eq!(oversize.status(), 413);
    let error: Value = test::read_body_json(oversize).await;
    assert_eq!(error["error"], "payload_too_large");
    assert_eq!(counts(&env).await, (0, 0));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_channel_without_its_secret_refuses_its_webhook() {
    let env = TestEnv::new().await;
    let mut s = state(&env, None);
    s.secrets.slack = None;
    let app = app!(s);
    let body = slack_message("1700000000.000300", "x");

    let response = test::call_service(
        &app,
        slack_request(&body, SLACK, chrono::Utc::now().timestamp()).to_request(),
    )
    .await;

    assert_eq!(response.status(), 503);
    let error: Value = test::read_body_json(response).await;
    assert_eq!(error["error"], "not_configured");
    assert!(error["message"]
        .as_str()
        .unwrap()
        .contains("SLACK_SIGNING_SECRET"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_signed_zendesk_event_fetches_that_ticket_and_a_forged_or_replayed_one_is_refused() {
    let env = TestEnv::new().await;
    let fake = FakeZendesk::start(fake_zendesk::tickets(5)).await;
    let app = app!(state(&env, Some(&fake)));
    let body = br#"{"type":"zen:event-type:ticket.created","account_id":88888888,"id":"01HNXXXX","time":"2026-11-23T10:00:00Z","zendesk_event_version":"2022-11-06","subject":"zen:ticket:1003","detail":{"id":"1003","status":"OPEN"},"event":{}}"#;
    let now = chrono::Utc::now();
    let ts = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    // The same event as delivered (and captured) ten minutes ago, correctly signed back then.
    let old =
        (now - chrono::Duration::minutes(10)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let request = |ts: &str, sig: String| {
        test::TestRequest::post()
            .uri("/webhooks/zendesk")
            .insert_header(("X-Zendesk-Webhook-Signature-Timestamp", ts.to_string()))
            .insert_header(("X-Zendesk-Webhook-Signature", sig))
            .set_payload(body.to_vec())
            .to_request()
    };

    let forged = test::call_service(&app, request(&ts, sign::zendesk("wrong", &ts, body))).await;
    let replayed =
        test::call_service(&app, request(&old, sign::zendesk(ZENDESK, &old, body))).await;
    let replayed_status = replayed.status();
    let replayed: Value = test::read_body_json(replayed).await;
    let accepted = test::call_service(&app, request(&ts, sign::zendesk(ZENDESK, &ts, body))).await;

    assert_eq!(forged.status(), 401);
    assert_eq!(replayed_status, 401, "{replayed}");
    assert_eq!(replayed["error"], "invalid_signature");
    assert!(
        replayed["message"].as_str().unwrap().contains("300 s"),
        "{replayed}"
    );
    assert_eq!(accepted.status(), 202);
    let t = testkit::eventually("the ticket is fetched", 10, || async {
        let mut conn = env.infra.pool.get().await.unwrap();
        ticket::find_by_source(&mut conn, SourceKind::Zendesk, "1003")
            .await
            .unwrap()
    })
    .await;
    assert!(t
        .internal_notes
        .unwrap()
        .contains("firmware 3.2 suspected for 1003"));
    assert_eq!(t.requester_org_name.as_deref(), Some("Customer 93 Inc"));
    let fetched: Vec<_> = fake.seen().into_iter().map(|s| s.path).collect();
    assert!(
        fetched.contains(&"/api/v2/tickets/1003.json".to_string()),
        "{fetched:?}"
    );
    fake.stop().await;
}

fn slash_command(text: &str, trigger: &str) -> Vec<u8> {
    format!(
        "token=gIkuvaNzQIHg97ATvDxqgjtO&team_id=T0001&team_domain=example&channel_id=C2147483705\
         &channel_name=support&user_id=U2147483697&user_name=pat&command=%2Fissue&text={}\
         &response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2F1234%2F5678&trigger_id={trigger}",
        text.replace(' ', "+")
    )
    .into_bytes()
}

fn slash_request(body: &[u8], secret: &str, ts: i64) -> test::TestRequest {
    test::TestRequest::post()
        .uri("/webhooks/slack")
        .insert_header(("content-type", "application/x-www-form-urlencoded"))
        .insert_header(("X-Slack-Request-Timestamp", ts.to_string()))
        .insert_header(("X-Slack-Signature", sign::slack(secret, ts, body)))
        .set_payload(body.to_vec())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_signed_slack_slash_command_becomes_a_ticket_and_its_author_sees_a_reply() {
    let env = TestEnv::new().await;
    let app = app!(state(&env, None));
    let now = chrono::Utc::now().timestamp();
    let body = slash_command("Timesheet approval button does nothing", "1335.7384.8088");

    let forged = test::call_service(
        &app,
        slash_request(&body, "not-the-secret", now).to_request(),
    )
    .await;
    let stale = test::call_service(&app, slash_request(&body, SLACK, now - 600).to_request()).await;
    let first: Value =
        test::call_and_read_body_json(&app, slash_request(&body, SLACK, now).to_request()).await;
    let again: Value =
        test::call_and_read_body_json(&app, slash_request(&body, SLACK, now).to_request()).await;
    let empty: Value = test::call_and_read_body_json(
        &app,
        slash_request(&slash_command("", "2"), SLACK, now).to_request(),
    )
    .await;

    assert_eq!(forged.status(), 401);
    assert_eq!(stale.status(), 401);
    // Slack shows `text` to the person who typed the command.
    assert_eq!(first["response_type"], "ephemeral");
    assert!(
        first["text"]
            .as_str()
            .unwrap()
            .contains("C2147483705:1335.7384.8088"),
        "{first}"
    );
    assert_eq!(first["tickets"][0]["created"], true);
    assert_eq!(again["tickets"][0]["created"], false);
    assert_eq!(empty["status"], "ignored");
    assert!(empty["text"].as_str().unwrap().contains("usage"), "{empty}");
    assert_eq!(counts(&env).await, (1, 0));
    let mut conn = env.infra.pool.get().await.unwrap();
    let t = ticket::find_by_source(&mut conn, SourceKind::Slack, "C2147483705:1335.7384.8088")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        t.description.as_deref(),
        Some("Timesheet approval button does nothing")
    );
    assert_eq!(t.ticket_created_at.timestamp(), now);
    assert!(
        t.tags
            .as_array()
            .unwrap()
            .contains(&json!("slack_command:issue")),
        "{}",
        t.tags
    );
}

fn signed(uri: &str, header: &str, signature: String, body: &[u8]) -> test::TestRequest {
    test::TestRequest::post()
        .uri(uri)
        .insert_header(("content-type", "application/json"))
        .insert_header((header, signature))
        .set_payload(body.to_vec())
}

fn intercom_request(body: &[u8]) -> test::TestRequest {
    signed(
        "/webhooks/intercom",
        "X-Hub-Signature",
        sign::intercom(INTERCOM, body),
        body,
    )
}

fn whatsapp_request(body: &[u8]) -> test::TestRequest {
    signed(
        "/webhooks/whatsapp",
        "X-Hub-Signature-256",
        sign::whatsapp(WHATSAPP, body),
        body,
    )
}

/// An Intercom delivery `notification` of conversation 777 as it was at `updated_at`.
fn intercom_version(notification: &str, updated_at: i64, text: &str) -> Vec<u8> {
    let mut v: Value = serde_json::from_slice(&intercom_conversation("777")).unwrap();
    v["id"] = json!(notification);
    v["data"]["item"]["updated_at"] = json!(updated_at);
    v["data"]["item"]["source"]["body"] = json!(format!("<p>{text}</p>"));
    v.to_string().into_bytes()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replayed_delivery_changes_nothing_and_an_older_event_never_overwrites_a_newer_ticket() {
    // Arrange: the newer version of a conversation is stored first.
    let env = TestEnv::new().await;
    let app = app!(state(&env, None));
    let newer = intercom_version(
        "notif_new",
        1_700_000_900,
        "Direct deposit failed for 12 employees.",
    );
    let older = intercom_version("notif_old", 1_700_000_100, "Direct deposit is slow.");
    let first: Value =
        test::call_and_read_body_json(&app, intercom_request(&newer).to_request()).await;
    assert_eq!(first["status"], "accepted", "{first}");

    // Act: the older delivery arrives late, then the newer one is replayed.
    let late: Value =
        test::call_and_read_body_json(&app, intercom_request(&older).to_request()).await;
    let replay = test::call_service(&app, intercom_request(&newer).to_request()).await;

    // Assert: the late one is acknowledged as stale, the replay as a duplicate, and the
    // ticket still holds the newer text, queued once.
    assert_eq!(late["tickets"][0]["stale"], true, "{late}");
    assert_eq!(late["tickets"][0]["queued_for_analysis"], false, "{late}");
    assert!(replay.status().is_success());
    let replay: Value = test::read_body_json(replay).await;
    assert_eq!(replay["status"], "duplicate", "{replay}");
    let mut conn = env.infra.pool.get().await.unwrap();
    let t = ticket::find_by_source(&mut conn, SourceKind::Intercom, "777")
        .await
        .unwrap()
        .unwrap();
    assert!(
        t.description.as_deref().unwrap().contains("12 employees"),
        "{t:?}"
    );
    assert_eq!(t.ticket_updated_at.timestamp(), 1_700_000_900);
    assert_eq!(env.infra.queues.depth("analyze").await.unwrap().pending, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_unreadable_body_delivered_twenty_times_is_one_dead_letter_with_a_count() {
    let env = TestEnv::new().await;
    let app = app!(state(&env, None));
    let sticker = whatsapp_message(
        "wamid.sticker",
        json!({"type": "sticker", "sticker": {"id": "1", "mime_type": "image/webp"}}),
    );
    // A message without an id carries nothing to remember the delivery by.
    let mut anonymous: Value = serde_json::from_slice(&whatsapp_message(
        "x",
        json!({"type": "sticker", "sticker": {"id": "2"}}),
    ))
    .unwrap();
    anonymous["entry"][0]["changes"][0]["value"]["messages"][0]
        .as_object_mut()
        .unwrap()
        .remove("id");
    let anonymous = anonymous.to_string().into_bytes();

    for _ in 0..20 {
        let r = test::call_service(&app, whatsapp_request(&sticker).to_request()).await;
        assert!(r.status().is_success(), "{}", r.status());
        let r = test::call_service(&app, whatsapp_request(&anonymous).to_request()).await;
        assert!(r.status().is_success(), "{}", r.status());
    }

    let mut conn = env.infra.pool.get().await.unwrap();
    let letters = dead_letter::recent(&mut conn, 100).await.unwrap();
    assert_eq!(letters.len(), 2, "{letters:?}");
    let counted = letters
        .iter()
        .find(|l| l.body.as_bytes() == &anonymous[..])
        .unwrap();
    assert_eq!(counted.repeat_count, 20);
    assert!(counted.last_received_at.is_some());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mixed_whatsapp_delivery_stores_its_text_and_dead_letters_only_the_sticker() {
    let env = TestEnv::new().await;
    let app = app!(state(&env, None));
    let mut delivery: Value = serde_json::from_slice(&whatsapp_message(
        "wamid.text",
        json!({"type": "text", "text": {"body": "The time clock app crashes when I punch in."}}),
    ))
    .unwrap();
    delivery["entry"][0]["changes"][0]["value"]["messages"]
        .as_array_mut()
        .unwrap()
        .push(
            json!({"id": "wamid.sticker", "from": "16505551234", "timestamp": "1700000001",
                     "type": "sticker", "sticker": {"id": "1"}}),
        );
    let body = delivery.to_string().into_bytes();

    let answer: Value =
        test::call_and_read_body_json(&app, whatsapp_request(&body).to_request()).await;

    assert_eq!(answer["status"], "partially_accepted", "{answer}");
    let mut conn = env.infra.pool.get().await.unwrap();
    let t = ticket::find_by_source(&mut conn, SourceKind::Whatsapp, "wamid.text")
        .await
        .unwrap()
        .expect("the text message is a ticket");
    assert!(t.description.unwrap().contains("punch in"));
    let letters = dead_letter::recent(&mut conn, 10).await.unwrap();
    assert_eq!(letters.len(), 1);
    assert!(letters[0].body.contains("wamid.sticker"));
    assert!(!letters[0].body.contains("punch in"), "{}", letters[0].body);
    assert_eq!(answer["dead_letter_id"], letters[0].id);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_webhook_is_logged_with_its_route_and_reason() {
    testkit::capture_logs();
    let env = TestEnv::new().await;
    let app = app!(state(&env, None));
    let body = intercom_version("notif_forged", 1_700_000_100, "forged");
    let forged = signed(
        "/webhooks/intercom",
        "X-Hub-Signature",
        sign::intercom("not-the-secret", &body),
        &body,
    )
    .to_request();

    let response = test::call_service(&app, forged).await;

    assert_eq!(response.status(), 401);
    let logs = testkit::captured_logs();
    assert!(
        logs.lines().any(|l| l.contains("webhook refused")
            && l.contains("/webhooks/intercom")
            && l.contains("signature")),
        "{logs}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sender_over_its_budget_gets_429_with_retry_after_and_nothing_is_stored() {
    // Arrange: two deliveries a minute per address.
    let env = TestEnv::new().await;
    let mut limited = state(&env, None);
    limited.limits = std::sync::Arc::new(auth::limit::Limits::new(auth::limit::LimitSettings {
        per_address: 2,
        ..auth::limit::LimitSettings::OFF
    }));
    let app = app!(limited);
    let now = chrono::Utc::now().timestamp();
    let from = |ip: &str, ts: &str| {
        slack_request(&slack_message(ts, "clock-in fails"), SLACK, now)
            .peer_addr(format!("{ip}:443").parse().unwrap())
            .to_request()
    };

    // Act
    let mut statuses = Vec::new();
    for ts in [
        "1700000001.000100",
        "1700000002.000100",
        "1700000003.000100",
    ] {
        statuses.push(test::call_service(&app, from("203.0.113.9", ts)).await);
    }
    let other = test::call_service(&app, from("198.51.100.4", "1700000004.000100")).await;

    // Assert: the third from one address waits; another address does not.
    let codes: Vec<u16> = statuses.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(&codes[..2], &[200, 200], "{codes:?}");
    assert_eq!(codes[2], 429);
    let retry: u64 = statuses[2]
        .headers()
        .get("retry-after")
        .unwrap()
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry));
    assert_eq!(other.status().as_u16(), 200);
    assert_eq!(
        counts(&env).await.0,
        3,
        "the refused delivery stored nothing"
    );
}
