//! One ECS service deployment (ECS-native blue/green, linear or canary): what it deploys and
//! what started it; the share of production on green; the traffic panel (the production and
//! test rules ECS moves, the source and target revisions with their tasks); the ten lifecycle
//! stages with the current one and what was seen of the others; the hooks, and when it failed,
//! why. Also the one-line forms the overview and the deployments list show.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::deployment::{rule_line, service_trouble, split_bar};
use super::{ago, bar_spans, status_span, until};
use crate::app::App;
use crate::model::Snapshot;
use crate::model::attention::WaitingHook;
use crate::model::observed::{Observed, Trail};
use crate::model::service_deployment::{
    HookDetail, RevisionCounts, ServiceDeployment, ShareFrom, Strategy,
};
use crate::model::status::{
    DeploymentStrategy, HookStatus, HookTarget, ServiceDeploymentStage, ServiceDeploymentStatus,
};
use crate::model::time::{Timestamp, human_duration};
use crate::ui::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, s: &Snapshot, arn: &str, theme: &Theme) {
    let Some(d) = s.service_deployment(arn) else {
        let id = arn.rsplit('/').next().unwrap_or(arn);
        frame.render_widget(
            Paragraph::new(format!(
                "Service deployment {id} is not in the snapshot (older than a day, or out of scope)."
            ))
            .block(Block::bordered()),
            area,
        );
        return;
    };
    let now = app.data_now();
    let trail = app.feed(app.screen().feed).seen.trail(arn);
    let bottom_lines = hooks_and_why(d, s, now, theme);
    let bottom = if bottom_lines.is_empty() {
        0
    } else {
        (bottom_lines.len() as u16 + 2).min(10)
    };
    let [top, bar, middle, lower] = Layout::vertical([
        Constraint::Length(6),
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(bottom),
    ])
    .areas(area);
    let title = format!(" Deployment {} · ECS {} ", d.reference(), d.service);
    frame.render_widget(
        Paragraph::new(summary(d, s, &app.feed(app.screen().feed).seen, now, theme))
            .block(Block::bordered().title(super::headed(title, app, theme))),
        top,
    );
    let percent = d.on_green.map_or(0.0, |g| g.percent);
    let note = match d.on_green.map(|g| g.from) {
        Some(ShareFrom::Requested) => " (as ECS asked)",
        Some(ShareFrom::ProductionRule) => "",
        None => " (not reported)",
    };
    split_bar(frame, bar, percent, note, theme);
    let [traffic, stages] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(middle);
    frame.render_widget(
        Paragraph::new(traffic_lines(d, s, theme))
            .wrap(Wrap { trim: false })
            .block(super::panel(" Traffic ", app, 0, theme)),
        traffic,
    );
    frame.render_widget(
        Paragraph::new(stage_lines(d, trail, now, theme)).block(super::panel(
            " Lifecycle stages ",
            app,
            1,
            theme,
        )),
        stages,
    );
    if bottom > 0 {
        let failed = d.failed() || d.is_rollback();
        let mut block = super::panel(" Hooks and why ", app, 2, theme);
        if failed {
            block = block.title_style(theme.bad);
        }
        frame.render_widget(
            Paragraph::new(bottom_lines)
                .wrap(Wrap { trim: true })
                .block(block),
            lower,
        );
    }
}

/// `production traffic shift`: a stage as a person says it.
pub fn stage_name(stage: &ServiceDeploymentStage) -> String {
    stage.as_str().to_lowercase().replace('_', " ")
}

/// `LINEAR 20% every 3m, bake 10m`: how the deployment moves traffic.
pub fn strategy_text(strategy: &Strategy) -> String {
    let steps = match (&strategy.kind, strategy.linear, strategy.canary) {
        (DeploymentStrategy::Linear, Some((step, wait)), _) => {
            format!(" {step:.0}% every {wait}m")
        }
        (DeploymentStrategy::Canary, _, Some((canary, wait))) => {
            format!(" {canary:.0}% for {wait}m, then the rest")
        }
        _ => String::new(),
    };
    let bake = strategy
        .bake_minutes
        .map_or_else(String::new, |m| format!(", bake {m}m"));
    format!("{}{steps}{bake}", strategy.kind)
}

