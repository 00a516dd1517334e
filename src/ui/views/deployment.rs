//! One deployment: what, where and by whom; the traffic panel (production and test routes
//! side by side, the task sets blue and green); the lifecycle timeline; the step and the
//! waits with time left; the rollback link; and, when it failed, why — in one place.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::{ago, status_span, until};
use crate::app::{App, Subject};
use crate::model::deploy::{Deployment, DeploymentGroup, Revision};
use crate::model::ecs::Service;
use crate::model::elb::ListenerRule;
use crate::model::status::Status;
use crate::model::status::{LifecycleStatus, TaskSetLabel};
use crate::model::time::{Timestamp, human_duration};
use crate::model::{DeploymentRef, Snapshot};
use crate::ui::theme::Theme;
use crate::ui::widgets::split_bar::SplitBar;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, s: &Snapshot, theme: &Theme) {
    let reference = app.screen().subject.as_ref().and_then(Subject::deployment);
    if let Some(DeploymentRef::Ecs(arn)) = reference {
        return super::service_deployment::draw(frame, area, app, s, arn, theme);
    }
    let id = reference.map(ToString::to_string).unwrap_or_default();
    let Some(d) = reference.and_then(|r| s.find(r)) else {
        frame.render_widget(
            Paragraph::new(format!(
                "Deployment {id} is not in the snapshot (older than a day, or out of scope)."
            ))
            .block(Block::bordered()),
            area,
        );
        return;
    };
    let now = app.data_now();
    let group = s.group_of(d);
    let failed = d.error.is_some() || d.failed_event().is_some();
    let [top, bar, middle, bottom] = Layout::vertical([
        Constraint::Length(6),
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(if failed { 8 } else { 0 }),
    ])
    .areas(area);
    frame.render_widget(
        Paragraph::new(summary(d, group, now, theme)).block(
            Block::bordered().title(super::headed(format!(" Deployment {} ", d.id), app, theme)),
        ),
        top,
    );
    let percent = d.progress.as_ref().map_or(0.0, |p| p.percent_on_green);
    split_bar(frame, bar, percent, "", theme);
    let [traffic, timeline] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(middle);
    let inner = usize::from(traffic.width.saturating_sub(2));
    frame.render_widget(
        Paragraph::new(traffic_lines(d, group, s, theme, inner)).block(super::panel(
            " Traffic ",
            app,
            0,
            theme,
        )),
        traffic,
    );
    frame.render_widget(
        Paragraph::new(timeline_lines(d, now, theme)).block(super::panel(
            " Lifecycle ",
            app,
            1,
            theme,
        )),
        timeline,
    );
    if failed {
        frame.render_widget(
            Paragraph::new(why(d, group, s, theme))
                .wrap(Wrap { trim: true })
                .block(super::panel(" Why it failed ", app, 2, theme).title_style(theme.bad)),
            bottom,
        );
    }
}

/// `blue ▒▒▒▒████ 40% green`, across the screen; `note` follows the percent.
pub fn split_bar(frame: &mut Frame, area: Rect, percent: f64, note: &str, theme: &Theme) {
    let [label, gauge, right] = Layout::horizontal([
        Constraint::Length(8),
        Constraint::Fill(1),
        Constraint::Length(12 + note.chars().count() as u16),
    ])
    .areas(area);
    frame.render_widget(Paragraph::new(Span::styled(" blue ", theme.blue)), label);
    frame.render_widget(
        SplitBar {
            percent_on_green: percent,
            theme,
        },
        gauge,
    );
    frame.render_widget(
        Paragraph::new(Span::styled(
            format!(" {percent:>3.0}% green{note}"),
            theme.green,
        )),
        right,
    );
}

