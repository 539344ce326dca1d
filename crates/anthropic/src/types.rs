//! The wire format of the Messages and Message Batches endpoints (`anthropic-version:
//! 2023-06-01`). Request types serialize exactly what we send; response types accept every
//! field the API documents and ignore the ones we do not use, so additions to the API do not
//! break parsing.

use serde::{Deserialize, Serialize};

/// `POST /v1/messages`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessagesRequest {
    pub model: String,
    pub max_tokens: u32,
    /// The system prompt as text blocks, so the stable part can carry `cache_control`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub system: Vec<SystemBlock>,
    pub messages: Vec<Message>,
    /// Structured output: the answer's JSON schema.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_config: Option<OutputConfig>,
}

/// One block of the system prompt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SystemBlock {
    /// Always `"text"`.
    #[serde(rename = "type")]
    pub kind: String,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_control: Option<CacheControl>,
}

impl SystemBlock {
    /// A text block cached by the API (the prefix up to and including it is reused by later
    /// requests for about five minutes, billed at the cache-read price).
    pub fn cached(text: impl Into<String>) -> Self {
        SystemBlock {
            kind: "text".into(),
            text: text.into(),
            cache_control: Some(CacheControl::ephemeral()),
        }
    }
}

/// `{"type": "ephemeral"}`: the prompt-caching breakpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheControl {
    #[serde(rename = "type")]
    pub kind: String,
}

impl CacheControl {
    pub fn ephemeral() -> Self {
        CacheControl {
            kind: "ephemeral".into(),
        }
    }
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Assistant,
}

/// A conversation turn with plain-text content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub role: Role,
    pub content: String,
}

impl Message {
    pub fn user(content: impl Into<String>) -> Self {
        Message {
            role: Role::User,
            content: content.into(),
        }
    }
}

/// `output_config` of a request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputConfig {
    pub format: OutputFormat,
}

/// The constrained output format.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OutputFormat {
    /// The text answer is JSON valid against `schema`.
    JsonSchema { schema: serde_json::Value },
}

impl OutputConfig {
    pub fn json_schema(schema: serde_json::Value) -> Self {
        OutputConfig {
            format: OutputFormat::JsonSchema { schema },
        }
    }
}

/// The response of `POST /v1/messages` (and a succeeded batch request's `message`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageResponse {
    pub id: String,
    pub model: String,
    pub content: Vec<ContentBlock>,
    pub stop_reason: Option<StopReason>,
    pub usage: Usage,
}

impl MessageResponse {
    /// The text blocks joined (thinking blocks, which adaptive-thinking models may put first,
    /// are skipped).
    pub fn text(&self) -> String {
        self.content
            .iter()
            .filter_map(|b| match b {
                ContentBlock::Text { text } => Some(text.as_str()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("")
    }
}

/// One block of a response's content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ContentBlock {
    Text {
        text: String,
    },
    Thinking {
        thinking: String,
        #[serde(default)]
        signature: String,
    },
    RedactedThinking {
        data: String,
    },
    ToolUse {
        id: String,
        name: String,
        input: serde_json::Value,
    },
    /// A block type this client does not know yet.
    #[serde(other)]
    Other,
}

/// Why the model stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    EndTurn,
    MaxTokens,
    StopSequence,
    ToolUse,
    PauseTurn,
    /// The model declined to answer (safety); the content may be partial.
    Refusal,
    ModelContextWindowExceeded,
    #[serde(other)]
    Other,
}

/// Token counts of one request. The cache fields are null or absent when caching did not apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
    #[serde(default)]
    pub cache_creation_input_tokens: Option<u64>,
    #[serde(default)]
    pub cache_read_input_tokens: Option<u64>,
}

/// One request of a batch: our id for it and the Messages request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchRequest {
    pub custom_id: String,
    pub params: MessagesRequest,
}

/// A Message Batch as `POST /v1/messages/batches` and `GET /v1/messages/batches/{id}` return it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageBatch {
    pub id: String,
    pub processing_status: BatchStatus,
    pub request_counts: RequestCounts,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub ended_at: Option<String>,
    #[serde(default)]
    pub expires_at: Option<String>,
    /// Where the results are, once the batch ended.
    #[serde(default)]
    pub results_url: Option<String>,
}

/// Where a batch is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchStatus {
    InProgress,
    Canceling,
    Ended,
    #[serde(other)]
    Other,
}

/// Requests of a batch by state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RequestCounts {
    #[serde(default)]
    pub processing: u64,
    #[serde(default)]
    pub succeeded: u64,
    #[serde(default)]
    pub errored: u64,
    #[serde(default)]
    pub canceled: u64,
    #[serde(default)]
    pub expired: u64,
}

/// One line of a batch's results (JSONL).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchResultLine {
    pub custom_id: String,
    pub result: BatchResult,
}

/// The outcome of one batch request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BatchResult {
    Succeeded {
        message: MessageResponse,
    },
    /// The request failed; `error` is the API's error envelope.
    Errored {
        error: serde_json::Value,
    },
    Canceled,
    Expired,
}

/// The body of every error response: `{"type": "error", "error": {"type", "message", …},
/// "request_id"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorEnvelope {
    pub error: ErrorDetail,
    #[serde(default)]
    pub request_id: Option<String>,
}

/// The `error` object of an error response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorDetail {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub message: String,
    /// Present on some errors, e.g. `{"error_code": "enforced_spend_limit_reached"}`.
    #[serde(default)]
    pub details: Option<serde_json::Value>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_request_serializes_to_the_documented_shape() {
        let req = MessagesRequest {
            model: "claude-sonnet-5-5".into(),
            max_tokens: 1024,
            system: vec![SystemBlock::cached("You are a product analyst.")],
            messages: vec![Message::user("Analyze this ticket")],
            output_config: Some(OutputConfig::json_schema(json!({"type": "object"}))),
        };
        assert_eq!(
            serde_json::to_value(&req).unwrap(),
            json!({
                "model": "claude-sonnet-5-5",
                "max_tokens": 1024,
                "system": [{"type": "text", "text": "You are a product analyst.",
                            "cache_control": {"type": "ephemeral"}}],
                "messages": [{"role": "user", "content": "Analyze this ticket"}],
                "output_config": {"format": {"type": "json_schema", "schema": {"type": "object"}}}
            })
        );
    }

    #[test]
    fn a_response_with_thinking_refusal_and_unknown_blocks_parses() {
        let body = json!({
            "id": "msg_01", "type": "message", "role": "assistant", "model": "claude-sonnet-5-5",
            "content": [
                {"type": "thinking", "thinking": "Let me see", "signature": "sig"},
                {"type": "server_tool_use", "id": "x", "name": "web_search", "input": {}},
                {"type": "text", "text": "{\"a\":"},
                {"type": "text", "text": "1}"}
            ],
            "stop_reason": "refusal", "stop_sequence": null,
            "usage": {"input_tokens": 10, "output_tokens": 5,
                      "cache_creation_input_tokens": null, "cache_read_input_tokens": 7,
                      "service_tier": "standard"}
        });
        let msg: MessageResponse = serde_json::from_value(body).unwrap();
        assert_eq!(msg.text(), "{\"a\":1}");
        assert_eq!(msg.stop_reason, Some(StopReason::Refusal));
        assert_eq!(msg.content[1], ContentBlock::Other);
        assert_eq!(msg.usage.cache_read_input_tokens, Some(7));
        assert_eq!(msg.usage.cache_creation_input_tokens, None);
    }
}
