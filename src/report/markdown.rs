//! The report as Markdown for a postmortem document: a section per part, tables where there
//! are rows, every time in RFC 3339 (UTC), what is not known said so. It must not read
//! anything: it writes what [`super::gather`] found.

use std::fmt::Write as _;

use crate::model::Timestamp;
use crate::model::time::human_duration;

use super::{Platform, Report, Step};

/// The whole document.
pub fn markdown(r: &Report) -> String {
    let mut out = String::new();
    heading(r, &mut out);
    what(r, &mut out);
    steps(r, &mut out);
    traffic(r, &mut out);
    failure(r, &mut out);
    rollback(r, &mut out);
    events(r, &mut out);
    stopped(r, &mut out);
    health(r, &mut out);
    actions(r, &mut out);
    gaps(r, &mut out);
    notes(r, &mut out);
    out
}

/// A table cell: no line breaks, no bar that would end the cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

fn time(at: Option<Timestamp>) -> String {
    at.map_or_else(|| "unknown".to_owned(), Timestamp::rfc3339)
}

fn seconds(s: Option<i64>) -> String {
    s.map_or_else(|| "-".to_owned(), human_duration)
}

fn or_unknown(text: Option<&str>) -> String {
    text.map_or_else(|| "unknown".to_owned(), cell)
}

fn heading(r: &Report, out: &mut String) {
    let d = &r.deployment;
    let short = match d.platform {
        Platform::CodeDeploy => d.id.clone(),
        Platform::Ecs => d.id.rsplit('/').next().unwrap_or(&d.id).to_owned(),
    };
    let _ = writeln!(out, "# Deployment {short}: {}\n", d.status);
    let account = r.source.account.as_deref().unwrap_or("unknown");
    let profile = r
        .source
        .profile
        .as_ref()
        .map_or_else(String::new, |p| format!(", profile {p}"));
    let _ = writeln!(
        out,
        "Read {} from account {account}, region {}{profile}, by `cutover report`.",
        r.written_at.rfc3339(),
        r.source.region
    );
}

fn row(out: &mut String, name: &str, value: &str) {
    let _ = writeln!(out, "| {name} | {value} |");
}

fn what(r: &Report, out: &mut String) {
    let d = &r.deployment;
    let _ = writeln!(out, "\n## What it was\n\n| | |\n|---|---|");
    match d.platform {
        Platform::CodeDeploy => {
            row(out, "Platform", "CodeDeploy, ECS blue/green");
            row(out, "Deployment", &format!("`{}`", d.id));
            row(
                out,
                "Application / deployment group",
                &format!(
                    "{} / {}",
                    or_unknown(d.application.as_deref()),
                    or_unknown(d.deployment_group.as_deref())
                ),
            );
        }
        Platform::Ecs => {
            row(out, "Platform", "ECS service deployment");
            row(out, "Deployment", &format!("`{}`", d.id));
        }
    }
    let service = match (&d.cluster, &d.service) {
        (Some(c), Some(s)) => format!("{c}/{s}"),
        _ => "unknown".to_owned(),
    };
    row(out, "Cluster / service", &cell(&service));
    row(out, "Status", &cell(&d.status));
    if let Some(reason) = &d.status_reason {
        row(out, "Status reason", &cell(reason));
    }
    let creator = match (d.platform, d.creator.as_deref()) {
        (_, Some("codeDeployRollback")) => "CodeDeploy rollback (codeDeployRollback)".to_owned(),
        (_, Some(c)) => cell(c),
        (Platform::Ecs, None) => "not said by ECS".to_owned(),
        (Platform::CodeDeploy, None) => "unknown".to_owned(),
    };
    row(out, "Created by", &creator);
    let config = match d.platform {
        Platform::CodeDeploy => "Deployment config",
        Platform::Ecs => "Strategy",
    };
    row(out, config, &or_unknown(d.config.as_deref()));
    if let Some(description) = &d.description {
        row(out, "Description", &cell(description));
    }
    row(out, "Created", &time(d.created));
    row(out, "Started", &time(d.started));
    let ended = d
        .ended
        .map_or_else(|| "not yet".to_owned(), Timestamp::rfc3339);
    row(out, "Ended", &ended);
    row(out, "Duration", &seconds(d.duration_seconds));
    let named = |r: &super::RevisionRef| match &r.task_definition {
        Some(td)
            if !r
                .revision
                .contains(crate::model::deploy::short_task_definition(td)) =>
        {
            cell(&format!("{} (task definition {td})", r.revision))
        }
        _ => cell(&r.revision),
    };
    let from: Vec<String> = d.from.iter().map(named).collect();
    let from = if from.is_empty() {
        "unknown".to_owned()
    } else {
        from.join("; ")
    };
    row(out, "From", &from);
    row(
        out,
        "To",
        &d.to.as_ref().map_or_else(|| "unknown".to_owned(), named),
    );
}

