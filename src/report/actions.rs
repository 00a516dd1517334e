//! The actions taken with cutover about a deployment, from the audit log: those that name the
//! deployment or its rollback (at any time), and those that name its service, deployment
//! group, listeners or rules inside the report's window. Each action is told once, its
//! `requested` record joined with how it ended. It only reads the log.

use std::collections::BTreeMap;

use crate::audit::{Audit, Phase, Record};
use crate::model::{Gap, Timestamp};

use super::{Action, Window};

pub(super) fn about(
    audit: &Audit,
    keys: &[String],
    nearby: &[String],
    window: &Window,
) -> Result<Vec<Action>, Box<Gap>> {
    let records = audit
        .read(None)
        .map_err(|e| Gap {
            service: "cutover".to_owned(),
            operation: "audit log".to_owned(),
            target: Some(audit.path().display().to_string()),
            kind: "service".to_owned(),
            code: None,
            message: e.to_string(),
            request_id: None,
            hint: None,
        })
        .map_err(Box::new)?;
    // Records of one action share their id: the first is `requested`, the last its outcome.
    let mut actions: BTreeMap<String, (Record, Option<Record>)> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    for record in records
        .into_iter()
        .filter(|r| relevant(r, keys, nearby, window))
    {
        if let Some((_, outcome)) = actions.get_mut(&record.id) {
            *outcome = Some(record);
        } else {
            order.push(record.id.clone());
            actions.insert(record.id.clone(), (record, None));
        }
    }
    Ok(order
        .iter()
        .filter_map(|id| actions.remove(id))
        .map(|(first, last)| action(first, last))
        .collect())
}

fn relevant(record: &Record, keys: &[String], nearby: &[String], window: &Window) -> bool {
    let mut names = vec![record.target.clone()];
    strings(&record.parameters, &mut names);
    if let Some(sent) = &record.sent {
        strings(sent, &mut names);
    }
    let names_any = |list: &[String]| names.iter().any(|n| list.contains(n));
    names_any(keys) || (names_any(nearby) && at(&record.time).is_some_and(|t| window.contains(t)))
}

/// Every string inside a JSON value.
fn strings(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        serde_json::Value::Object(map) => map.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

/// A record's time (RFC 3339, as the log writes it).
fn at(text: &str) -> Option<Timestamp> {
    let t =
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()?;
    Some(Timestamp((t.unix_timestamp_nanos() / 1_000_000) as i64))
}

fn action(first: Record, last: Option<Record>) -> Action {
    let end = last.unwrap_or_else(|| first.clone());
    let outcome = match end.phase {
        Phase::Requested => "requested",
        Phase::Succeeded => "succeeded",
        Phase::Failed => "failed",
        Phase::Unknown => "unknown",
    };
    Action {
        at: first.time,
        action: first.action,
        target: first.target,
        outcome: outcome.to_owned(),
        principal: first.who.principal,
        profile: first.who.source.profile,
        account: first.who.source.account,
        region: first.who.source.region,
        request_id: end.request_id,
        error: end.error,
        observed: end.observed,
        parameters: first.parameters,
        sent: first.sent,
    }
}
