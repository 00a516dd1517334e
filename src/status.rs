//! `cutover status`: one snapshot, printed. Attention first (approvals waiting, deployments in
//! flight, failures of the last day, services in trouble), then a summary and what could not
//! be read; or, with `--json`, the whole linked model in its versioned schema
//! (`docs/status-json.md`). It must not hold AWS logic: `aws::snapshot` reads.

use std::fmt::Write as _;

use crate::model::attention::FailureSource;
use crate::model::status::{ExecutionStatus, TargetHealthState};
use crate::model::time::{Timestamp, human_duration};
use crate::model::{Gap, Snapshot};
use crate::sources::SourceSpec;

/// What makes `--fail-on` exit non-zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// Anything in the attention lists, or a gap.
    Any,
    Approvals,
    InFlight,
    Failures,
    Services,
    Gaps,
}

/// The exit code scripts see when `--fail-on` matches.
pub const ATTENTION_EXIT: i32 = 3;

pub fn matches(snapshot: &Snapshot, fail_on: &[FailOn]) -> bool {
    let a = &snapshot.attention;
    fail_on.iter().any(|f| match f {
        FailOn::Any => !a.is_empty() || !snapshot.gaps.is_empty(),
        // Everything waiting on a person: pipeline approvals and ECS pause hooks.
        FailOn::Approvals => !a.approvals.is_empty() || !a.hooks.is_empty(),
        FailOn::InFlight => !a.in_flight.is_empty() || !a.in_flight_ecs.is_empty(),
        FailOn::Failures => !a.failures.is_empty(),
        FailOn::Services => !a.services.is_empty(),
        FailOn::Gaps => !snapshot.gaps.is_empty(),
    })
}

/// One source's read: its snapshot, or why it could not be read.
pub type Read = (SourceSpec, Result<Snapshot, Gap>);

/// The JSON of what was read: one source's snapshot as it is; several as
/// `{"schema_version", "sources": [{"name", "profile"?, "region"?, "snapshot" | "error"}]}`.
pub fn json_of(read: &[Read]) -> String {
    if let [(_, Ok(snapshot))] = read {
        return json(snapshot);
    }
    let sources: Vec<serde_json::Value> = read
        .iter()
        .map(|(source, result)| {
            let mut entry = serde_json::json!({ "name": source.name() });
            if let Some(profile) = &source.profile {
                entry["profile"] = profile.clone().into();
            }
            if let Some(region) = &source.region {
                entry["region"] = region.clone().into();
            }
            match result {
                Ok(snapshot) => {
                    entry["snapshot"] =
                        serde_json::to_value(snapshot).unwrap_or(serde_json::Value::Null);
                }
                Err(gap) => {
                    entry["error"] = serde_json::to_value(gap).unwrap_or(serde_json::Value::Null);
                }
            }
            entry
        })
        .collect();
    let document = serde_json::json!({
        "schema_version": crate::model::snapshot::SCHEMA_VERSION,
        "sources": sources,
    });
    serde_json::to_string_pretty(&document)
        .unwrap_or_else(|e| format!("{{\"error\": \"cannot write the snapshots: {e}\"}}"))
}

/// The text of what was read: one source's as it is; several, each under a line naming it,
/// one that could not be read with why and what to do.
pub fn human_of(read: &[Read]) -> String {
    if let [(_, Ok(snapshot))] = read {
        return human(snapshot);
    }
    let mut out = String::new();
    for (i, (source, result)) in read.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let _ = writeln!(out, "━━ {} ━━", source.name());
        match result {
            Ok(snapshot) => out.push_str(&human(snapshot)),
            Err(gap) => {
                let _ = writeln!(
                    out,
                    "cannot read this source: {} {}: {}",
                    gap.service, gap.operation, gap.message
                );
                if let Some(hint) = &gap.hint {
                    let _ = writeln!(out, "  {hint}");
                }
            }
        }
    }
    out
}

pub fn json(snapshot: &Snapshot) -> String {
    serde_json::to_string_pretty(snapshot)
        .unwrap_or_else(|e| format!("{{\"error\": \"cannot write the snapshot: {e}\"}}"))
}

/// `[████░░░░░░]`: the share of production on green.
pub fn bar(percent: f64, width: usize) -> String {
    let filled = ((percent.clamp(0.0, 100.0) / 100.0) * width as f64).round() as usize;
    format!("[{}{}]", "█".repeat(filled), "░".repeat(width - filled))
}