fn step_rows(out: &mut String, steps: &[Step], first: &str) {
    let _ = writeln!(
        out,
        "| {first} | Status | Start | End | Duration |\n|---|---|---|---|---|"
    );
    for s in steps {
        let detail = s
            .detail
            .as_ref()
            .map_or_else(String::new, |d| format!(" ({})", cell(d)));
        let _ = writeln!(
            out,
            "| {}{detail} | {} | {} | {} | {} |",
            cell(&s.name),
            cell(&s.status),
            s.start.map_or_else(|| "-".to_owned(), Timestamp::rfc3339),
            s.end.map_or_else(|| "-".to_owned(), Timestamp::rfc3339),
            seconds(s.duration_seconds)
        );
    }
}

fn steps(r: &Report, out: &mut String) {
    let title = match r.deployment.platform {
        Platform::CodeDeploy => "Lifecycle events",
        Platform::Ecs => "Stages and hooks",
    };
    let _ = writeln!(out, "\n## {title}\n");
    if r.steps.is_empty() {
        let _ = writeln!(out, "None known.");
        return;
    }
    step_rows(out, &r.steps, "Step");
}

fn traffic(r: &Report, out: &mut String) {
    let t = &r.traffic;
    let _ = writeln!(out, "\n## Traffic\n");
    let _ = writeln!(
        out,
        "Plan: {}.",
        t.plan.as_deref().map_or_else(|| "unknown".to_owned(), cell)
    );
    if !t.steps.is_empty() {
        out.push('\n');
        step_rows(out, &t.steps, "Traffic event");
    }
    let _ = writeln!(out, "\nWeights now (read {}):\n", t.now.read_at.rfc3339());
    if t.now.weights.is_empty() {
        let _ = writeln!(out, "None known.");
        return;
    }
    let _ = writeln!(
        out,
        "| Name | Role | Status | Task definition | Production % | Test % | Target group | Running / desired |\n|---|---|---|---|---|---|---|---|"
    );
    let percent = |p: Option<f64>| p.map_or_else(|| "-".to_owned(), |p| format!("{p:.1}"));
    for w in &t.now.weights {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} / {} |",
            cell(&w.name),
            w.role,
            or_unknown(w.status.as_deref()),
            or_unknown(w.task_definition.as_deref()),
            percent(w.production_percent),
            percent(w.test_percent),
            or_unknown(w.target_group.as_deref()),
            w.running.map_or_else(|| "-".to_owned(), |n| n.to_string()),
            w.desired.map_or_else(|| "-".to_owned(), |n| n.to_string()),
        );
    }
}

fn failure(r: &Report, out: &mut String) {
    let _ = writeln!(out, "\n## Failure\n");
    let Some(f) = &r.failure else {
        let _ = writeln!(out, "No failure recorded.");
        return;
    };
    match (&f.code, &f.message) {
        (Some(code), Some(message)) => {
            let _ = writeln!(out, "**{}**: {}", cell(code), message.trim());
        }
        (None, Some(message)) => {
            let _ = writeln!(out, "{}", message.trim());
        }
        (Some(code), None) => {
            let _ = writeln!(out, "**{}**", cell(code));
        }
        (None, None) => {}
    }
    for detail in &f.details {
        let _ = writeln!(out, "\n- {detail}");
    }
    for s in &f.failed_steps {
        let _ = writeln!(
            out,
            "\n### {} failed at {}\n",
            s.name,
            time(s.end.or(s.start))
        );
        if let Some(detail) = &s.detail {
            let _ = writeln!(out, "{detail}\n");
        }
        let Some(d) = &s.diagnostics else {
            continue;
        };
        let field = |name: &str, value: &Option<String>, out: &mut String| {
            if let Some(v) = value.as_ref().filter(|v| !v.is_empty()) {
                let _ = writeln!(out, "- {name}: {}", v.trim());
            }
        };
        field("Error code", &d.error_code, out);
        field("Script", &d.script_name, out);
        field("Message", &d.message, out);
        if let Some(tail) = d.log_tail.as_ref().filter(|t| !t.trim().is_empty()) {
            let _ = writeln!(out, "\nLog tail:\n\n```\n{}\n```", tail.trim_end());
        }
    }
}

fn rollback(r: &Report, out: &mut String) {
    let Some(b) = &r.rollback else {
        return;
    };
    let _ = writeln!(out, "\n## Rollback\n");
    if let Some(id) = &b.deployment {
        let _ = writeln!(out, "- Rolled back by deployment `{id}`");
    }
    if let Some(id) = &b.rolls_back {
        let _ = writeln!(out, "- This deployment rolls back `{id}`");
    }
    if let Some(message) = &b.message {
        let _ = writeln!(out, "- Message: {}", message.trim());
    }
    if let Some(status) = &b.status {
        let _ = writeln!(out, "- How it went: {status}");
    }
    if b.started.is_some() || b.ended.is_some() {
        let _ = writeln!(
            out,
            "- From {} to {}",
            time(b.started),
            b.ended
                .map_or_else(|| "not yet".to_owned(), Timestamp::rfc3339)
        );
    }
    if let Some(to) = &b.to {
        let td = to
            .task_definition
            .as_ref()
            .map_or_else(String::new, |t| format!(" (task definition {t})"));
        let _ = writeln!(out, "- Back to: {}{td}", to.revision);
    }
    if let Some(e) = &b.error {
        let _ = writeln!(out, "- Its error: **{}**: {}", e.code, e.message);
    }
}

