//! The audit log: JSON Lines, one record before each mutating call (`requested`) and one after
//! (`succeeded` or `failed`), appended and fsync'd, never rewritten. It must not decide
//! anything: callers stop an action when a record cannot be written.

use std::fs::OpenOptions;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::model::{Source, Timestamp};

#[derive(Debug, Error)]
pub enum AuditError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: line {line} is not an audit record: {message}")]
    Corrupt {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

/// Who acts, where: written in every record. Flattened, so that a record's fields stay
/// `profile`, `account`, `region`, `principal` side by side, as the first logs wrote them.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Who {
    #[serde(flatten)]
    pub source: Source,
    pub principal: Option<String>,
    /// The source's name as cutover names it (its `[[source]]` label, else `profile/region`),
    /// when the action was one of several over several sources (`cutover approve --release`).
    /// Absent from the first logs, and from actions on the one source the flags name.
    #[serde(rename = "source", default, skip_serializing_if = "Option::is_none")]
    pub source_name: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Requested,
    Succeeded,
    Failed,
    /// The call met a 5xx, a timeout or a dropped connection: it may have taken effect. The
    /// record says what a fresh read found (`observed`).
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub time: String,
    /// Ties the `requested` record to its outcome.
    pub id: String,
    pub phase: Phase,
    #[serde(flatten)]
    pub who: Who,
    pub action: String,
    pub target: String,
    pub parameters: serde_json::Value,
    /// The call as resolved and sent (the execution, the target group ARNs, the revision),
    /// where the action as asked named less.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// After an unknown outcome: the target's state as read again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed: Option<String>,
}

impl Record {
    pub fn new(who: &Who, action: &str, target: &str, parameters: serde_json::Value) -> Self {
        let now = Timestamp::now();
        Self {
            time: now.rfc3339(),
            id: format!("{:x}-{}", now.0, std::process::id()),
            phase: Phase::Requested,
            who: who.clone(),
            action: action.to_owned(),
            target: target.to_owned(),
            parameters,
            sent: None,
            request_id: None,
            error: None,
            observed: None,
        }
    }

    pub fn phase(&self, phase: Phase) -> Self {
        Self {
            phase,
            time: Timestamp::now().rfc3339(),
            ..self.clone()
        }
    }

    pub fn with_request(mut self, id: Option<String>) -> Self {
        self.request_id = id;
        self
    }

    pub fn with_error(mut self, error: String) -> Self {
        self.error = Some(error);
        self
    }
}

#[derive(Debug, Clone)]
pub struct Audit {
    path: PathBuf,
}

impl Audit {
    pub fn at(path: PathBuf) -> Self {
        Self { path }
    }

    /// `$XDG_STATE_HOME/cutover/audit.jsonl`, else under `~/.local/state`.
    pub fn default_location() -> Option<Self> {
        Some(Self::at(crate::paths::state_dir()?.join("audit.jsonl")))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one record and forces it to disk before returning.
    pub fn append(&self, record: &Record) -> Result<(), AuditError> {
        let io = |source| AuditError::Io {
            path: self.path.clone(),
            source,
        };
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let mut line = serde_json::to_string(record).map_err(|e| io(std::io::Error::other(e)))?;
        line.push('\n');
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(io)?;
        // One write of the whole line: an append of a line is never interleaved with another.
        file.write_all(line.as_bytes()).map_err(io)?;
        file.sync_all().map_err(io)
    }

    /// Every record at or after `since` (RFC 3339 text compares in time order).
    pub fn read(&self, since: Option<&str>) -> Result<Vec<Record>, AuditError> {
        let file = match std::fs::File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => {
                return Err(AuditError::Io {
                    path: self.path.clone(),
                    source,
                });
            }
        };
        let mut out = Vec::new();
        for (i, line) in BufReader::new(file).lines().enumerate() {
            let line = line.map_err(|source| AuditError::Io {
                path: self.path.clone(),
                source,
            })?;
            if line.trim().is_empty() {
                continue;
            }
            let record: Record = serde_json::from_str(&line).map_err(|e| AuditError::Corrupt {
                path: self.path.clone(),
                line: i + 1,
                message: e.to_string(),
            })?;
            if since.is_none_or(|s| record.time.as_str() >= s) {
                out.push(record);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_appended_and_read_back_in_order() {
        let dir = std::env::temp_dir().join(format!("cutover-audit-{}", std::process::id()));
        let audit = Audit::at(dir.join("audit.jsonl"));
        let who = Who {
            source: Source {
                region: "us-east-1".into(),
                ..Source::default()
            },
            ..Who::default()
        };
        let record = Record::new(&who, "scale", "c/s", serde_json::json!({"count": 3}));
        audit.append(&record).expect("requested");
        audit
            .append(
                &record
                    .phase(Phase::Succeeded)
                    .with_request(Some("r-1".into())),
            )
            .expect("succeeded");
        let read = audit.read(None).expect("read");
        assert_eq!(read.len(), 2);
        assert_eq!(read[0].phase, Phase::Requested);
        assert_eq!(read[1].request_id.as_deref(), Some("r-1"));
        assert_eq!(read[0].id, read[1].id);
        assert!(audit.read(Some("9999")).expect("read").is_empty());
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_record_names_its_source_when_it_has_one() {
        let who = Who {
            source_name: Some("production".into()),
            ..Who::default()
        };
        let record = Record::new(&who, "approve", "p", serde_json::Value::Null);
        let line = serde_json::to_string(&record).expect("json");
        assert!(line.contains(r#""source":"production""#), "{line}");
        let back: Record = serde_json::from_str(&line).expect("reads back");
        assert_eq!(back.who.source_name.as_deref(), Some("production"));
    }

    #[test]
    fn a_record_reads_and_writes_the_fields_of_the_first_logs() {
        let line = r#"{"time":"2025-01-01T00:00:00Z","id":"1-2","phase":"requested","profile":null,"account":"111122223333","region":"eu-west-1","principal":"arn:aws:iam::111122223333:user/ana","action":"scale","target":"c/s","parameters":{"count":3}}"#;
        let record: Record = serde_json::from_str(line).expect("a line of the first logs reads");
        assert_eq!(record.who.source.account.as_deref(), Some("111122223333"));
        assert_eq!(record.who.source.region, "eu-west-1");
        assert_eq!(record.who.source.profile, None);
        assert_eq!(serde_json::to_string(&record).expect("json"), line);
    }

    #[test]
    fn an_unwritable_log_is_an_error() {
        let audit = Audit::at(PathBuf::from("/proc/cutover-cannot-write/audit.jsonl"));
        let who = Who::default();
        assert!(
            audit
                .append(&Record::new(&who, "scale", "x", serde_json::Value::Null))
                .is_err()
        );
    }
}