fn summary(
    d: &Deployment,
    group: Option<&DeploymentGroup>,
    now: Timestamp,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let duration = match (d.started.or(d.created), d.completed) {
        (Some(start), Some(end)) => human_duration(start.seconds_until(end)),
        (Some(start), None) => format!("{} so far", human_duration(start.seconds_until(now))),
        _ => "-".to_owned(),
    };
    let service = group
        .and_then(|g| {
            Some(format!(
                "{}/{}",
                g.cluster.as_deref()?,
                g.service.as_deref()?
            ))
        })
        .unwrap_or_default();
    let mut status = vec![Span::raw(" status "), status_span(&d.status, theme)];
    if let Some(p) = &d.progress {
        status.push(Span::styled(format!(" · {}", p.phase.label()), theme.warn));
        if let Some(at) = p.next_step_at {
            status.push(Span::raw(format!(" · next step in {}", until(now, at))));
        }
        if let Some(at) = p.wait_ends_at {
            status.push(Span::raw(format!(" · wait ends in {}", until(now, at))));
        }
    }
    let rollback = match (&d.rollback_of, &d.rolled_back_by) {
        (Some(of), _) => format!(" · rolls back {of}"),
        (_, Some(by)) => format!(" · rolled back by {by}"),
        _ => String::new(),
    };
    vec![
        Line::from(status),
        Line::raw(format!(
            " {}/{} → {service} · {}{}",
            d.application, d.deployment_group, d.config, rollback
        )),
        Line::raw(format!(
            " by {} · created {} · duration {duration}",
            d.creator.as_deref().unwrap_or("?"),
            ago(now, d.created)
        )),
        revision_line(d, theme),
    ]
}

/// What the deployment deploys: the AppSpec's task definition (read once per revision with
/// GetApplicationRevision, by the snapshot) or the S3 object.
fn revision_line(d: &Deployment, theme: &Theme) -> Line<'static> {
    match &d.revision {
        Some(
            revision @ Revision::AppSpec {
                task_definition: None,
                ..
            },
        ) => Line::from(vec![
            Span::raw(format!(" deploys {}", revision.describe())),
            Span::styled(" · task definition not read", theme.dim),
        ]),
        Some(revision) => Line::raw(format!(" deploys {}", revision.describe())),
        None => Line::styled(" revision not reported", theme.dim),
    }
}

/// Production and test: listener → rule → target groups with weights; then the task sets.
/// The rules and the task sets, each on one line of `width` columns: a task set's line drops
/// its id when the whole does not fit, and is cut after that.
fn traffic_lines(
    d: &Deployment,
    group: Option<&DeploymentGroup>,
    s: &Snapshot,
    theme: &Theme,
    width: usize,
) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    let Some(group) = group else {
        return vec![Line::raw("deployment group not read")];
    };
    for (name, rules) in [
        ("production", &group.production_rules),
        ("test", &group.test_rules),
    ] {
        let green = d
            .task_set(&TaskSetLabel::Green)
            .and_then(|t| t.target_group_name.as_deref());
        for rule in rules.iter().filter_map(|arn| s.rule(arn)) {
            let is_green = |tg: &str| {
                green.is_some_and(|g| s.target_group(tg).map_or(tg, |t| t.name.as_str()) == g)
            };
            lines.push(super::first_fitting(
                vec![
                    rule_line(name, rule, s, theme, is_green, true),
                    rule_line(name, rule, s, theme, is_green, false),
                ],
                width,
            ));
        }
    }
    lines.push(Line::raw(""));
    for set in d.target.iter().flat_map(|t| t.task_sets.iter()) {
        let style = if set.label == TaskSetLabel::Green {
            theme.green
        } else {
            theme.blue
        };
        let label = || Span::styled(format!(" {:<6}", set.label.as_str()), style);
        let tg = set.target_group_name.as_deref().unwrap_or("-");
        let counts = format!(
            "  {} desired · {} running · {} pending · {:.0}% · {tg}",
            set.desired, set.running, set.pending, set.traffic_weight,
        );
        let line = super::first_fitting(
            vec![
                Line::from(vec![
                    label(),
                    Span::raw(format!("{} ", set.id)),
                    status_span(&set.status, theme),
                    Span::raw(counts.clone()),
                ]),
                Line::from(vec![
                    label(),
                    status_span(&set.status, theme),
                    Span::raw(counts),
                ]),
                Line::from(vec![
                    label(),
                    status_span(&set.status, theme),
                    Span::raw(format!(
                        " {}/{} · {:.0}% · {tg}",
                        set.running, set.desired, set.traffic_weight
                    )),
                ]),
            ],
            width,
        );
        lines.push(line);
    }
    if d.target.is_none() {
        lines.push(Line::styled(" task sets not read", theme.dim));
    }
    lines
        .into_iter()
        .map(|line| super::fit(line, width))
        .collect()
}

