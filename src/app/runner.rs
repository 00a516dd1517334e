//! Carries out commands: each runs in a task of its own and reports back as a message. It
//! holds the AWS clients (those that read, with the SDK's retries, and those that act, with
//! none: one press sends one call); the state stays in `update`.

use std::sync::Arc;
use std::time::Instant;

use tokio::sync::mpsc::UnboundedSender;

use super::{Command, FeedId, Mono, Msg};
use crate::audit::Audit;
use crate::aws::hot::Lanes;
use crate::aws::snapshot::Reuse;
use crate::aws::{Clients, hot, snapshot};
use crate::config::Scope;
use crate::ops::Ended;
use crate::ops::execute::execute;
use crate::ops::prepare::{Plan, prepare};

/// One source's clients: those that read, with the SDK's retries, and the same with retries
/// off, for the mutations alone.
struct Reach {
    clients: Clients,
    actions: Clients,
    /// What results name the source by when there are several; empty with one.
    label: String,
}

#[derive(Clone)]
pub struct Runner {
    /// One per source, in the order of the app's feeds.
    reach: Arc<Vec<Reach>>,
    scope: Arc<Scope>,
    started: Instant,
    messages: UnboundedSender<Msg>,
    audit: Option<Audit>,
    /// Task definitions read for the evidence, once each (they never change).
    task_definitions: crate::aws::task_definitions::TaskDefinitionCache,
}

impl Runner {
    /// A runner on one source.
    pub fn new(
        clients: Clients,
        scope: Scope,
        started: Instant,
        messages: UnboundedSender<Msg>,
    ) -> Self {
        Self::over(vec![(clients, String::new())], scope, started, messages)
    }

    /// A runner over several sources, each with its clients and the name results give it:
    /// feed `i` of the app is `sources[i]`.
    pub fn over(
        sources: Vec<(Clients, String)>,
        scope: Scope,
        started: Instant,
        messages: UnboundedSender<Msg>,
    ) -> Self {
        let several = sources.len() > 1;
        let reach = sources
            .into_iter()
            .map(|(clients, label)| Reach {
                actions: clients.without_retries(),
                clients,
                label: if several { label } else { String::new() },
            })
            .collect();
        Self {
            reach: Arc::new(reach),
            scope: Arc::new(scope),
            started,
            messages,
            audit: Audit::default_location(),
            task_definitions: crate::aws::task_definitions::TaskDefinitionCache::default(),
        }
    }

    /// Writes the audit log at `audit` instead of the state directory.
    pub fn with_audit(mut self, audit: Audit) -> Self {
        self.audit = Some(audit);
        self
    }

    fn mono(&self) -> Mono {
        self.started.elapsed().as_millis() as Mono
    }

    fn reach(&self, feed: FeedId) -> Option<&Reach> {
        self.reach.get(feed)
    }

    pub fn run(&self, command: Command) {
        let runner = self.clone();
        tokio::spawn(async move {
            let msg = match command {
                Command::TakeSnapshot(feed) => runner.snapshot(feed, Reuse::Recent).await,
                Command::ReadEverything(feed) => runner.snapshot(feed, Reuse::Unchangeable).await,
                Command::Prepare(ops) => {
                    let mut results = Vec::new();
                    for (feed, op) in &ops {
                        let result = match runner.reach(*feed) {
                            Some(reach) => runner.prepare_with_evidence(&reach.clients, op).await,
                            None => Err(crate::ops::OpError::Invalid(format!(
                                "no source {feed}: nothing was read"
                            ))),
                        };
                        results.push((*feed, result));
                    }
                    Some(Msg::Prepared { results })
                }
                Command::Execute(plans) => Some(Box::pin(runner.execute(&plans)).await),
                Command::WriteReport(feed, deployment) => Some(Msg::ReportWritten(
                    Box::pin(runner.report(feed, &deployment)).await,
                )),
                Command::RefreshHot(feed, set) => {
                    // One task a lane: each comes back when its own service answers.
                    let lanes = set.lanes();
                    let mut lanes = lanes.iter();
                    let Some(first) = lanes.next() else { return };
                    for lane in lanes {
                        runner.run(Command::RefreshHot(
                            feed,
                            Box::new(set.only(Lanes::one(lane))),
                        ));
                    }
                    let set = set.only(Lanes::one(first));
                    let Some(reach) = runner.reach(feed) else {
                        return;
                    };
                    let update = hot::refresh(&reach.clients, &set).await;
                    let at = runner.mono();
                    Some(Msg::HotRefreshed {
                        feed,
                        at,
                        update: Box::new(update),
                        server_time: reach.clients.server_time(),
                        budgets: reach.clients.budgets(),
                    })
                }
            };
            // The loop has stopped when nobody listens: nothing left to tell.
            if let Some(msg) = msg {
                let _ = runner.messages.send(msg);
            }
        });
    }

