//! Carries out commands: each runs in a task of its own and reports back as a message. It
//! holds the AWS clients; the state stays in `update`.

use std::sync::Arc;
use std::time::Instant;

use tokio::sync::mpsc::UnboundedSender;

use super::{Command, Mono, Msg};
use crate::aws::{Clients, hot, snapshot};
use crate::config::Scope;

#[derive(Clone)]
pub struct Runner {
    clients: Arc<Clients>,
    scope: Arc<Scope>,
    started: Instant,
    messages: UnboundedSender<Msg>,
}

impl Runner {
    pub fn new(
        clients: Clients,
        scope: Scope,
        started: Instant,
        messages: UnboundedSender<Msg>,
    ) -> Self {
        Self {
            clients: Arc::new(clients),
            scope: Arc::new(scope),
            started,
            messages,
        }
    }

    fn mono(&self) -> Mono {
        self.started.elapsed().as_millis() as Mono
    }

    pub fn run(&self, command: Command) {
        let runner = self.clone();
        tokio::spawn(async move {
            let msg = match command {
                Command::TakeSnapshot => {
                    let result = snapshot::take(&runner.clients, &runner.scope).await;
                    let at = runner.mono();
                    tracing::debug!(ok = result.is_ok(), "cold snapshot");
                    Msg::SnapshotTaken {
                        at,
                        result: result.map(Box::new).map_err(|e| e.to_string()),
                    }
                }
                Command::RefreshHot(set) => {
                    let update = hot::refresh(&runner.clients, &set).await;
                    let at = runner.mono();
                    Msg::HotRefreshed {
                        at,
                        update: Box::new(update),
                        server_time: runner.clients.server_time(),
                    }
                }
            };
            // The loop has stopped when nobody listens: nothing left to tell.
            let _ = runner.messages.send(msg);
        });
    }
}
