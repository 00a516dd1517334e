//! Overview, the home screen: attention first. Approvals waiting (and how long), deployments
//! in flight (a blue/green bar, the phase, time to the next step), failures of the last day
//! with their reason, services short of tasks or with unhealthy targets. Each row opens its
//! detail.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row as TableRow};

use super::{ago, bar_spans, row_of, service_deployment, status_span, table, until};
use crate::app::App;
use crate::app::gates::short;
use crate::app::rows::{Row, rows};
use crate::model::attention::WaitingApproval;
use crate::model::pipeline::SourceRevision;
use crate::model::{DeploymentRef, Snapshot};
use crate::ui::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let rows = rows(app);
    let lines: Vec<TableRow> = super::window(&rows, app)
        .iter()
        .map(|entry| {
            let feed = entry.feed;
            let line = match (&entry.row, app.snapshot(feed)) {
                (Row::Heading(text), _) => {
                    // Under the wide column, after an empty source cell when there is one.
                    let heading = Cell::from(Line::styled(text.to_string(), theme.heading));
                    let mut cells = vec![heading];
                    if app.several() {
                        cells.insert(0, Cell::from(""));
                    }
                    return TableRow::new(cells);
                }
                (row, Some(s)) => row_line(app, feed, s, row, theme),
                (_, None) => Line::raw(""),
            };
            row_of(app, feed, vec![Cell::from(line)], theme)
        })
        .collect();
    draw_table(frame, area, app, &rows, lines, theme);
}

/// One attention row of source `feed`.
fn row_line(
    app: &App,
    feed: crate::app::FeedId,
    s: &Snapshot,
    row: &Row,
    theme: &Theme,
) -> Line<'static> {
    let now = app.data_now_of(feed);
    match row {
        Row::Heading(text) => Line::styled(text.to_string(), theme.heading),
        Row::Approval {
            pipeline,
            stage,
            action,
            execution,
        } => {
            let gate = Gate {
                pipeline,
                stage,
                action,
                execution: execution.as_deref(),
            };
            approval_line(s, &gate, now, theme)
        }
        Row::Deployment {
            id: DeploymentRef::Ecs(arn),
        } => s.service_deployment(arn).map_or_else(
            || Line::raw(format!("  {arn}")),
            |d| service_deployment::row_line(d, &app.feed(feed).seen, now, theme),
        ),
        Row::Deployment { id } => deployment_line(s, id, now, theme),
        Row::Hook { deployment, hook } => s
            .attention
            .hooks
            .iter()
            .find(|h| &h.deployment_arn == deployment && &h.hook_id == hook)
            .map_or_else(
                || Line::raw(format!("  {deployment} {hook}")),
                |h| service_deployment::hook_line(h, now, theme),
            ),
        Row::Pipeline { name } => failure_line(s, name, now, theme),
        Row::Service { cluster, name } => service_line(s, cluster, name, theme),
        Row::TargetGroup { arn } => Line::raw(arn.clone()),
        Row::Release { name } => Line::raw(name.clone()),
    }
}

/// The table of attention rows, titled with their count (or that nothing needs attention).
fn draw_table(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    rows: &[crate::app::rows::Entry],
    lines: Vec<TableRow<'static>>,
    theme: &Theme,
) {
    let title = if rows.is_empty() {
        let mut spans = vec![Span::raw(" Nothing needs attention ")];
        spans.extend(super::freshness(app, theme));
        Line::from(spans)
    } else {
        super::titled(
            "Needs attention",
            rows.iter().filter(|r| !r.is_heading()).count(),
            app,
            theme,
        )
    };
    table(
        frame,
        area,
        app,
        super::List {
            title,
            header: vec!["What needs attention"],
            widths: vec![Constraint::Fill(1)],
            rows: lines,
            sourced: true,
        },
        theme,
    );
}

/// The approval action an approval row stands for, and the execution waiting at it.
struct Gate<'a> {
    pipeline: &'a str,
    stage: &'a str,
    action: &'a str,
    execution: Option<&'a str>,
}

