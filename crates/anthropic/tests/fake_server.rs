//! The client against a local fake Anthropic API (actix-web on port 0) answering with the real
//! wire format: usage blocks with cache fields, batch objects and JSONL results, 429 with
//! retry-after, 529, 500, the spend-limit 429 and malformed bodies.

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use anthropic::{
    BatchRequest, BatchResult, BatchStatus, Client, Config, Error, Message, MessagesRequest,
    StopReason, SystemBlock,
};
use runtime::Secret;
use serde_json::json;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One scripted answer: status, extra headers, body.
type Answer = (u16, Vec<(&'static str, String)>, String);
/// One received request: path, headers, body.
type Received = (String, Vec<(String, String)>, String);

#[derive(Clone, Default)]
struct Fake {
    answers: Arc<Mutex<VecDeque<Answer>>>,
    requests: Arc<Mutex<Vec<Received>>>,
}

async fn answer(req: HttpRequest, body: web::Bytes, fake: web::Data<Fake>) -> HttpResponse {
    let headers = req
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    fake.requests.lock().unwrap().push((
        req.path().to_string(),
        headers,
        String::from_utf8_lossy(&body).into_owned(),
    ));
    let (status, extra, body) = fake.answers.lock().unwrap().pop_front().unwrap_or((
        500,
        vec![],
        "no scripted answer left".into(),
    ));
    let mut resp = HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap());
    for (k, v) in extra {
        resp.insert_header((k, v));
    }
    resp.content_type("application/json").body(body)
}

async fn start(answers: Vec<Answer>) -> (Fake, String) {
    let fake = Fake::default();
    fake.answers.lock().unwrap().extend(answers);
    let data = web::Data::new(fake.clone());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .default_service(web::to(answer))
    })
    .workers(1)
    .disable_signals()
    .bind(("127.0.0.1", 0))
    .unwrap();
    let url = format!("http://{}", server.addrs()[0]);
    tokio::spawn(server.run());
    (fake, url)
}

fn client(base_url: &str) -> Client {
    let mut config = Config::new(Secret::new("sk-ant-test-key"));
    config.base_url = base_url.into();
    config.base_backoff = Duration::from_millis(10);
    config.max_backoff = Duration::from_secs(2);
    config.max_retries = 2;
    config.timeout = Duration::from_secs(2);
    Client::new(config).unwrap()
}

fn request() -> MessagesRequest {
    MessagesRequest {
        model: "claude-sonnet-5-5".into(),
        max_tokens: 512,
        system: vec![SystemBlock::cached("system prompt")],
        messages: vec![Message::user("hello")],
        output_config: None,
    }
}

fn message_json(text: &str, stop_reason: &str) -> String {
    json!({
        "id": "msg_013Zva2CMHLNnXjNJJKqJ2EF",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-5-5",
        "content": [{"type": "text", "text": text}],
        "stop_reason": stop_reason,
        "stop_sequence": null,
        "usage": {
            "input_tokens": 412,
            "output_tokens": 96,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 1830,
            "service_tier": "standard"
        }
    })
    .to_string()
}

fn error_json(kind: &str, message: &str) -> String {
    json!({"type": "error", "error": {"type": kind, "message": message},
           "request_id": "req_011CSHoEeqs5C35K2UUqR7Fy"})
    .to_string()
}

#[tokio::test]
async fn a_message_is_sent_with_the_api_headers_and_its_usage_parsed() {
    let (fake, url) = start(vec![(
        200,
        vec![],
        message_json("{\"ok\":true}", "end_turn"),
    )])
    .await;
    let msg = client(&url).messages(&request()).await.unwrap();

    assert_eq!(msg.text(), "{\"ok\":true}");
    assert_eq!(msg.stop_reason, Some(StopReason::EndTurn));
    assert_eq!(msg.usage.input_tokens, 412);
    assert_eq!(msg.usage.cache_read_input_tokens, Some(1830));
    let requests = fake.requests.lock().unwrap();
    let (path, headers, body) = &requests[0];
    assert_eq!(path, "/v1/messages");
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(header("x-api-key").as_deref(), Some("sk-ant-test-key"));
    assert_eq!(header("anthropic-version").as_deref(), Some("2023-06-01"));
    let sent: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(sent["system"][0]["cache_control"]["type"], "ephemeral");
}