fn summary(
    d: &ServiceDeployment,
    s: &Snapshot,
    seen: &Observed,
    now: Timestamp,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let mut status = vec![Span::raw(" status "), status_span(&d.status, theme)];
    if let Some(stage) = &d.stage {
        status.push(Span::styled(
            format!(" · {}", stage_name(stage)),
            theme.warn,
        ));
    }
    if let Some(strategy) = &d.strategy {
        status.push(Span::raw(format!(" · {}", strategy_text(strategy))));
    }
    if d.in_flight()
        && let Some(c) = seen.countdown(d)
    {
        status.push(Span::raw(format!(" · {} in {}", c.what, c.left(now))));
    }
    let duration = match (
        d.started_at.or(d.created_at),
        d.finished_at.or(d.stopped_at),
    ) {
        (Some(start), Some(end)) => human_duration(start.seconds_until(end)),
        (Some(start), None) => format!("{} so far", human_duration(start.seconds_until(now))),
        _ => "-".to_owned(),
    };
    let rollback = d.rollback.as_ref().map_or_else(String::new, |r| {
        let to = r
            .revision
            .as_deref()
            .map_or_else(String::new, |arn| format!(" to {}", revision_name(s, arn)));
        format!(" · rolling back{to}")
    });
    vec![
        Line::from(status),
        Line::raw(format!(
            " {} · started by {} · created {} · duration {duration}{rollback}",
            d.service,
            started_by(d, s),
            ago(now, d.created_at)
        )),
        what_changes(d, s, theme),
        Line::styled(format!(" {}", d.arn), theme.dim),
    ]
}

/// Who or what started it. ECS does not record a caller; a pipeline whose ECS deploy action
/// targets the service and ran when the deployment was made is named, else the API call.
fn started_by(d: &ServiceDeployment, s: &Snapshot) -> String {
    let created = d.created_at.map_or(0, Timestamp::millis);
    let by_pipeline = s.pipelines.iter().find_map(|p| {
        p.stages.iter().find_map(|stage| {
            stage.actions.iter().find_map(|a| {
                let targets = a.configuration.get("ClusterName") == Some(&d.service.cluster)
                    && a.configuration.get("ServiceName") == Some(&d.service.service);
                let ran = a.latest.as_ref()?.last_change?;
                // The action starts the deployment, then follows it to its end.
                let around = ran.0 >= created - 300_000;
                (targets && around)
                    .then(|| format!("pipeline {} ({}/{})", p.name, stage.name, a.name))
            })
        })
    });
    by_pipeline.unwrap_or_else(|| "UpdateService (ECS does not say who)".to_owned())
}

/// `deploys web:5 (was web:4)`: the task definitions of the target and source revisions, as
/// DescribeServiceRevisions reported them.
fn what_changes(d: &ServiceDeployment, s: &Snapshot, theme: &Theme) -> Line<'static> {
    let Some(target) = &d.target else {
        return Line::styled(" target revision not reported", theme.dim);
    };
    let to = revision_name(s, &target.arn);
    let from: Vec<String> = d.sources.iter().map(|r| revision_name(s, &r.arn)).collect();
    let was = if from.is_empty() {
        String::new()
    } else {
        format!(" (was {})", from.join(", "))
    };
    let same = from.len() == 1 && from[0] == to;
    let mut spans = vec![Span::raw(format!(" deploys {to}{was}"))];
    if same {
        spans.push(Span::styled(
            " · same task definition: a forced new deployment or a configuration change",
            theme.dim,
        ));
    }
    if let Some(images) = s.service_revision(&target.arn).map(|r| r.images.join(", "))
        && !images.is_empty()
    {
        spans.push(Span::styled(format!(" · {images}"), theme.dim));
    }
    Line::from(spans)
}