/// `production :443 /api/* → web-blue 80% web-green 20%`: a rule and where it sends traffic,
/// green's share in green; without `conditions`, the rule's path and host left out.
pub fn rule_line(
    name: &str,
    rule: &ListenerRule,
    s: &Snapshot,
    theme: &Theme,
    is_green: impl Fn(&str) -> bool,
    conditions: bool,
) -> Line<'static> {
    let port = s
        .listeners
        .iter()
        .find(|l| l.arn == rule.listener_arn)
        .and_then(|l| l.port)
        .map_or_else(|| "?".to_owned(), |p| p.to_string());
    let mut spans = vec![
        Span::styled(format!(" {name:<10}"), theme.title),
        Span::raw(if conditions {
            format!(":{port} {} → ", rule.label())
        } else {
            format!(":{port} → ")
        }),
    ];
    for f in &rule.forwards {
        let tg = s
            .target_group(&f.target_group_arn)
            .map_or_else(|| f.target_group_arn.clone(), |t| t.name.clone());
        let style = if is_green(&f.target_group_arn) {
            theme.green
        } else {
            theme.blue
        };
        spans.push(Span::styled(
            format!("{tg} {:.0}% ", rule.share_of(&f.target_group_arn)),
            style,
        ));
    }
    Line::from(spans)
}

fn timeline_lines(d: &Deployment, now: Timestamp, theme: &Theme) -> Vec<Line<'static>> {
    let Some(target) = &d.target else {
        return vec![Line::styled(" lifecycle not read", theme.dim)];
    };
    target
        .lifecycle_events
        .iter()
        .map(|e| {
            let mark = match e.status {
                LifecycleStatus::Succeeded => "✓",
                LifecycleStatus::Failed => "✗",
                LifecycleStatus::InProgress => "▶",
                LifecycleStatus::Skipped => "–",
                _ => "·",
            };
            let took = match (e.start, e.end) {
                (Some(a), Some(b)) => human_duration(a.seconds_until(b)),
                (Some(a), None) => format!("{}…", human_duration(a.seconds_until(now))),
                _ => String::new(),
            };
            Line::from(vec![
                Span::styled(format!(" {mark} "), theme.severity(e.status.severity())),
                Span::raw(format!("{:<22}", e.name)),
                Span::styled(
                    format!("{:<11}", e.status.as_str()),
                    theme.severity(e.status.severity()),
                ),
                Span::raw(took),
            ])
        })
        .collect()
}

/// Everything that says why: CodeDeploy's error, the failed event's diagnostics, unhealthy
/// targets with their reasons, the service's recent events and stopped tasks.
fn why(
    d: &Deployment,
    group: Option<&DeploymentGroup>,
    s: &Snapshot,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    if let Some(e) = &d.error {
        lines.push(Line::from(vec![
            Span::styled(format!(" {} ", e.code), theme.bad),
            Span::raw(e.message.clone()),
        ]));
    }
    if let Some(e) = d.failed_event()
        && let Some(diag) = &e.diagnostics
    {
        let script = diag.script_name.clone().unwrap_or_default();
        lines.push(Line::raw(format!(
            " {} {script}: {}",
            e.name,
            diag.message.clone().unwrap_or_default()
        )));
        if let Some(tail) = diag.log_tail.as_ref().filter(|t| !t.is_empty()) {
            lines.push(Line::styled(
                format!("   log: {}", tail.lines().last().unwrap_or_default()),
                theme.dim,
            ));
        }
    }
    if let Some(service) = group.and_then(|g| s.service_of(g)) {
        lines.extend(service_trouble(service, s, theme));
    }
    lines
}

/// What the service says of its trouble: unhealthy targets with their reasons, the last
/// stopped tasks, the newest events.
pub fn service_trouble(service: &Service, s: &Snapshot, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    let unhealthy: Vec<String> = service
        .target_group_arns()
        .filter_map(|arn| s.target_group(arn))
        .flat_map(|tg| {
            tg.unhealthy().map(move |t| {
                format!(
                    "{} {} {}",
                    tg.name,
                    t.id,
                    t.reason.clone().unwrap_or_default()
                )
            })
        })
        .collect();
    if let Some(first) = unhealthy.first() {
        lines.push(Line::styled(
            format!(" {} unhealthy target(s): {first}", unhealthy.len()),
            theme.warn,
        ));
    }
    for task in service.stopped_tasks.iter().take(2) {
        lines.push(Line::raw(format!(
            " stopped task: {}",
            task.stopped_reason.clone().unwrap_or_default()
        )));
    }
    for event in service.events.iter().take(2) {
        lines.push(Line::styled(
            format!(" event: {}", event.message),
            theme.dim,
        ));
    }
    lines
}
