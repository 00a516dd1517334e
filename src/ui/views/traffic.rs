//! Traffic: target groups with their load balancers, the rules that send to them (with the
//! weight), and per-target health with reasons.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row as TableRow};

use super::{table, titled};
use crate::app::App;
use crate::app::rows::{Row, rows};
use crate::model::status::Status;
use crate::model::status::TargetHealthState;
use crate::ui::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let rows = rows(app);
    let lines: Vec<TableRow> = super::window(&rows, app)
        .iter()
        .filter_map(|entry| match &entry.row {
            Row::TargetGroup { arn } => {
                let s = app.snapshot(entry.feed)?;
                Some((entry.feed, s, s.target_group(arn)?))
            }
            _ => None,
        })
        .map(|(feed, s, t)| {
            let lbs: Vec<String> = t
                .load_balancer_arns
                .iter()
                .filter_map(|arn| {
                    s.load_balancers
                        .iter()
                        .find(|l| &l.arn == arn)
                        .map(|l| l.name.clone())
                })
                .collect();
            let routes: Vec<String> = s
                .rules
                .iter()
                .filter(|r| r.forwards_to(&t.arn))
                .map(|r| {
                    let port = s
                        .listeners
                        .iter()
                        .find(|l| l.arn == r.listener_arn)
                        .and_then(|l| l.port)
                        .unwrap_or(0);
                    format!(":{port} {} {:.0}%", r.label(), r.share_of(&t.arn))
                })
                .collect();
            let health: Vec<Span> = match &t.targets {
                None => vec![Span::styled("not read", theme.dim)],
                Some(targets) if targets.is_empty() => vec![Span::styled("no targets", theme.dim)],
                Some(targets) => {
                    let healthy = targets
                        .iter()
                        .filter(|x| x.state == TargetHealthState::Healthy)
                        .count();
                    let mut spans = vec![Span::styled(
                        format!("{healthy}/{} healthy", targets.len()),
                        if healthy == targets.len() {
                            theme.ok
                        } else {
                            theme.warn
                        },
                    )];
                    if let Some(bad) = targets
                        .iter()
                        .find(|x| x.state != TargetHealthState::Healthy)
                    {
                        spans.push(Span::styled(
                            format!(
                                "  {} {} {}",
                                bad.id,
                                bad.state,
                                bad.reason.clone().unwrap_or_default()
                            ),
                            theme.severity(bad.state.severity()),
                        ));
                    }
                    spans
                }
            };
            let cells = vec![
                Cell::from(t.name.clone()),
                Cell::from(lbs.join(",")),
                Cell::from(routes.join("  ")),
                Cell::from(Line::from(health)),
            ];
            super::row_of(app, feed, cells, theme)
        })
        .collect();
    let widths = vec![
        Constraint::Length(24),
        Constraint::Length(16),
        Constraint::Fill(1),
        Constraint::Fill(1),
    ];
    table(
        frame,
        area,
        app,
        super::List {
            title: titled("Target groups", rows.len(), app, theme),
            header: vec!["target group", "load balancer", "routes", "health"],
            widths,
            rows: lines,
            sourced: true,
        },
        theme,
    );
}