fn ago(now: Timestamp, then: Option<Timestamp>) -> String {
    then.map_or_else(
        || "-".to_owned(),
        |t| format!("{} ago", human_duration(t.seconds_until(now))),
    )
}

pub fn human(s: &Snapshot) -> String {
    let mut out = String::new();
    header(s, &mut out);
    if s.attention.is_empty() {
        let _ = writeln!(out, "\nNothing needs attention.");
    }
    approvals(s, &mut out);
    hooks(s, &mut out);
    in_flight(s, &mut out);
    in_flight_ecs(s, &mut out);
    failures(s, &mut out);
    troubled_services(s, &mut out);
    summary(s, &mut out);
    gaps(s, &mut out);
    out
}

/// The first line: who, where and when the snapshot was read.
fn header(s: &Snapshot, out: &mut String) {
    let now = s.taken_at;
    let who = s.identity.as_ref().map_or_else(
        || "account unknown".to_owned(),
        |i| format!("account {} · {}", i.account, i.principal),
    );
    let profile = s
        .source
        .profile
        .as_ref()
        .map_or_else(String::new, |p| format!(" (profile {p})"));
    let endpoint = s
        .source
        .endpoint
        .as_ref()
        .map_or_else(String::new, |e| format!(" via {e}"));
    let _ = writeln!(
        out,
        "cutover status · {who} · {}{profile}{endpoint} · {}",
        s.source.region,
        now.rfc3339()
    );
}

fn approvals(s: &Snapshot, out: &mut String) {
    let a = &s.attention;
    let now = s.taken_at;
    if a.approvals.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nAPPROVALS WAITING ({})", a.approvals.len());
    for w in &a.approvals {
        let target = w.deploys_to.as_ref().map_or_else(String::new, |t| {
            format!("  → {}/{}", t.application, t.deployment_group)
        });
        let waited = w
            .waiting_since
            .map_or_else(|| "-".to_owned(), |t| human_duration(t.seconds_until(now)));
        // Several executions at one gate (PARALLEL mode): the id `approve --execution` takes.
        let several = a
            .approvals
            .iter()
            .filter(|o| o.pipeline == w.pipeline && o.stage == w.stage && o.action == w.action)
            .count()
            > 1;
        let execution = w
            .execution_id
            .as_deref()
            .filter(|_| several)
            .map_or_else(String::new, |id| format!("  execution {id}"));
        let _ = writeln!(
            out,
            "  {:<28} {}/{}{execution}  waiting {waited}{target}",
            w.pipeline, w.stage, w.action
        );
    }
}

fn in_flight(s: &Snapshot, out: &mut String) {
    let a = &s.attention;
    let now = s.taken_at;
    if a.in_flight.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nDEPLOYMENTS IN FLIGHT ({})", a.in_flight.len());
    for d in &a.in_flight {
        let next = d.next_at.map_or_else(String::new, |t| {
            format!("  next in {}", human_duration(now.seconds_until(t)))
        });
        let rollback = if d.rollback { "  (rollback)" } else { "" };
        let _ = writeln!(
            out,
            "  {}  {:<36} {} {:>3.0}% green  {}{next}{rollback}",
            d.deployment_id,
            format!("{}/{}", d.application, d.deployment_group),
            bar(d.percent_on_green, 10),
            d.percent_on_green,
            d.phase.label()
        );
    }
}

/// ECS pause hooks waiting for a person, with the time left before their timeout action.
fn hooks(s: &Snapshot, out: &mut String) {
    let a = &s.attention;
    if a.hooks.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nPAUSE HOOKS WAITING ({})", a.hooks.len());
    for h in &a.hooks {
        let left = h.seconds_left.map_or_else(
            || "no expiry known".to_owned(),
            |secs| format!("{} left", human_duration(secs)),
        );
        let action = h
            .timeout_action
            .as_ref()
            .map_or_else(String::new, |t| format!(", then {t}"));
        let stage = h
            .stage
            .as_ref()
            .map_or_else(String::new, |st| format!(" at {st}"));
        let _ = writeln!(
            out,
            "  {:<28} hook {}{stage}  {left}{action}",
            format!("{}/{}", h.cluster, h.service),
            h.hook_id
        );
    }
}

