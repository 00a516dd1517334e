//! The log of served requests, for tests and scripts that must prove what a client called.
//! It keeps the newest [`RequestLog::CAPACITY`] records and counts everything.

use std::collections::{BTreeMap, VecDeque};

use serde::Serialize;

use super::clock::Millis;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Record {
    pub seq: u64,
    /// Virtual time, epoch milliseconds.
    pub at: Millis,
    pub service: String,
    pub operation: String,
    pub status: u16,
    pub mutating: bool,
    /// Real milliseconds since the log started: when the request was answered.
    pub wall_ms: u64,
    /// A digest of the request's body: equal digests on the same operation are the same call.
    pub digest: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Default)]
pub struct RequestLog {
    records: VecDeque<Record>,
    counts: BTreeMap<String, u64>,
    next: u64,
    origin: Option<std::time::Instant>,
}

/// Whether an operation changes anything (reads are List*, Get*, Describe*, BatchGet*).
pub fn is_mutating(operation: &str) -> bool {
    !["List", "Get", "Describe", "BatchGet"]
        .iter()
        .any(|p| operation.starts_with(p))
}

impl RequestLog {
    pub const CAPACITY: usize = 100_000;

    pub fn push(
        &mut self,
        at: Millis,
        call: (&str, &str, &[u8]),
        status: u16,
        error: Option<String>,
    ) {
        let (service, operation, body) = call;
        let origin = *self.origin.get_or_insert_with(std::time::Instant::now);
        self.next += 1;
        *self
            .counts
            .entry(format!("{service}:{operation}"))
            .or_default() += 1;
        if self.records.len() == Self::CAPACITY {
            self.records.pop_front();
        }
        self.records.push_back(Record {
            seq: self.next,
            at,
            service: service.to_owned(),
            operation: operation.to_owned(),
            status,
            mutating: is_mutating(operation),
            wall_ms: origin.elapsed().as_millis() as u64,
            digest: digest(body),
            error,
        });
    }

    pub fn since(&self, seq: u64) -> Vec<Record> {
        self.records
            .iter()
            .filter(|r| r.seq > seq)
            .cloned()
            .collect()
    }

    pub fn counts(&self) -> &BTreeMap<String, u64> {
        &self.counts
    }

    pub fn clear(&mut self) {
        self.records.clear();
        self.counts.clear();
    }

    pub fn last_seq(&self) -> u64 {
        self.next
    }
}

/// FNV-1a over the body: cheap, stable, enough to tell two requests apart.
fn digest(body: &[u8]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in body {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}