/// A revision by its task definition (`family:revision`), else by its ARN's last part.
fn revision_name(s: &Snapshot, arn: &str) -> String {
    s.service_revision(arn)
        .and_then(|r| r.task_definition.as_deref())
        .map_or_else(
            || format!("revision {}", arn.rsplit('/').next().unwrap_or(arn)),
            |td| td.rsplit('/').next().unwrap_or(td).to_owned(),
        )
}

/// The production and test rules ECS moves, then the revisions: blue (source) and green
/// (target), with their tasks and the weights ECS asked for.
fn traffic_lines(d: &ServiceDeployment, s: &Snapshot, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    let link = s
        .service(&d.service.cluster, &d.service.service)
        .and_then(|v| {
            v.load_balancers
                .iter()
                .find(|l| l.production_listener_rule.is_some())
        });
    let green: Vec<String> = d
        .target
        .as_ref()
        .and_then(|t| s.service_revision(&t.arn))
        .map(|r| r.target_group_arns.clone())
        .unwrap_or_default();
    for (name, rule) in [
        (
            "production",
            link.and_then(|l| l.production_listener_rule.as_deref()),
        ),
        ("test", link.and_then(|l| l.test_listener_rule.as_deref())),
    ] {
        match rule.map(|arn| (arn, s.rule(arn))) {
            Some((_, Some(rule))) => lines.push(rule_line(
                name,
                rule,
                s,
                theme,
                |tg| green.iter().any(|g| g == tg),
                true,
            )),
            Some((arn, None)) => lines.push(Line::styled(
                format!(
                    " {name:<10}rule {} not read",
                    arn.rsplit('/').next().unwrap_or(arn)
                ),
                theme.dim,
            )),
            None => {}
        }
    }
    if link.is_none() {
        lines.push(Line::styled(
            " no listener rule in the service's advanced configuration",
            theme.dim,
        ));
    }
    lines.push(Line::raw(""));
    for r in &d.sources {
        lines.push(revision_line("blue", r, s, theme.blue));
    }
    match &d.target {
        Some(r) => lines.push(revision_line("green", r, s, theme.green)),
        None => lines.push(Line::styled(" target revision not reported", theme.dim)),
    }
    lines
}

fn revision_line(
    label: &str,
    r: &RevisionCounts,
    s: &Snapshot,
    style: ratatui::style::Style,
) -> Line<'static> {
    let weight = |w: Option<f64>| w.map_or_else(|| "-".to_owned(), |w| format!("{w:.0}%"));
    Line::from(vec![
        Span::styled(format!(" {label:<6}"), style),
        Span::raw(format!(
            "{}  {} requested · {} running · {} pending · asked: production {} test {}",
            revision_name(s, &r.arn),
            r.requested,
            r.running,
            r.pending,
            weight(r.production_weight),
            weight(r.test_weight)
        )),
    ])
}

/// The ten stages in the order they run: done, the current one (failed, when it ended
/// badly), those to come; with how long each took, where it was seen to begin and end.
fn stage_lines(
    d: &ServiceDeployment,
    trail: Option<&Trail>,
    now: Timestamp,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let stages: Vec<ServiceDeploymentStage> = ServiceDeploymentStage::KNOWN
        .iter()
        .map(|name| ServiceDeploymentStage::parse(name))
        .collect();
    let current = d
        .stage
        .as_ref()
        .and_then(|c| stages.iter().position(|s| s == c));
    let succeeded = d.status == ServiceDeploymentStatus::Successful;
    let bad = d.failed() || d.is_rollback();
    let mut lines = Vec::new();
    if let Some(ServiceDeploymentStage::Unknown(raw)) = &d.stage {
        lines.push(Line::styled(
            format!(" ▶ {raw} (a stage not known here)"),
            theme.warn,
        ));
    }
    for (i, stage) in stages.iter().enumerate() {
        let seen = trail.and_then(|t| t.span(stage));
        let (mark, style) = match (current.map(|c| i.cmp(&c)), succeeded) {
            // RECONCILE_SERVICE runs only when several revisions were active at the start.
            _ if i == 0 && seen.is_none() && current != Some(0) => ("–", theme.dim),
            (_, true) | (Some(std::cmp::Ordering::Less), _) => ("✓", theme.ok),
            (Some(std::cmp::Ordering::Equal), _) if bad => ("✗", theme.bad),
            (Some(std::cmp::Ordering::Equal), _) => ("▶", theme.warn),
            _ => ("·", theme.dim),
        };
        let took = match seen {
            Some((from, Some(to))) if from.seen_changing => {
                format!("about {}", human_duration(from.at.seconds_until(to.at)))
            }
            Some((from, None)) if current == Some(i) && d.in_flight() => {
                let so_far = human_duration(from.at.seconds_until(now));
                if from.seen_changing {
                    format!("{so_far} so far")
                } else {
                    format!("at least {so_far}")
                }
            }
            _ => String::new(),
        };
        lines.push(Line::from(vec![
            Span::styled(format!(" {mark} "), style),
            Span::raw(format!("{:<30}", stage_name(stage))),
            Span::styled(took, theme.dim),
        ]));
        if current == Some(i) && d.in_flight() {
            for hook in d.hooks.iter().filter(|h| running(h)) {
                lines.push(hook_detail_line(hook, now, theme));
            }
        }
    }
    lines
}

