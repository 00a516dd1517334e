//! The rows each list screen shows, in order and filtered: one place that both drawing and
//! key handling use, so the row under the cursor is the row that `enter` opens.

use super::{App, Column, FeedId, Screen, Sort, Subject, View};
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
    /// A release (across sources: its entry's feed means nothing).
    Release {
        name: String,
    },
    Heading(&'static str),
}

/// A row of a list and the source it comes from (headings belong to none: theirs is 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub feed: FeedId,
    pub row: Row,
}

impl Entry {
    fn new(feed: FeedId, row: Row) -> Self {
        Self { feed, row }
    }

    /// The screen `enter` opens, if any.
    pub fn opens(&self) -> Option<Screen> {
        self.row.opens(self.feed)
    }

    pub fn is_heading(&self) -> bool {
        matches!(self.row, Row::Heading(_))
    }
}

impl Row {
    /// The screen `enter` opens, if any, for a row of source `feed`.
    pub fn opens(&self, feed: FeedId) -> Option<Screen> {
        match self {
            Self::Approval { pipeline, .. } | Self::Pipeline { name: pipeline } => {
                Some(Screen::of(feed, Subject::Pipeline(pipeline.clone())))
            }
            Self::Deployment { id } => Some(Screen::of(feed, Subject::Deployment(id.clone()))),
            Self::Hook { deployment, .. } => Some(Screen::of(
                feed,
                Subject::Deployment(DeploymentRef::Ecs(deployment.clone())),
            )),
            Self::Service { name, .. } => Some(Screen {
                filter: name.clone(),
                ..Screen::new(View::Services)
            }),
            Self::Release { name } => Some(Screen::of(0, Subject::Release(name.clone()))),
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
            Self::Pipeline { name } | Self::Release { name } => name.clone(),
            Self::Deployment { id } => id.id().to_owned(),
            Self::Hook { deployment, hook } => format!("{deployment} {hook}"),
            Self::Service { cluster, name } => format!("{cluster}/{name}"),
            Self::TargetGroup { arn } => arn.clone(),
            Self::Heading(_) => String::new(),
        }
    }
}

