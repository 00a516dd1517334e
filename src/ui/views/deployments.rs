//! Deployments: every deployment read (in flight and the last day), newest first.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row as TableRow};

use super::service_deployment::stage_name;
use super::{ago, bar_spans, status_span, table, titled};
use crate::app::App;
use crate::app::rows::{Row, rows};
use crate::model::deploy::Deployment;
use crate::model::observed::Observed;
use crate::model::service_deployment::ServiceDeployment;
use crate::model::status::ServiceDeploymentStatus;
use crate::model::{DeploymentRef, Timestamp};
use crate::ui::theme::Theme;

pub fn draw_list(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let rows = rows(app);
    let lines: Vec<TableRow> = super::window(&rows, app)
        .iter()
        .filter_map(|entry| {
            let (feed, s) = (entry.feed, app.snapshot(entry.feed)?);
            let now = app.data_now_of(feed);
            let cells = match &entry.row {
                Row::Deployment {
                    id: DeploymentRef::Ecs(arn),
                } => ecs_row(s.service_deployment(arn)?, &app.feed(feed).seen, now, theme),
                Row::Deployment { id } => codedeploy_row(s.find(id)?, now, theme),
                _ => return None,
            };
            Some(super::row_of(app, feed, cells, theme))
        })
        .collect();
    let widths = vec![
        Constraint::Length(12),
        Constraint::Fill(2),
        Constraint::Length(19),
        Constraint::Length(14),
        Constraint::Fill(1),
        Constraint::Length(12),
        Constraint::Length(10),
    ];
    table(
        frame,
        area,
        app,
        super::List {
            title: titled("Deployments", rows.len(), app, theme),
            header: vec![
                "id",
                "application/group or service",
                "status",
                "green",
                "phase or stage",
                "created",
                "by",
            ],
            widths,
            rows: lines,
            sourced: true,
        },
        theme,
    );
}

fn codedeploy_row(d: &Deployment, now: Timestamp, theme: &Theme) -> Vec<Cell<'static>> {
    let percent = d.progress.as_ref().map_or(0.0, |p| p.percent_on_green);
    vec![
        Cell::from(d.id.clone()),
        Cell::from(format!("{}/{}", d.application, d.deployment_group)),
        Cell::from(Line::from(status_span(&d.status, theme))),
        Cell::from(green(percent, theme)),
        Cell::from(
            d.progress
                .as_ref()
                .map_or("", |p| p.phase.label())
                .to_owned(),
        ),
        Cell::from(ago(now, d.created)),
        Cell::from(
            if d.rollback_of.is_some() {
                "rollback"
            } else {
                d.creator.as_deref().unwrap_or("")
            }
            .to_owned(),
        ),
    ]
}

/// An ECS service deployment: its id is the ARN's last part, its place the service, its
/// phase the lifecycle stage (or the countdown estimated for it).
fn ecs_row(
    d: &ServiceDeployment,
    seen: &Observed,
    now: Timestamp,
    theme: &Theme,
) -> Vec<Cell<'static>> {
    // Ended, the rule no longer tells this deployment's green apart: what it ended with does.
    let percent = match &d.status {
        ServiceDeploymentStatus::Successful => 100.0,
        status if status.is_terminal() => 0.0,
        _ => d.on_green.map_or(0.0, |g| g.percent),
    };
    let stage = d.stage.as_ref().map_or_else(String::new, stage_name);
    let phase = match seen.countdown(d).filter(|_| d.in_flight()) {
        Some(c) => format!("{stage} · {} in {}", c.what, c.left(now)),
        None => stage,
    };
    vec![
        Cell::from(d.reference().to_string()),
        Cell::from(format!("ECS {}", d.service)),
        Cell::from(Line::from(status_span(&d.status, theme))),
        Cell::from(green(percent, theme)),
        Cell::from(phase),
        Cell::from(ago(now, d.created_at)),
        Cell::from(if d.is_rollback() {
            "rollback".to_owned()
        } else {
            d.strategy
                .as_ref()
                .map_or_else(String::new, |k| k.kind.to_string().to_lowercase())
        }),
    ]
}

fn green(percent: f64, theme: &Theme) -> Line<'static> {
    let mut bar = bar_spans(percent, 8, theme);
    bar.push(Span::raw(format!(" {percent:>3.0}%")));
    Line::from(bar)
}
