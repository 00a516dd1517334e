//! awsJson1_1: reading request members with the service's own validation errors, and the
//! error body the Rust SDK and botocore both parse (`__type` + `message`).

use serde_json::{Map, Value, json};

use crate::sim::error::{ApiError, ApiResult};

pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// The error body: `{"__type": "...", "message": "..."}`.
pub fn error_body(error: &ApiError) -> Vec<u8> {
    json!({ "__type": error.code, "message": error.message })
        .to_string()
        .into_bytes()
}

/// A request's members, with typed getters whose errors name the member.
pub struct Input<'a> {
    members: &'a Map<String, Value>,
    /// The code of the service's generic validation error.
    invalid: &'static str,
}

impl<'a> Input<'a> {
    pub fn parse(body: &[u8], invalid: &'static str) -> ApiResult<Value> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Object(Map::new()));
        }
        let value: Value = serde_json::from_slice(body).map_err(|e| {
            ApiError::new(
                "SerializationException",
                format!("The request body is not valid JSON: {e}"),
            )
        })?;
        if !value.is_object() {
            return Err(ApiError::new(
                invalid,
                "The request body must be a JSON object",
            ));
        }
        Ok(value)
    }

    pub fn new(value: &'a Value, invalid: &'static str) -> Self {
        static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
        let members = value
            .as_object()
            .unwrap_or_else(|| EMPTY.get_or_init(Map::new));
        Self { members, invalid }
    }

    fn wrong(name: &str, expected: &str) -> ApiError {
        ApiError::new(
            "SerializationException",
            format!("Member '{name}' must be {expected}"),
        )
    }

    fn get(&self, name: &str) -> Option<&'a Value> {
        self.members.get(name).filter(|v| !v.is_null())
    }

    /// Whether the member was sent (and is not null).
    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    pub fn str(&self, name: &str) -> ApiResult<Option<&'a str>> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(Self::wrong(name, "a string")),
        }
    }

    /// A required string; `missing` is the service's error for its absence.
    pub fn required(&self, name: &str, missing: &str) -> ApiResult<&'a str> {
        match self.str(name)? {
            Some(s) if !s.is_empty() => Ok(s),
            _ => Err(ApiError::new(
                missing,
                format!("{name} is required and must not be empty"),
            )),
        }
    }

    pub fn required_invalid(&self, name: &str) -> ApiResult<&'a str> {
        self.required(name, self.invalid)
    }

    pub fn int(&self, name: &str) -> ApiResult<Option<i64>> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Number(n)) => n
                .as_i64()
                .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
                .map(Some)
                .ok_or_else(|| Self::wrong(name, "an integer")),
            Some(_) => Err(Self::wrong(name, "an integer")),
        }
    }

    pub fn float(&self, name: &str) -> ApiResult<Option<f64>> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Number(n)) => Ok(n.as_f64()),
            Some(_) => Err(Self::wrong(name, "a number")),
        }
    }

    pub fn bool(&self, name: &str) -> ApiResult<Option<bool>> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(Self::wrong(name, "a boolean")),
        }
    }

    pub fn strings(&self, name: &str) -> ApiResult<Option<Vec<&'a str>>> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| {
                    v.as_str()
                        .ok_or_else(|| Self::wrong(name, "a list of strings"))
                })
                .collect::<ApiResult<Vec<_>>>()
                .map(Some),
            Some(_) => Err(Self::wrong(name, "a list of strings")),
        }
    }

    pub fn object(&self, name: &str) -> ApiResult<Option<Input<'a>>> {
        match self.get(name) {
            None => Ok(None),
            Some(v @ Value::Object(_)) => Ok(Some(Input::new(v, self.invalid))),
            Some(_) => Err(Self::wrong(name, "an object")),
        }
    }

    /// A list of objects, each read as an input of its own.
    pub fn objects(&self, name: &str) -> ApiResult<Option<Vec<Input<'a>>>> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Array(items)) if items.iter().all(Value::is_object) => Ok(Some(
                items.iter().map(|v| Input::new(v, self.invalid)).collect(),
            )),
            Some(_) => Err(Self::wrong(name, "a list of objects")),
        }
    }

    /// Page size in `[1, max]`, `default` when absent.
    pub fn page_size(&self, name: &str, default: usize, max: usize) -> ApiResult<usize> {
        match self.int(name)? {
            None => Ok(default),
            Some(n) if n >= 1 && n as usize <= max => Ok(n as usize),
            Some(n) => Err(ApiError::new(
                self.invalid,
                format!("{name} must be between 1 and {max}, not {n}"),
            )),
        }
    }

    pub fn invalid_code(&self) -> &'static str {
        self.invalid
    }
}

/// Paging by offset: the token names the next offset and never repeats the one sent.
pub struct Page {
    pub start: usize,
    pub end: usize,
    pub next: Option<String>,
}

pub fn page(
    total: usize,
    token: Option<&str>,
    size: usize,
    invalid_token: &str,
) -> ApiResult<Page> {
    let start = match token {
        None | Some("") => 0,
        Some(t) => decode_token(t)
            .filter(|&n| n <= total)
            .ok_or_else(|| ApiError::new(invalid_token, "The next token is not valid"))?,
    };
    let end = (start + size).min(total);
    let next = (end < total).then(|| encode_token(end));
    Ok(Page { start, end, next })
}

pub fn encode_token(offset: usize) -> String {
    format!("cutover-sim-{offset:08x}")
}

pub fn decode_token(token: &str) -> Option<usize> {
    usize::from_str_radix(token.strip_prefix("cutover-sim-")?, 16).ok()
}