fn in_flight_ecs(s: &Snapshot, out: &mut String) {
    let a = &s.attention;
    if a.in_flight_ecs.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\nECS SERVICE DEPLOYMENTS IN FLIGHT ({})",
        a.in_flight_ecs.len()
    );
    for d in &a.in_flight_ecs {
        let id = d.arn.rsplit('/').next().unwrap_or(&d.arn);
        let percent = d.percent_on_green.map_or_else(
            || format!("{:<12}  ---% green", ""),
            |p| format!("{} {p:>3.0}% green", bar(p, 10)),
        );
        let stage = d
            .stage
            .as_ref()
            .map_or_else(|| d.status.to_string(), ToString::to_string);
        let strategy = d
            .strategy
            .as_ref()
            .map_or_else(String::new, |k| format!("  {k}"));
        let rollback = if d.rollback { "  (rollback)" } else { "" };
        let _ = writeln!(
            out,
            "  {id}  {:<36} {percent}  {stage}{strategy}{rollback}",
            format!("{}/{}", d.cluster, d.service),
        );
    }
}

/// Failures of the last day, each with its reason on a line of its own.
fn failures(s: &Snapshot, out: &mut String) {
    let a = &s.attention;
    let now = s.taken_at;
    if a.failures.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nFAILURES, LAST 24 HOURS ({})", a.failures.len());
    for f in &a.failures {
        let kind = match f.source {
            FailureSource::Deployment => "deployment",
            FailureSource::Pipeline => "pipeline",
            FailureSource::ServiceDeployment => "ecs deployment",
        };
        let rolled = f
            .rolled_back_by
            .as_ref()
            .map_or_else(String::new, |r| format!("  → rolled back by {r}"));
        let _ = writeln!(
            out,
            "  {kind} {} {}  {} {}{rolled}",
            f.id,
            f.place,
            f.status,
            ago(now, f.at)
        );
        let _ = writeln!(out, "      {}", f.reason);
    }
}

fn troubled_services(s: &Snapshot, out: &mut String) {
    let a = &s.attention;
    if a.services.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nSERVICES NEEDING ATTENTION ({})", a.services.len());
    for t in &a.services {
        let _ = writeln!(out, "  {}/{}  {}", t.cluster, t.service, t.reason);
    }
}

/// What could not be read, with the AWS error and what to do about it.
fn gaps(s: &Snapshot, out: &mut String) {
    if s.gaps.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nNOT READ ({})", s.gaps.len());
    for g in &s.gaps {
        let hint = g
            .hint
            .as_ref()
            .map_or_else(String::new, |h| format!("\n      {h}"));
        let _ = writeln!(out, "  {}{hint}", g.line());
    }
}

fn summary(s: &Snapshot, out: &mut String) {
    let running = s
        .pipelines
        .iter()
        .filter(|p| {
            p.latest_execution()
                .is_some_and(|e| e.status == ExecutionStatus::InProgress)
        })
        .count();
    let failed = s
        .pipelines
        .iter()
        .filter(|p| {
            p.latest_execution()
                .is_some_and(|e| e.status == ExecutionStatus::Failed)
        })
        .count();
    let targets: Vec<_> = s
        .target_groups
        .iter()
        .flat_map(|t| t.targets.iter().flatten())
        .collect();
    let healthy = targets
        .iter()
        .filter(|t| t.state == TargetHealthState::Healthy)
        .count();
    let unhealthy = targets
        .iter()
        .filter(|t| {
            matches!(
                t.state,
                TargetHealthState::Unhealthy | TargetHealthState::UnhealthyDraining
            )
        })
        .count();
    let _ = writeln!(out, "\nSUMMARY");
    let _ = writeln!(
        out,
        "  pipelines        {} ({running} running, {failed} failed)",
        s.pipelines.len()
    );
    let _ = writeln!(
        out,
        "  codedeploy       {} applications, {} deployment groups, {} deployments in flight",
        s.applications.len(),
        s.deployment_groups.len(),
        s.attention.in_flight.len()
    );
    let _ = writeln!(
        out,
        "  ecs              {} services in {} clusters, {} service deployments in flight",
        s.services.len(),
        s.clusters.len(),
        s.attention.in_flight_ecs.len()
    );
    let _ = writeln!(
        out,
        "  load balancing   {} load balancers, {} listeners, {} target groups, {} targets ({healthy} healthy, {unhealthy} unhealthy)",
        s.load_balancers.len(),
        s.listeners.len(),
        s.target_groups.len(),
        targets.len()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bar_fills_with_the_percent_on_green() {
        assert_eq!(bar(0.0, 10), "[░░░░░░░░░░]");
        assert_eq!(bar(40.0, 10), "[████░░░░░░]");
        assert_eq!(bar(100.0, 4), "[████]");
        assert_eq!(bar(250.0, 4), "[████]");
    }
}
