//! The error an AWS operation answers with, independent of the wire protocol that carries it.
//! It must not know how to render itself: `wire` does that per protocol.

use thiserror::Error;

#[derive(Debug, Clone, Error, PartialEq, Eq)]
#[error("{code}: {message}")]
pub struct ApiError {
    pub status: u16,
    /// The shape name for the JSON protocols, the query code for ELBv2.
    pub code: String,
    pub message: String,
}

impl ApiError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            status: 400,
            code: code.to_owned(),
            message: message.into(),
        }
    }

    pub fn with_status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    pub fn is_server_fault(&self) -> bool {
        self.status >= 500
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