fn approval_line(
    s: &Snapshot,
    gate: &Gate<'_>,
    now: crate::model::Timestamp,
    theme: &Theme,
) -> Line<'static> {
    let Gate {
        pipeline,
        stage,
        action,
        execution,
    } = *gate;
    let approvals = &s.attention.approvals;
    let at_gate =
        |w: &&WaitingApproval| w.pipeline == pipeline && w.stage == stage && w.action == action;
    let w = approvals
        .iter()
        .filter(at_gate)
        .find(|w| w.execution_id.as_deref() == execution);
    // Several executions at one gate (PARALLEL mode): each row names its own.
    let several = approvals.iter().filter(at_gate).count() > 1;
    let waited = w
        .and_then(|w| w.waiting_since)
        .map_or_else(|| "-".to_owned(), |t| until(t, now));
    let target = w
        .and_then(|w| w.deploys_to.as_ref())
        .map_or_else(String::new, |t| {
            format!("→ {}/{}  ", t.application, t.deployment_group)
        });
    let mut spans = vec![
        Span::raw(format!("  {pipeline:<30} ")),
        Span::raw(format!("{stage}/{action}  ")),
    ];
    spans.push(Span::styled(format!("waiting {waited}  "), theme.warn));
    if let Some(id) = execution.filter(|_| several) {
        spans.push(Span::styled(
            format!("execution {}  ", short(id)),
            theme.title,
        ));
    }
    spans.push(Span::styled(target, theme.dim));
    if let Some(source) = w.and_then(|w| w.source.as_ref()) {
        spans.push(Span::raw(revision(source)));
    }
    Line::from(spans)
}

/// A failed pipeline row: where and how it failed, when, and why.
fn failure_line(
    s: &Snapshot,
    name: &str,
    now: crate::model::Timestamp,
    theme: &Theme,
) -> Line<'static> {
    let f = s.attention.failures.iter().find(|f| f.id == name);
    Line::from(vec![
        Span::raw(format!("  {name:<30} ")),
        Span::raw(f.map_or_else(String::new, |f| format!("{}  ", f.place))),
        f.map_or_else(
            || Span::raw(""),
            |f| Span::styled(f.status.clone(), theme.severity(f.severity)),
        ),
        Span::raw(format!(
            " {}  ",
            f.map_or_else(String::new, |f| ago(now, f.at))
        )),
        Span::styled(f.map_or_else(String::new, |f| f.reason.clone()), theme.dim),
    ])
}

fn service_line(s: &Snapshot, cluster: &str, name: &str, theme: &Theme) -> Line<'static> {
    let t = s
        .attention
        .services
        .iter()
        .find(|t| t.cluster == cluster && t.service == name);
    Line::from(vec![
        Span::raw(format!("  {:<30} ", format!("{cluster}/{name}"))),
        Span::styled(t.map_or_else(String::new, |t| t.reason.clone()), theme.warn),
    ])
}

/// `9c90ee7 Bump base image`: a source revision, short.
pub fn revision(r: &SourceRevision) -> String {
    let id = r.revision_id.get(..7).unwrap_or(&r.revision_id);
    match &r.summary {
        Some(summary) => format!("{id} {summary}"),
        None => id.to_owned(),
    }
}

fn deployment_line(
    s: &Snapshot,
    id: &DeploymentRef,
    now: crate::model::Timestamp,
    theme: &Theme,
) -> Line<'static> {
    let Some(d) = s.find(id) else {
        return Line::raw(format!("  {id}"));
    };
    let place = format!("{}/{}", d.application, d.deployment_group);
    let mut spans = vec![Span::raw(format!("  {id}  {place:<34} "))];
    let progress = d.progress.as_ref();
    if d.status.is_terminal() {
        spans.push(status_span(&d.status, theme));
        spans.push(Span::raw(format!(" {}  ", ago(now, d.completed))));
        let reason = d
            .error
            .as_ref()
            .map_or_else(String::new, |e| format!("{}: {}", e.code, e.message));
        spans.push(Span::styled(reason, theme.dim));
        return Line::from(spans);
    }
    let percent = progress.map_or(0.0, |p| p.percent_on_green);
    spans.extend(bar_spans(percent, 10, theme));
    spans.push(Span::raw(format!(" {percent:>3.0}% green  ")));
    spans.push(Span::styled(
        progress.map_or("", |p| p.phase.label()).to_owned(),
        theme.warn,
    ));
    if let Some(at) = progress.and_then(|p| p.next_step_at.or(p.wait_ends_at)) {
        spans.push(Span::raw(format!("  next in {}", until(now, at))));
    }
    if d.rollback_of.is_some() {
        spans.push(Span::styled("  rollback", theme.bad));
    }
    Line::from(spans)
}