fn window(r: &Report) -> String {
    let w = &r.window;
    let to = if w.open {
        format!("{} (now: it still runs)", w.to.rfc3339())
    } else {
        w.to.rfc3339()
    };
    format!(
        "from {} to {to}, the deployment's span with {} minutes each side",
        w.from.rfc3339(),
        w.margin_minutes
    )
}

fn events(r: &Report, out: &mut String) {
    let _ = writeln!(out, "\n## Service events\n\nWindow: {}.\n", window(r));
    if r.service_events.is_empty() {
        let _ = writeln!(out, "None in the window.");
        return;
    }
    let _ = writeln!(out, "| Time | Message |\n|---|---|");
    for e in &r.service_events {
        let _ = writeln!(out, "| {} | {} |", time(e.at), cell(&e.message));
    }
}

fn stopped(r: &Report, out: &mut String) {
    let _ = writeln!(out, "\n## Stopped tasks\n\nWindow: {}.\n", window(r));
    if r.stopped_tasks.is_empty() {
        let _ = writeln!(out, "None in the window.");
        return;
    }
    let _ = writeln!(
        out,
        "| Stopped at | Task | Task definition | Stop code | Reason | Containers |\n|---|---|---|---|---|---|"
    );
    for t in &r.stopped_tasks {
        let containers: Vec<String> = t
            .containers
            .iter()
            .map(|k| {
                let code = k
                    .exit_code
                    .map_or_else(|| "no exit code".to_owned(), |c| format!("exit {c}"));
                let reason = k
                    .reason
                    .as_ref()
                    .map_or_else(String::new, |r| format!(": {r}"));
                format!("{} {code}{reason}", k.name)
            })
            .collect();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            time(t.stopped_at),
            cell(t.arn.rsplit('/').next().unwrap_or(&t.arn)),
            t.task_definition.as_deref().map_or_else(
                || "unknown".to_owned(),
                |td| { cell(crate::model::deploy::short_task_definition(td)) }
            ),
            or_unknown(t.stop_code.as_deref()),
            or_unknown(t.stopped_reason.as_deref()),
            cell(&containers.join("; ")),
        );
    }
}

fn health(r: &Report, out: &mut String) {
    let h = &r.target_health;
    let _ = writeln!(
        out,
        "\n## Target health now\n\nRead {}, after the fact: this is now, not then.\n",
        h.read_at.rfc3339()
    );
    if h.target_groups.is_empty() {
        let _ = writeln!(out, "No target group read.");
        return;
    }
    for g in &h.target_groups {
        let _ = writeln!(
            out,
            "- {}: {} of {} targets healthy",
            g.name, g.healthy, g.targets
        );
    }
    if h.unhealthy.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\n| Target group | Target | State | Reason | Description |\n|---|---|---|---|---|"
    );
    for t in &h.unhealthy {
        let port = t.port.map_or_else(String::new, |p| format!(":{p}"));
        let _ = writeln!(
            out,
            "| {} | {}{port} | {} | {} | {} |",
            cell(&t.target_group),
            cell(&t.id),
            t.state,
            or_unknown(t.reason.as_deref()),
            or_unknown(t.description.as_deref()),
        );
    }
}

fn actions(r: &Report, out: &mut String) {
    let _ = writeln!(
        out,
        "\n## Actions taken with cutover\n\nFrom this machine's audit log: those on this deployment or its rollback, and those on its service or deployment group inside the window.\n"
    );
    if r.actions.is_empty() {
        let _ = writeln!(out, "None.");
        return;
    }
    let _ = writeln!(
        out,
        "| Time | Who | Action | Target | Outcome | Request id |\n|---|---|---|---|---|---|"
    );
    for a in &r.actions {
        let who = format!(
            "{} (account {}, profile {}, {})",
            a.principal.as_deref().unwrap_or("unknown"),
            a.account.as_deref().unwrap_or("unknown"),
            a.profile.as_deref().unwrap_or("default"),
            a.region
        );
        let mut outcome = a.outcome.clone();
        if let Some(e) = &a.error {
            outcome.push_str(&format!(": {e}"));
        }
        if let Some(o) = &a.observed {
            outcome.push_str(&format!("; read again: {o}"));
        }
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            cell(&a.at),
            cell(&who),
            cell(&a.action),
            cell(&a.target),
            cell(&outcome),
            or_unknown(a.request_id.as_deref()),
        );
    }
}

fn gaps(r: &Report, out: &mut String) {
    if r.gaps.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\n## Not read\n\nThese parts could not be read; the report is whole but for them.\n"
    );
    for g in &r.gaps {
        let hint = g
            .hint
            .as_ref()
            .map_or_else(String::new, |h| format!(" ({h})"));
        let _ = writeln!(out, "- {}{hint}", g.line());
    }
}

fn notes(r: &Report, out: &mut String) {
    if r.notes.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n## What AWS keeps\n");
    for n in &r.notes {
        let _ = writeln!(out, "- {n}");
    }
}
