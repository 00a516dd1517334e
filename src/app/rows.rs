//! The rows each list screen shows, in order and filtered: one place that both drawing and
//! key handling use, so the row under the cursor is the row that `enter` opens.

use super::{App, Screen, Subject, View};
use crate::model::attention::FailureSource;
use crate::model::progress::Phase;
use crate::model::{DeploymentRef, Snapshot, Timestamp};

/// What a row stands for, and what opening it shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Row {
    /// One execution waiting at one gate: in PARALLEL mode a gate has several.
    Approval {
        pipeline: String,
        stage: String,
        action: String,
        execution: Option<String>,
    },
    Deployment {
        id: DeploymentRef,
    },
    /// An ECS pause hook waiting for a person, in its service deployment.
    Hook {
        deployment: String,
        hook: String,
    },
    Pipeline {
        name: String,
    },
    Service {
        cluster: String,
        name: String,
    },
    TargetGroup {
        arn: String,
    },
    Heading(&'static str),
}

impl Row {
    /// The screen `enter` opens, if any.
    pub fn opens(&self) -> Option<Screen> {
        match self {
            Self::Approval { pipeline, .. } | Self::Pipeline { name: pipeline } => {
                Some(Screen::of(Subject::Pipeline(pipeline.clone())))
            }
            Self::Deployment { id } => Some(Screen::of(Subject::Deployment(id.clone()))),
            Self::Hook { deployment, .. } => Some(Screen::of(Subject::Deployment(
                DeploymentRef::Ecs(deployment.clone()),
            ))),
            Self::Service { name, .. } => Some(Screen {
                filter: name.clone(),
                ..Screen::new(View::Services)
            }),
            Self::TargetGroup { .. } | Self::Heading(_) => None,
        }
    }

    fn text(&self) -> String {
        match self {
            Self::Approval {
                pipeline,
                stage,
                action,
                execution,
            } => format!(
                "{pipeline} {stage}/{action} {}",
                execution.as_deref().unwrap_or_default()
            ),
            Self::Pipeline { name } => name.clone(),
            Self::Deployment { id } => id.id().to_owned(),
            Self::Hook { deployment, hook } => format!("{deployment} {hook}"),
            Self::Service { cluster, name } => format!("{cluster}/{name}"),
            Self::TargetGroup { arn } => arn.clone(),
            Self::Heading(_) => String::new(),
        }
    }
}

/// The rows of the current screen, filtered by its filter. Headings are kept only when a row
/// under them is.
pub fn rows(app: &App) -> Vec<Row> {
    let Some(s) = &app.snapshot else {
        return Vec::new();
    };
    let screen = app.screen();
    let all = match screen.view {
        View::Overview => overview(s),
        View::Pipelines => s
            .pipelines
            .iter()
            .map(|p| Row::Pipeline {
                name: p.name.clone(),
            })
            .collect(),
        View::Deployments => deployments(s),
        View::Services => s
            .services
            .iter()
            .map(|v| Row::Service {
                cluster: v.cluster.clone(),
                name: v.name.clone(),
            })
            .collect(),
        View::Traffic => s
            .target_groups
            .iter()
            .map(|t| Row::TargetGroup { arn: t.arn.clone() })
            .collect(),
        // A pipeline's rows are its waiting approvals, one per execution and gate: the one
        // under the cursor is the one `a` answers.
        View::Pipeline => screen
            .subject
            .as_ref()
            .and_then(Subject::pipeline)
            .and_then(|name| s.pipeline(name))
            .map(|p| {
                p.waiting_approvals()
                    .into_iter()
                    .map(|w| Row::Approval {
                        pipeline: p.name.clone(),
                        stage: w.stage,
                        action: w.action,
                        execution: w.execution_id,
                    })
                    .collect()
            })
            .unwrap_or_default(),
        View::Deployment => Vec::new(),
    };
    filter(all, &screen.filter, s)
}