/// The rows of the current screen, of every source, filtered by its filter. Headings are
/// kept only when a row under them is.
pub fn rows(app: &App) -> Vec<Entry> {
    let screen = app.screen();
    let of_each = |list: fn(&Snapshot) -> Vec<Row>| -> Vec<Entry> {
        app.snapshots()
            .flat_map(|(feed, s)| list(s).into_iter().map(move |row| Entry::new(feed, row)))
            .collect()
    };
    let all = match screen.view {
        View::Overview => overview(app),
        View::Pipelines => of_each(|s| {
            s.pipelines
                .iter()
                .map(|p| Row::Pipeline {
                    name: p.name.clone(),
                })
                .collect()
        }),
        View::Deployments => deployments(app),
        View::Services => of_each(|s| {
            s.services
                .iter()
                .map(|v| Row::Service {
                    cluster: v.cluster.clone(),
                    name: v.name.clone(),
                })
                .collect()
        }),
        View::Traffic => of_each(|s| {
            s.target_groups
                .iter()
                .map(|t| Row::TargetGroup { arn: t.arn.clone() })
                .collect()
        }),
        // A pipeline's rows are its waiting approvals, one per execution and gate: the one
        // under the cursor is the one `a` answers.
        View::Pipeline => screen
            .subject
            .as_ref()
            .and_then(Subject::pipeline)
            .and_then(|name| app.snapshot(screen.feed)?.pipeline(name))
            .map(|p| {
                p.waiting_approvals()
                    .into_iter()
                    .map(|w| {
                        Entry::new(
                            screen.feed,
                            Row::Approval {
                                pipeline: p.name.clone(),
                                stage: w.stage,
                                action: w.action,
                                execution: w.execution_id,
                            },
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
        View::Releases => app
            .release_names()
            .into_iter()
            .map(|name| Entry::new(0, Row::Release { name }))
            .collect(),
        View::Release => screen
            .subject
            .as_ref()
            .and_then(Subject::release)
            .map(|name| members(app, name))
            .unwrap_or_default(),
        View::Deployment => Vec::new(),
    };
    let mut rows = filter(all, &screen.filter, app);
    if let Some(sort) = screen.sort {
        sorted(app, &mut rows, sort);
    }
    rows
}

/// A release's members, each its pipeline's or service's row in its source.
fn members(app: &App, release: &str) -> Vec<Entry> {
    let Some(release) = app.release(release) else {
        return Vec::new();
    };
    release
        .members
        .into_iter()
        .filter_map(|m| {
            let feed = app.feed_named(&m.source)?;
            let row = match m.name.split_once('/') {
                Some((cluster, name)) if m.kind == "service" => Row::Service {
                    cluster: cluster.to_owned(),
                    name: name.to_owned(),
                },
                _ => Row::Pipeline { name: m.name },
            };
            Some(Entry::new(feed, row))
        })
        .collect()
}

/// What a row sorts by: text A to Z, numbers and times low to high.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum SortKey {
    Missing,
    Number(i64),
    Text(String),
}

/// Sorts a list's rows by `sort` (stable: rows that tie keep their order). Lists with
/// headings (the overview) keep their own order.
fn sorted(app: &App, rows: &mut [Entry], sort: Sort) {
    if rows.iter().any(Entry::is_heading) {
        return;
    }
    rows.sort_by_cached_key(|e| sort_key(app, e, sort.by));
    if sort.descending {
        rows.reverse();
    }
}

fn sort_key(app: &App, entry: &Entry, by: Column) -> SortKey {
    use crate::model::status::Status;
    let s = app.snapshot(entry.feed);
    let text = |t: &str| SortKey::Text(t.to_lowercase());
    let time = |t: Option<Timestamp>| t.map_or(SortKey::Missing, |t| SortKey::Number(t.0));
    match (by, &entry.row) {
        (Column::Source, _) => text(&app.feed(entry.feed).origin.label),
        (Column::Name, row) => text(&row.text()),
        (Column::State, Row::Pipeline { name }) => s
            .and_then(|s| s.pipeline(name)?.latest_execution())
            .map_or(SortKey::Missing, |e| text(e.status.text())),
        (Column::Age, Row::Pipeline { name }) => time(
            s.and_then(|s| s.pipeline(name)?.latest_execution())
                .and_then(|e| e.updated.or(e.started)),
        ),
        (Column::State, Row::Deployment { id }) => {
            deployment_state(s, id).map_or(SortKey::Missing, |t| text(&t))
        }
        (Column::Age, Row::Deployment { id }) => time(deployment_created(s, id)),
        (Column::State, Row::Service { cluster, name }) => s
            .and_then(|s| s.service(cluster, name))
            .map_or(SortKey::Missing, |v| {
                SortKey::Number(i64::from(v.desired) - i64::from(v.running))
            }),
        (Column::Age, Row::Service { cluster, name }) => {
            time(s.and_then(|s| s.service(cluster, name)?.events.first()?.at))
        }
        (Column::State, Row::TargetGroup { arn }) => s
            .and_then(|s| s.target_group(arn)?.targets.as_ref())
            .map_or(SortKey::Missing, |targets| {
                let unhealthy = targets
                    .iter()
                    .filter(|t| t.state != crate::model::status::TargetHealthState::Healthy)
                    .count();
                SortKey::Number(i64::try_from(unhealthy).unwrap_or(i64::MAX))
            }),
        _ => SortKey::Missing,
    }
}

/// A deployment's status as it reads, of either platform.
fn deployment_state(s: Option<&Snapshot>, id: &DeploymentRef) -> Option<String> {
    use crate::model::status::Status;
    let s = s?;
    Some(match id {
        DeploymentRef::Ecs(arn) => s.service_deployment(arn)?.status.text().to_owned(),
        DeploymentRef::CodeDeploy(_) => s.find(id)?.status.text().to_owned(),
    })
}

fn deployment_created(s: Option<&Snapshot>, id: &DeploymentRef) -> Option<Timestamp> {
    let s = s?;
    match id {
        DeploymentRef::Ecs(arn) => s.service_deployment(arn)?.created_at,
        DeploymentRef::CodeDeploy(_) => s.find(id)?.created,
    }
}

/// Attention first, of every source under one heading each: everything waiting on a person
/// (pipeline approvals, CodeDeploy deployments parked in Ready, ECS pause hooks), then the
/// deployments in flight of both platforms, the failures of the last day, the services in
/// trouble.
fn overview(app: &App) -> Vec<Entry> {
    let mut sections: [Vec<Entry>; 4] = Default::default();
    for (feed, s) in app.snapshots() {
        for (section, rows) in sections.iter_mut().zip(overview_of(s)) {
            section.extend(rows.into_iter().map(|row| Entry::new(feed, row)));
        }
    }
    let headings = [
        "Waiting on a person",
        "Deployments in flight",
        "Failures, last 24 hours",
        "Services needing attention",
    ];
    let mut out = Vec::new();
    for (heading, section) in headings.into_iter().zip(sections) {
        if !section.is_empty() {
            out.push(Entry::new(0, Row::Heading(heading)));
            out.extend(section);
        }
    }
    out
}

/// One source's overview, section by section (see [`overview`]).
fn overview_of(s: &Snapshot) -> [Vec<Row>; 4] {
    let a = &s.attention;
    let mut waiting = Vec::new();
    waiting.extend(a.approvals.iter().map(|w| Row::Approval {
        pipeline: w.pipeline.clone(),
        stage: w.stage.clone(),
        action: w.action.clone(),
        execution: w.execution_id.clone(),
    }));
    waiting.extend(
        a.in_flight
            .iter()
            .filter(|d| d.phase == Phase::ReadyWait)
            .map(|d| Row::Deployment {
                id: DeploymentRef::CodeDeploy(d.deployment_id.clone()),
            }),
    );
    waiting.extend(a.hooks.iter().map(|h| Row::Hook {
        deployment: h.deployment_arn.clone(),
        hook: h.hook_id.clone(),
    }));
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
    let failures = a
        .failures
        .iter()
        .map(|f| match f.source {
            FailureSource::Deployment => Row::Deployment {
                id: DeploymentRef::CodeDeploy(f.id.clone()),
            },
            FailureSource::ServiceDeployment => Row::Deployment {
                id: DeploymentRef::Ecs(f.id.clone()),
            },
            FailureSource::Pipeline => Row::Pipeline { name: f.id.clone() },
        })
        .collect();
    let services = a
        .services
        .iter()
        .map(|t| Row::Service {
            cluster: t.cluster.clone(),
            name: t.service.clone(),
        })
        .collect();
    [waiting, moving, failures, services]
}

/// Every deployment read, of both platforms and every source, newest first.
fn deployments(app: &App) -> Vec<Entry> {
    let mut all: Vec<(Option<Timestamp>, FeedId, DeploymentRef)> = app
        .snapshots()
        .flat_map(|(feed, s)| {
            s.deployments
                .iter()
                .map(move |d| (d.created, feed, d.reference()))
                .chain(
                    s.service_deployments
                        .iter()
                        .map(move |d| (d.created_at, feed, d.reference())),
                )
        })
        .collect();
    // Stable: deployments created at the same instant keep the order they were read in.
    all.sort_by_key(|(created, _, _)| std::cmp::Reverse(*created));
    all.into_iter()
        .map(|(_, feed, id)| Entry::new(feed, Row::Deployment { id }))
        .collect()
}

/// Case-insensitive substring match on what the row shows (name, id, application/group,
/// and its source's name when there are several).
fn filter(rows: Vec<Entry>, filter: &str, app: &App) -> Vec<Entry> {
    if filter.is_empty() {
        return rows;
    }
    let needle = filter.to_lowercase();
    let matches = |entry: &Entry| {
        let mut text = entry.row.text().to_lowercase();
        if app.several() {
            text.push(' ');
            text.push_str(&app.feed(entry.feed).origin.label.to_lowercase());
        }
        let s = app.snapshot(entry.feed);
        if let Row::Deployment { id } = &entry.row
            && let Some(d) = s.and_then(|s| s.find(id))
        {
            text.push_str(&format!(" {}/{}", d.application, d.deployment_group).to_lowercase());
        }
        if let Row::TargetGroup { arn } = &entry.row
            && let Some(t) = s.and_then(|s| s.target_group(arn))
        {
            text.push_str(&t.name.to_lowercase());
        }
        text.contains(&needle)
    };
    let mut out: Vec<Entry> = Vec::new();
    let mut heading: Option<Entry> = None;
    for entry in rows {
        match entry {
            Entry {
                row: Row::Heading(_),
                ..
            } => heading = Some(entry),
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
pub fn selectable(rows: &[Entry], from: usize, forward: bool) -> usize {
    if rows.is_empty() {
        return 0;
    }
    let mut i = from.min(rows.len() - 1);
    loop {
        if !rows[i].is_heading() {
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
    rows.iter().position(|r| !r.is_heading()).unwrap_or(0)
}