#[tokio::test]
async fn a_429_is_retried_after_the_retry_after_it_names() {
    let (fake, url) = start(vec![
        (
            429,
            vec![("retry-after", "1".into())],
            error_json("rate_limit_error", "Rate limited"),
        ),
        (200, vec![], message_json("{}", "end_turn")),
    ])
    .await;
    let started = Instant::now();
    client(&url).messages(&request()).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited the retry-after"
    );
    assert_eq!(fake.requests.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn overload_and_server_errors_are_retried_a_bounded_number_of_times() {
    let (fake, url) = start(vec![
        (529, vec![], error_json("overloaded_error", "Overloaded")),
        (
            500,
            vec![],
            error_json("api_error", "Internal server error"),
        ),
        (200, vec![], message_json("{}", "end_turn")),
    ])
    .await;
    client(&url).messages(&request()).await.unwrap();
    assert_eq!(fake.requests.lock().unwrap().len(), 3);

    let (fake, url) = start(vec![
        (
            529,
            vec![],
            error_json("overloaded_error", "Overloaded")
        );
        5
    ])
    .await;
    let err = client(&url).messages(&request()).await.unwrap_err();
    assert!(matches!(err, Error::Overloaded { .. }), "{err}");
    assert_eq!(
        fake.requests.lock().unwrap().len(),
        3,
        "one try and two retries"
    );
}

#[tokio::test]
async fn the_spend_limit_is_never_retried() {
    let body = json!({"type": "error",
        "error": {"type": "rate_limit_error",
                  "message": "This request would exceed your account's monthly spend limit. Please try again later.",
                  "details": {"error_code": "enforced_spend_limit_reached"}},
        "request_id": "req_011CfGwEqUs6gr8S9p8Um9Ft"})
    .to_string();
    let (fake, url) = start(vec![(429, vec![], body)]).await;
    let err = client(&url).messages(&request()).await.unwrap_err();
    assert!(
        matches!(&err, Error::SpendLimit { message } if message.contains("monthly spend limit")),
        "{err}"
    );
    assert_eq!(fake.requests.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_malformed_body_is_a_clear_error_naming_what_came_back() {
    let (_, url) = start(vec![(
        200,
        vec![],
        "{\"id\": \"msg_1\", \"content\": [".into(),
    )])
    .await;
    let err = client(&url).messages(&request()).await.unwrap_err();
    match err {
        Error::Malformed {
            status, snippet, ..
        } => {
            assert_eq!(status, 200);
            assert!(snippet.starts_with("{\"id\""));
        }
        other => panic!("expected Malformed, got {other}"),
    }
}

#[tokio::test]
async fn a_silent_server_times_out_within_the_budget() {
    // Accepts connections but never answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let mut config = Config::new(Secret::new("k"));
    config.base_url = url;
    config.timeout = Duration::from_millis(200);
    config.max_retries = 1;
    config.base_backoff = Duration::from_millis(10);
    let started = Instant::now();
    let err = Client::new(config)
        .unwrap()
        .messages(&request())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout(_)), "{err}");
    assert!(started.elapsed() < Duration::from_secs(2));
    drop(listener);
}

#[tokio::test]
async fn a_batch_is_created_polled_and_its_jsonl_results_read() {
    let batch = |status: &str, url: &str| {
        json!({
            "id": "msgbatch_013Zva2CMHLNnXjNJJKqJ2EF",
            "type": "message_batch",
            "processing_status": status,
            "request_counts": {"processing": if status == "ended" {0} else {2},
                               "succeeded": if status == "ended" {1} else {0},
                               "errored": if status == "ended" {1} else {0},
                               "canceled": 0, "expired": 0},
            "ended_at": null,
            "created_at": "2026-11-23T14:00:00.000000Z",
            "expires_at": "2026-11-24T14:00:00.000000Z",
            "archived_at": null,
            "cancel_initiated_at": null,
            "results_url": if status == "ended" { json!(format!("{url}/v1/messages/batches/msgbatch_013Zva2CMHLNnXjNJJKqJ2EF/results")) } else { json!(null) }
        })
        .to_string()
    };
    // The server's own address is only known once it runs; the results URL is patched in below.
    let (fake, url) = start(vec![]).await;
    let succeeded = json!({"custom_id": "t-1", "result": {"type": "succeeded",
        "message": serde_json::from_str::<serde_json::Value>(&message_json("{}", "end_turn")).unwrap()}});
    let errored = json!({"custom_id": "t-2", "result": {"type": "errored",
        "error": {"type": "error", "error": {"type": "invalid_request_error", "message": "prompt is too long"}}}});
    fake.answers.lock().unwrap().extend([
        (200, vec![], batch("in_progress", &url)),
        (200, vec![], batch("in_progress", &url)),
        (200, vec![], batch("ended", &url)),
        (200, vec![], format!("{succeeded}\n{errored}\n")),
    ]);

    let client = client(&url);
    let requests = vec![
        BatchRequest {
            custom_id: "t-1".into(),
            params: request(),
        },
        BatchRequest {
            custom_id: "t-2".into(),
            params: request(),
        },
    ];
    let created = client.create_batch(&requests).await.unwrap();
    assert_eq!(created.processing_status, BatchStatus::InProgress);
    let polled = client.retrieve_batch(&created.id).await.unwrap();
    assert_eq!(polled.request_counts.processing, 2);
    let ended = client.retrieve_batch(&created.id).await.unwrap();
    assert_eq!(ended.processing_status, BatchStatus::Ended);
    let results = client.batch_results(&ended).await.unwrap();

    assert_eq!(results.len(), 2);
    assert!(
        matches!(&results[0].result, BatchResult::Succeeded { message } if message.usage.output_tokens == 96)
    );
    assert!(matches!(&results[1].result, BatchResult::Errored { .. }));
    let paths: Vec<String> = fake
        .requests
        .lock()
        .unwrap()
        .iter()
        .map(|r| r.0.clone())
        .collect();
    assert_eq!(
        paths,
        [
            "/v1/messages/batches",
            "/v1/messages/batches/msgbatch_013Zva2CMHLNnXjNJJKqJ2EF",
            "/v1/messages/batches/msgbatch_013Zva2CMHLNnXjNJJKqJ2EF",
            "/v1/messages/batches/msgbatch_013Zva2CMHLNnXjNJJKqJ2EF/results"
        ]
    );
    let sent: serde_json::Value =
        serde_json::from_str(&fake.requests.lock().unwrap()[0].2).unwrap();
    assert_eq!(sent["requests"][1]["custom_id"], "t-2");
    assert_eq!(sent["requests"][1]["params"]["model"], "claude-sonnet-5-5");
}

#[tokio::test]
async fn a_malformed_results_line_names_its_line() {
    let (_, url) = start(vec![(
        200,
        vec![],
        "{\"custom_id\":\"a\",\"result\":{\"type\":\"canceled\"}}\nnot json\n".into(),
    )])
    .await;
    let batch: anthropic::MessageBatch = serde_json::from_value(json!({
        "id": "msgbatch_1", "processing_status": "ended", "request_counts": {},
        "results_url": format!("{url}/v1/messages/batches/msgbatch_1/results")
    }))
    .unwrap();
    let err = client(&url).batch_results(&batch).await.unwrap_err();
    assert!(err.to_string().contains("results line 2"), "{err}");
}