/// A hook still running or waiting: what the stage it is in waits for.
fn running(h: &HookDetail) -> bool {
    matches!(
        h.status,
        Some(HookStatus::InProgress | HookStatus::AwaitingAction)
    )
}

/// `   ⏸ pause hook-1 AWAITING_ACTION · ROLLBACK in 12m 30s`.
fn hook_detail_line(h: &HookDetail, now: Timestamp, theme: &Theme) -> Line<'static> {
    let kind = match h.target_type {
        Some(HookTarget::Pause) => "⏸ pause",
        Some(HookTarget::Lambda) => "λ lambda",
        _ => "· hook",
    };
    let target = h.target_arn.as_deref().map_or_else(String::new, |a| {
        format!(" {}", a.rsplit(':').next().unwrap_or(a))
    });
    let mut spans = vec![Span::raw(format!("   {kind} {}{target} ", h.id))];
    if let Some(status) = &h.status {
        spans.push(status_span(status, theme));
    }
    if let (Some(at), true) = (h.expires_at, running(h)) {
        let then = h
            .timeout_action
            .as_ref()
            .map_or_else(|| "times out".to_owned(), |a| format!("{a}"));
        spans.push(Span::styled(
            format!(" · {then} in {}", until(now, at)),
            theme.warn,
        ));
    }
    Line::from(spans)
}

/// Every hook with its status; then, when it stopped or rolled back, ECS's reasons, the
/// monitors that fired and what the service says of its trouble.
fn hooks_and_why(
    d: &ServiceDeployment,
    s: &Snapshot,
    now: Timestamp,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let mut lines: Vec<Line<'static>> = d
        .hooks
        .iter()
        .map(|h| hook_detail_line(h, now, theme))
        .collect();
    if let Some(reason) = &d.status_reason {
        let style = if d.failed() || d.is_rollback() {
            theme.bad
        } else {
            theme.dim
        };
        lines.push(Line::styled(format!(" {reason}"), style));
    }
    if let Some(r) = &d.rollback {
        let when = r
            .started_at
            .map_or_else(String::new, |t| format!(" {}", ago(now, Some(t))));
        let why = r.reason.as_deref().unwrap_or("no reason given");
        lines.push(Line::styled(format!(" rollback{when}: {why}"), theme.bad));
    }
    if let Some(cb) = d.circuit_breaker.as_ref().filter(|cb| cb.failures > 0) {
        lines.push(Line::styled(
            format!(
                " circuit breaker: {} of {} failed tasks{}",
                cb.failures,
                cb.threshold,
                cb.status
                    .as_ref()
                    .map_or_else(String::new, |st| format!(" ({st})"))
            ),
            theme.warn,
        ));
    }
    if let Some(alarms) = d.alarms.as_ref().filter(|a| !a.triggered.is_empty()) {
        lines.push(Line::styled(
            format!(" alarms triggered: {}", alarms.triggered.join(", ")),
            theme.bad,
        ));
    }
    if (d.failed() || d.is_rollback())
        && let Some(service) = s.service(&d.service.cluster, &d.service.service)
    {
        lines.extend(service_trouble(service, s, theme));
    }
    lines
}