    /// The fresh-state check of an action, with the evidence beside its decision (a gate, a
    /// Ready wait, a pause hook) in its plan, task definitions read once through the
    /// runner's cache; a line saying why when the evidence cannot be read.
    async fn prepare_with_evidence(
        &self,
        clients: &Clients,
        op: &crate::ops::Op,
    ) -> Result<Plan, crate::ops::OpError> {
        let mut plan = prepare(clients, op).await?;
        if let Some(point) = crate::ops::cli::evidence_point(&plan.call) {
            let lines = crate::evidence::plan_lines_in(clients, &self.task_definitions, &point);
            plan.summary.extend(Box::pin(lines).await);
        }
        Ok(plan)
    }

    /// The postmortem report of `deployment` in source `feed`, as Markdown, written under the
    /// state directory (`reports/`); its path.
    async fn report(
        &self,
        feed: FeedId,
        deployment: &crate::model::DeploymentRef,
    ) -> Result<std::path::PathBuf, String> {
        let reach = self.reach(feed).ok_or("no such source")?;
        let id = deployment.to_string();
        let report = crate::report::gather(&reach.clients, &id, self.audit.as_ref())
            .await
            .map_err(|e| e.to_string())?;
        let dir = crate::paths::state_dir()
            .ok_or("no state directory (set HOME or XDG_STATE_HOME)")?
            .join("reports");
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let name = id.rsplit('/').next().unwrap_or(&id);
        let stamp = crate::model::Timestamp::now().rfc3339().replace(':', "");
        let path = dir.join(format!("{name}-{stamp}.md"));
        crate::report::cli::write(&path, &crate::report::markdown(&report), false)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(path)
    }

    /// A cold snapshot of source `feed`.
    async fn snapshot(&self, feed: FeedId, reuse: Reuse) -> Option<Msg> {
        let reach = self.reach(feed)?;
        let result = snapshot::take_with(&reach.clients, &self.scope, reuse).await;
        if result.is_ok() {
            reach.clients.settle_budgets();
        }
        let at = self.mono();
        // The runtime's live tasks, for the soak (scripts/soak.py) to see a leak of tasks in
        // the log (CUTOVER_LOG=cutover::app::runner=debug).
        let tasks = tokio::runtime::Handle::current()
            .metrics()
            .num_alive_tasks();
        tracing::debug!(ok = result.is_ok(), tasks, feed, "cold snapshot");
        Some(Msg::SnapshotTaken {
            feed,
            at,
            result: result.map(Box::new),
            budgets: reach.clients.budgets(),
        })
    }

    /// Sends confirmed plans in order, each to its source with that source's clients (the
    /// audit record names the source they act in); each result names its target, and its
    /// source when there are several.
    async fn execute(&self, plans: &[(FeedId, Plan)]) -> Msg {
        let mut results = Vec::new();
        let tell = self.messages.clone();
        let progress = move |line: &str| {
            let _ = tell.send(Msg::ActionProgress(line.to_owned()));
        };
        // Who acts, asked once per source.
        let mut whos = std::collections::BTreeMap::new();
        for (feed, plan) in plans {
            let Some(reach) = self.reach(*feed) else {
                continue;
            };
            if !whos.contains_key(feed) {
                // With several sources, the record names the one it acted in.
                let who = crate::ops::who(&reach.clients).await.map(|mut who| {
                    if !reach.label.is_empty() {
                        who.source_name = Some(reach.label.clone());
                    }
                    who
                });
                whos.insert(*feed, who);
            }
            let outcome = match (&self.audit, &whos[feed]) {
                (Some(audit), Ok(who)) => execute(&reach.actions, plan, audit, who, &progress)
                    .await
                    .map(|o| o.message)
                    .into(),
                (None, _) => Ended::Failed(
                    "no state directory for the audit log: nothing was sent".to_owned(),
                ),
                (_, Err(e)) => {
                    Ended::Failed(format!("cannot tell who acts ({e}): nothing was sent"))
                }
            };
            let target = if reach.label.is_empty() {
                plan.op.target()
            } else {
                format!("{} · {}", reach.label, plan.op.target())
            };
            results.push((target, outcome));
        }
        Msg::Executed { results }
    }
}
