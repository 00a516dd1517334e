//! Task definitions for the evidence, read with DescribeTaskDefinition once per revision: a
//! registered revision never changes, so what was read is kept, by ARN, in a bounded cache
//! that the console and the command line share (a clone is a handle on the same cache). A
//! read in flight is joined rather than repeated; a failed read is not kept, and is asked
//! again next time. The values of environment variables and secrets go no further than the
//! mapping below: the model keeps their fingerprints only.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};

use aws_sdk_ecs::types as sdk;
use tokio::sync::OnceCell;

use super::{AwsError, Clients};
use crate::model::evidence::{Container, Fingerprint, TaskDefinition};

/// Revisions kept: a release of a few hundred services compares two each.
pub const CAPACITY: usize = 1024;

type Cell = Arc<OnceCell<TaskDefinition>>;

#[derive(Debug, Default)]
struct Inner {
    cells: HashMap<String, Cell>,
    /// ARNs in the order first asked, to forget the oldest past the capacity.
    order: VecDeque<String>,
}

/// Task definitions read, by ARN. `Send + Sync`, cloned cheaply: every clone is the same
/// cache.
#[derive(Debug, Clone)]
pub struct TaskDefinitionCache {
    inner: Arc<Mutex<Inner>>,
    capacity: usize,
}

impl Default for TaskDefinitionCache {
    fn default() -> Self {
        Self::with_capacity(CAPACITY)
    }
}

impl TaskDefinitionCache {
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            inner: Arc::default(),
            capacity: capacity.max(1),
        }
    }

    fn cell(&self, arn: &str) -> Cell {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(cell) = inner.cells.get(arn) {
            return Arc::clone(cell);
        }
        while inner.cells.len() >= self.capacity {
            let Some(oldest) = inner.order.pop_front() else {
                break;
            };
            inner.cells.remove(&oldest);
        }
        let cell = Cell::default();
        inner.cells.insert(arn.to_owned(), Arc::clone(&cell));
        inner.order.push_back(arn.to_owned());
        cell
    }

    /// How many revisions are kept (read, or being read).
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .cells
            .len()
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A task definition: from the cache, else DescribeTaskDefinition (kept once read).
pub async fn task_definition(
    c: &Clients,
    cache: &TaskDefinitionCache,
    arn: &str,
) -> Result<TaskDefinition, AwsError> {
    cache
        .cell(arn)
        .get_or_try_init(|| describe(c, arn))
        .await
        .cloned()
}

async fn describe(c: &Clients, arn: &str) -> Result<TaskDefinition, AwsError> {
    let _slot = c.ecs.slot().await;
    let out = c
        .ecs
        .client
        .describe_task_definition()
        .task_definition(arn)
        .send()
        .await
        .map_err(|e| c.error("ecs", "DescribeTaskDefinition", &e).on(arn))?;
    let found = out.task_definition().ok_or_else(|| {
        AwsError::local(
            "ecs",
            "DescribeTaskDefinition",
            "the answer carries no task definition",
        )
        .on(arn)
    })?;
    Ok(from_sdk(arn, found))
}

/// The evidence's subset of a task definition; values become fingerprints here.
pub(crate) fn from_sdk(arn: &str, t: &sdk::TaskDefinition) -> TaskDefinition {
    TaskDefinition {
        arn: t.task_definition_arn().unwrap_or(arn).to_owned(),
        cpu: t.cpu().map(str::to_owned),
        memory: t.memory().map(str::to_owned),
        containers: t.container_definitions().iter().map(container).collect(),
    }
}

fn container(c: &sdk::ContainerDefinition) -> Container {
    Container {
        name: c.name().unwrap_or_default().to_owned(),
        image: c.image().unwrap_or_default().to_owned(),
        // ECS reports an unset container CPU as 0.
        cpu: Some(c.cpu()).filter(|n| *n != 0),
        memory: c.memory(),
        memory_reservation: c.memory_reservation(),
        environment: c
            .environment()
            .iter()
            .filter_map(|p| Some((p.name()?.to_owned(), Fingerprint::of(p.value()?))))
            .collect(),
        secrets: c
            .secrets()
            .iter()
            .map(|s| (s.name().to_owned(), Fingerprint::of(s.value_from())))
            .collect(),
        ports: c.port_mappings().iter().filter_map(port).collect(),
        command: c.command().to_vec(),
        entry_point: c.entry_point().to_vec(),
    }
}

/// `8080/tcp`, or `80→8080/tcp` when the host port differs (bridge mode).
fn port(p: &sdk::PortMapping) -> Option<String> {
    let container = p.container_port()?;
    let protocol = p.protocol().map_or("tcp", sdk::TransportProtocol::as_str);
    Some(match p.host_port() {
        Some(host) if host != 0 && host != container => {
            format!("{host}→{container}/{protocol}")
        }
        _ => format!("{container}/{protocol}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_forgets_the_oldest_past_its_capacity_and_clones_share_it() {
        let cache = TaskDefinitionCache::with_capacity(2);
        let handle = cache.clone();
        let first = cache.cell("a");
        let _ = cache.cell("b");
        assert!(Arc::ptr_eq(&first, &handle.cell("a")), "clones share cells");
        let _ = cache.cell("c");
        assert_eq!(cache.len(), 2);
        assert!(!Arc::ptr_eq(&first, &cache.cell("a")), "a was forgotten");
        fn shareable<T: Send + Sync + Clone>() {}
        shareable::<TaskDefinitionCache>();
    }

    #[test]
    fn a_description_keeps_names_and_fingerprints_never_values() {
        let sdk_definition = sdk::TaskDefinition::builder()
            .task_definition_arn("arn:aws:ecs:eu-west-1:1:task-definition/web:3")
            .cpu("256")
            .memory("512")
            .container_definitions(
                sdk::ContainerDefinition::builder()
                    .name("web")
                    .image("web:1.5.0")
                    .environment(
                        sdk::KeyValuePair::builder()
                            .name("DB_URL")
                            .value("postgres://hidden")
                            .build(),
                    )
                    .secrets(
                        sdk::Secret::builder()
                            .name("API_KEY")
                            .value_from("arn:aws:secretsmanager:eu-west-1:1:secret:api")
                            .build()
                            .expect("a secret"),
                    )
                    .port_mappings(
                        sdk::PortMapping::builder()
                            .container_port(8080)
                            .host_port(8080)
                            .protocol(sdk::TransportProtocol::Tcp)
                            .build(),
                    )
                    .command("serve")
                    .build(),
            )
            .build();
        let td = from_sdk("web:3", &sdk_definition);
        let web = &td.containers[0];
        assert_eq!(web.ports, ["8080/tcp"]);
        assert_eq!(web.command, ["serve"]);
        assert!(web.environment.contains_key("DB_URL"));
        assert!(web.secrets.contains_key("API_KEY"));
        assert!(!format!("{td:?}").contains("hidden"));
        assert!(!format!("{td:?}").contains("secretsmanager"));
    }
}