/// Attention first: everything waiting on a person (pipeline approvals, CodeDeploy
/// deployments parked in Ready, ECS pause hooks), then the deployments in flight of both
/// platforms, the failures of the last day, the services in trouble.
fn overview(s: &Snapshot) -> Vec<Row> {
    let a = &s.attention;
    let mut out = Vec::new();
    let ready: Vec<&str> = a
        .in_flight
        .iter()
        .filter(|d| d.phase == Phase::ReadyWait)
        .map(|d| d.deployment_id.as_str())
        .collect();
    if !a.approvals.is_empty() || !ready.is_empty() || !a.hooks.is_empty() {
        out.push(Row::Heading("Waiting on a person"));
        out.extend(a.approvals.iter().map(|w| Row::Approval {
            pipeline: w.pipeline.clone(),
            stage: w.stage.clone(),
            action: w.action.clone(),
            execution: w.execution_id.clone(),
        }));
        out.extend(ready.iter().map(|id| Row::Deployment {
            id: DeploymentRef::CodeDeploy((*id).to_owned()),
        }));
        out.extend(a.hooks.iter().map(|h| Row::Hook {
            deployment: h.deployment_arn.clone(),
            hook: h.hook_id.clone(),
        }));
    }
    let moving: Vec<Row> = a
        .in_flight
        .iter()
        .filter(|d| d.phase != Phase::ReadyWait)
        .map(|d| DeploymentRef::CodeDeploy(d.deployment_id.clone()))
        .chain(
            a.in_flight_ecs
                .iter()
                .map(|d| DeploymentRef::Ecs(d.arn.clone())),
        )
        .map(|id| Row::Deployment { id })
        .collect();
    if !moving.is_empty() {
        out.push(Row::Heading("Deployments in flight"));
        out.extend(moving);
    }
    if !a.failures.is_empty() {
        out.push(Row::Heading("Failures, last 24 hours"));
        out.extend(a.failures.iter().map(|f| match f.source {
            FailureSource::Deployment => Row::Deployment {
                id: DeploymentRef::CodeDeploy(f.id.clone()),
            },
            FailureSource::ServiceDeployment => Row::Deployment {
                id: DeploymentRef::Ecs(f.id.clone()),
            },
            FailureSource::Pipeline => Row::Pipeline { name: f.id.clone() },
        }));
    }
    if !a.services.is_empty() {
        out.push(Row::Heading("Services needing attention"));
        out.extend(a.services.iter().map(|t| Row::Service {
            cluster: t.cluster.clone(),
            name: t.service.clone(),
        }));
    }
    out
}

/// Every deployment read, of both platforms, newest first.
fn deployments(s: &Snapshot) -> Vec<Row> {
    let mut all: Vec<(Option<Timestamp>, DeploymentRef)> = s
        .deployments
        .iter()
        .map(|d| (d.created, d.reference()))
        .chain(
            s.service_deployments
                .iter()
                .map(|d| (d.created_at, d.reference())),
        )
        .collect();
    // Stable: deployments created at the same instant keep the order they were read in.
    all.sort_by_key(|(created, _)| std::cmp::Reverse(*created));
    all.into_iter()
        .map(|(_, id)| Row::Deployment { id })
        .collect()
}

/// Case-insensitive substring match on what the row shows (name, id, application/group).
fn filter(rows: Vec<Row>, filter: &str, s: &Snapshot) -> Vec<Row> {
    if filter.is_empty() {
        return rows;
    }
    let needle = filter.to_lowercase();
    let matches = |row: &Row| {
        let mut text = row.text().to_lowercase();
        if let Row::Deployment { id } = row
            && let Some(d) = s.find(id)
        {
            text.push_str(&format!(" {}/{}", d.application, d.deployment_group).to_lowercase());
        }
        if let Row::TargetGroup { arn } = row
            && let Some(t) = s.target_group(arn)
        {
            text.push_str(&t.name.to_lowercase());
        }
        text.contains(&needle)
    };
    let mut out: Vec<Row> = Vec::new();
    let mut heading: Option<Row> = None;
    for row in rows {
        match row {
            Row::Heading(_) => heading = Some(row),
            other if matches(&other) => {
                if let Some(h) = heading.take() {
                    out.push(h);
                }
                out.push(other);
            }
            _ => {}
        }
    }
    out
}

/// Rows a list shows in `height` terminal rows (header, footer, borders, table header).
pub fn visible_rows(height: u16) -> usize {
    usize::from(height.saturating_sub(5)).max(1)
}

/// The first row shown, so that the selected one is visible: the screen draws from it and a
/// click is mapped with it.
pub fn list_offset(selected: usize, height: u16) -> usize {
    selected.saturating_sub(visible_rows(height) - 1)
}

/// The index of the first selectable row at or after `from` (headings are skipped).
pub fn selectable(rows: &[Row], from: usize, forward: bool) -> usize {
    if rows.is_empty() {
        return 0;
    }
    let mut i = from.min(rows.len() - 1);
    loop {
        if !matches!(rows[i], Row::Heading(_)) {
            return i;
        }
        if forward {
            if i + 1 >= rows.len() {
                break;
            }
            i += 1;
        } else {
            if i == 0 {
                break;
            }
            i -= 1;
        }
    }
    // Nothing that way: look the other way.
    rows.iter()
        .position(|r| !matches!(r, Row::Heading(_)))
        .unwrap_or(0)
}
