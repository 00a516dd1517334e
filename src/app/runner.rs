//! Carries out commands: each runs in a task of its own and reports back as a message. It
//! holds the AWS clients (those that read, with the SDK's retries, and those that act, with
//! none: one press sends one call); the state stays in `update`.

use std::sync::Arc;
use std::time::Instant;

use tokio::sync::mpsc::UnboundedSender;

use super::{Command, Mono, Msg};
use crate::audit::Audit;
use crate::aws::hot::Lanes;
use crate::aws::snapshot::Reuse;
use crate::aws::{Clients, hot, snapshot};
use crate::config::Scope;
use crate::ops::Ended;
use crate::ops::execute::execute;
use crate::ops::prepare::prepare;

#[derive(Clone)]
pub struct Runner {
    clients: Arc<Clients>,
    /// The same clients with retries off, for the mutations alone.
    actions: Arc<Clients>,
    scope: Arc<Scope>,
    started: Instant,
    messages: UnboundedSender<Msg>,
    audit: Option<Audit>,
}

impl Runner {
    pub fn new(
        clients: Clients,
        scope: Scope,
        started: Instant,
        messages: UnboundedSender<Msg>,
    ) -> Self {
        Self {
            actions: Arc::new(clients.without_retries()),
            clients: Arc::new(clients),
            scope: Arc::new(scope),
            started,
            messages,
            audit: Audit::default_location(),
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

    pub fn run(&self, command: Command) {
        let runner = self.clone();
        tokio::spawn(async move {
            let msg = match command {
                Command::TakeSnapshot | Command::ReadEverything => {
                    let reuse = if command == Command::ReadEverything {
                        Reuse::Unchangeable
                    } else {
                        Reuse::Recent
                    };
                    let result = snapshot::take_with(&runner.clients, &runner.scope, reuse).await;
                    if result.is_ok() {
                        runner.clients.settle_budgets();
                    }
                    let at = runner.mono();
                    // The runtime's live tasks, for the soak (scripts/soak.py) to see a leak of
                    // tasks in the log (CUTOVER_LOG=cutover::app::runner=debug).
                    let tasks = tokio::runtime::Handle::current()
                        .metrics()
                        .num_alive_tasks();
                    tracing::debug!(ok = result.is_ok(), tasks, "cold snapshot");
                    Msg::SnapshotTaken {
                        at,
                        source: runner.clients.source(),
                        result: result.map(Box::new),
                        budgets: runner.clients.budgets(),
                    }
                }
                Command::Prepare(ops) => {
                    let mut results = Vec::new();
                    for op in &ops {
                        results.push(prepare(&runner.clients, op).await);
                    }
                    Msg::Prepared {
                        source: runner.clients.source(),
                        results,
                    }
                }
                Command::Execute(plans) => {
                    let mut results = Vec::new();
                    let who = crate::ops::who(&runner.clients).await;
                    let tell = runner.messages.clone();
                    let progress = move |line: &str| {
                        let _ = tell.send(Msg::ActionProgress(line.to_owned()));
                    };
                    for plan in &plans {
                        let outcome = match (&runner.audit, &who) {
                            (Some(audit), Ok(who)) => {
                                execute(&runner.actions, plan, audit, who, &progress)
                                    .await
                                    .map(|o| o.message)
                                    .into()
                            }
                            (None, _) => Ended::Failed(
                                "no state directory for the audit log: nothing was sent".to_owned(),
                            ),
                            (_, Err(e)) => Ended::Failed(format!(
                                "cannot tell who acts ({e}): nothing was sent"
                            )),
                        };
                        results.push((plan.op.target(), outcome));
                    }
                    Msg::Executed {
                        source: runner.actions.source(),
                        results,
                    }
                }
                Command::RefreshHot(set) => {
                    // One task a lane: each comes back when its own service answers.
                    let lanes = set.lanes();
                    let mut lanes = lanes.iter();
                    let Some(first) = lanes.next() else { return };
                    for lane in lanes {
                        runner.run(Command::RefreshHot(Box::new(set.only(Lanes::one(lane)))));
                    }
                    let set = set.only(Lanes::one(first));
                    let update = hot::refresh(&runner.clients, &set).await;
                    let at = runner.mono();
                    Msg::HotRefreshed {
                        at,
                        source: runner.clients.source(),
                        update: Box::new(update),
                        server_time: runner.clients.server_time(),
                        budgets: runner.clients.budgets(),
                    }
                }
            };
            // The loop has stopped when nobody listens: nothing left to tell.
            let _ = runner.messages.send(msg);
        });
    }
}
