//! A local stand-in for the Anthropic API (actix-web on port 0) that answers with scripted
//! responses in the real wire format, and records what it was sent.

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use serde_json::json;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// One scripted answer: HTTP status, extra headers, body.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Answer {
    /// A 200 Messages response whose text is `text`, with a usage block (cache fields set).
    pub fn message(text: &str, stop_reason: &str) -> Self {
        Answer {
            status: 200,
            headers: vec![],
            body: json!({
                "id": "msg_01XFDUDYJgAACzvnptvVoYEL",
                "type": "message",
                "role": "assistant",
                "model": "claude-sonnet-5-5",
                "content": [{"type": "text", "text": text}],
                "stop_reason": stop_reason,
                "stop_sequence": null,
                "usage": {
                    "input_tokens": 350,
                    "output_tokens": 120,
                    "cache_creation_input_tokens": 0,
                    "cache_read_input_tokens": 1500,
                    "service_tier": "standard"
                }
            })
            .to_string(),
        }
    }

    /// A 200 Messages response whose text is `value` serialized.
    pub fn json(value: serde_json::Value) -> Self {
        Self::message(&value.to_string(), "end_turn")
    }

    /// An error response with the API's error envelope.
    pub fn error(status: u16, kind: &str, message: &str) -> Self {
        Answer {
            status,
            headers: vec![],
            body: json!({"type": "error", "error": {"type": kind, "message": message},
                         "request_id": "req_011CSHoEeqs5C35K2UUqR7Fy"})
            .to_string(),
        }
    }

    /// The 429 of an organization whose monthly spend limit is reached.
    pub fn spend_limit() -> Self {
        Answer {
            status: 429,
            headers: vec![],
            body: json!({"type": "error",
                "error": {"type": "rate_limit_error",
                          "message": "This request would exceed your account's monthly spend limit. Please try again later.",
                          "details": {"error_code": "enforced_spend_limit_reached"}},
                "request_id": "req_011CfGwEqUs6gr8S9p8Um9Ft"})
            .to_string(),
        }
    }
}

#[derive(Default)]
struct Script {
    answers: VecDeque<Answer>,
    /// Answered once the script is used up.
    then: Option<Answer>,
    received: Vec<String>,
}

/// The running fake; stops with the test's runtime.
#[derive(Clone)]
pub struct FakeAnthropic {
    pub url: String,
    script: Arc<Mutex<Script>>,
}

async fn answer(
    req: HttpRequest,
    body: web::Bytes,
    script: web::Data<Mutex<Script>>,
) -> HttpResponse {
    let next = {
        let mut s = script.lock().unwrap();
        s.received
            .push(format!("{} {}", req.path(), String::from_utf8_lossy(&body)));
        s.answers.pop_front().or_else(|| s.then.clone())
    };
    let Some(a) = next else {
        return HttpResponse::InternalServerError().body("the fake has no answer left");
    };
    let mut resp = HttpResponse::build(actix_web::http::StatusCode::from_u16(a.status).unwrap());
    for (k, v) in a.headers {
        resp.insert_header((k, v));
    }
    resp.content_type("application/json").body(a.body)
}

impl FakeAnthropic {
    /// Answers `answers` in order, then `then` to every further request.
    pub fn start(answers: Vec<Answer>, then: Option<Answer>) -> Self {
        let script = Arc::new(Mutex::new(Script {
            answers: answers.into(),
            then,
            received: vec![],
        }));
        let data = web::Data::from(script.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::to(answer))
        })
        .workers(1)
        .disable_signals()
        .bind(("127.0.0.1", 0))
        .expect("bind the fake Anthropic API");
        let url = format!("http://{}", server.addrs()[0]);
        tokio::spawn(server.run());
        FakeAnthropic { url, script }
    }

    /// Adds `answer` to the end of the script.
    pub fn push(&self, answer: Answer) {
        self.script.lock().unwrap().answers.push_back(answer);
    }

    /// Every request received so far, as "path body".
    pub fn received(&self) -> Vec<String> {
        self.script.lock().unwrap().received.clone()
    }
}