/// The overview's and the deployments list's line for an ECS deployment: its service, the
/// bar, the stage and the countdown; or, ended, how and why.
pub fn row_line(
    d: &ServiceDeployment,
    seen: &Observed,
    now: Timestamp,
    theme: &Theme,
) -> Line<'static> {
    // In the columns of CodeDeploy's rows (`d-` and nine): the long id is on its screen.
    let mut spans = vec![Span::raw(format!(
        "  {:<11}  {:<34} ",
        "ECS",
        d.service.to_string()
    ))];
    if d.status.is_terminal() {
        spans.push(status_span(&d.status, theme));
        spans.push(Span::raw(format!(
            " {}  ",
            ago(now, d.finished_at.or(d.stopped_at))
        )));
        let reason = d
            .rollback
            .as_ref()
            .and_then(|r| r.reason.clone())
            .or_else(|| d.status_reason.clone())
            .unwrap_or_default();
        spans.push(Span::styled(reason, theme.dim));
        return Line::from(spans);
    }
    let percent = d.on_green.map_or(0.0, |g| g.percent);
    spans.extend(bar_spans(percent, 10, theme));
    spans.push(Span::raw(format!(" {percent:>3.0}% green  ")));
    let stage = d
        .stage
        .as_ref()
        .map_or_else(|| d.status.to_string().to_lowercase(), stage_name);
    spans.push(Span::styled(stage, theme.warn));
    if let Some(kind) = d.strategy.as_ref().map(|k| &k.kind) {
        spans.push(Span::styled(format!("  {kind}"), theme.dim));
    }
    if let Some(c) = seen.countdown(d) {
        spans.push(Span::raw(format!("  {} in {}", c.what, c.left(now))));
    }
    if d.waiting_hooks().next().is_some() {
        spans.push(Span::styled("  paused", theme.warn));
    }
    if d.is_rollback() {
        spans.push(Span::styled("  rollback", theme.bad));
    }
    Line::from(spans)
}

/// The waiting list's line for a pause hook: the service, the hook, where it paused, and
/// what its timeout does when.
pub fn hook_line(h: &WaitingHook, now: Timestamp, theme: &Theme) -> Line<'static> {
    let then = h
        .timeout_action
        .as_ref()
        .map_or_else(|| "times out".to_owned(), |a| format!("{a}"));
    let left = h.expires_at.map_or_else(
        || "no timeout reported".to_owned(),
        |at| format!("{then} in {}", until(now, at)),
    );
    // What happens when first: the hook's id (a UUID) is last, shortened.
    let mut spans = vec![
        Span::raw(format!("  {:<30} ", format!("{}/{}", h.cluster, h.service))),
        Span::raw("paused  "),
        Span::styled(format!("{left}  "), theme.warn),
    ];
    if let Some(stage) = &h.stage {
        spans.push(Span::raw(format!("at {}  ", stage_name(stage))));
    }
    let id: String = h.hook_id.chars().take(8).collect();
    spans.push(Span::styled(
        format!("hook {id}  a go on · x roll back"),
        theme.dim,
    ));
    Line::from(spans)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_and_strategies_read_as_a_person_says_them() {
        assert_eq!(
            stage_name(&ServiceDeploymentStage::PostProductionTrafficShift),
            "post production traffic shift"
        );
        let linear = Strategy {
            kind: DeploymentStrategy::Linear,
            bake_minutes: Some(10),
            linear: Some((20.0, 3)),
            canary: None,
        };
        assert_eq!(strategy_text(&linear), "LINEAR 20% every 3m, bake 10m");
        let canary = Strategy {
            kind: DeploymentStrategy::Canary,
            bake_minutes: None,
            linear: None,
            canary: Some((10.0, 5)),
        };
        assert_eq!(strategy_text(&canary), "CANARY 10% for 5m, then the rest");
    }
}
