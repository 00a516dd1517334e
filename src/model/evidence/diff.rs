//! What changes between two task definitions: per container the image, the names of the
//! environment variables and secrets added, removed or changed, CPU and memory, port
//! mappings, command and entry point; containers added or removed; the task's CPU and memory.
//! Values of environment variables and secrets are compared through their fingerprints only:
//! nothing here can hold, print or serialize a value.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;
use sha2::{Digest, Sha256};

/// A value that must never be kept: its SHA-256, enough to tell two values apart. It is
/// neither printed (its `Debug` hides it) nor serialized.
#[derive(Clone, PartialEq, Eq)]
pub struct Fingerprint([u8; 32]);

impl Fingerprint {
    pub fn of(value: &str) -> Self {
        Self(Sha256::digest(value.as_bytes()).into())
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Fingerprint(…)")
    }
}

/// What a task definition revision runs, as the evidence compares it (the subset of
/// DescribeTaskDefinition's `taskDefinition` it needs). A revision never changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskDefinition {
    pub arn: String,
    /// Task-level CPU units and memory, as ECS gives them (strings: `"256"`, `"0.5 vCPU"`).
    pub cpu: Option<String>,
    pub memory: Option<String>,
    pub containers: Vec<Container>,
}

/// One container definition of a [`TaskDefinition`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Container {
    pub name: String,
    pub image: String,
    pub cpu: Option<i32>,
    pub memory: Option<i32>,
    pub memory_reservation: Option<i32>,
    /// Environment variable names with their values' fingerprints.
    pub environment: BTreeMap<String, Fingerprint>,
    /// Secret names with their `valueFrom`'s fingerprints.
    pub secrets: BTreeMap<String, Fingerprint>,
    /// `8080/tcp`, `80→8080/tcp`: a mapping each.
    pub ports: Vec<String>,
    pub command: Vec<String>,
    pub entry_point: Vec<String>,
}

/// One field that differs: what it was and what it will be (`None`: not set).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub field: &'static str,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// Names added, removed, or whose value changed: environment variables or secrets.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Names {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<String>,
}

impl Names {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }

    fn between(from: &BTreeMap<String, Fingerprint>, to: &BTreeMap<String, Fingerprint>) -> Self {
        let mut names = Self::default();
        for (name, value) in to {
            match from.get(name) {
                None => names.added.push(name.clone()),
                Some(old) if old != value => names.changed.push(name.clone()),
                Some(_) => {}
            }
        }
        names.removed = from
            .keys()
            .filter(|name| !to.contains_key(*name))
            .cloned()
            .collect();
        names
    }
}

/// A container's part of the difference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum ContainerDiff {
    Added {
        name: String,
        image: String,
    },
    Removed {
        name: String,
        image: String,
    },
    Changed {
        name: String,
        /// Image, CPU, memory, ports, command, entry point: those that differ.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        fields: Vec<Change>,
        #[serde(skip_serializing_if = "Names::is_empty")]
        environment: Names,
        #[serde(skip_serializing_if = "Names::is_empty")]
        secrets: Names,
    },
}

/// The difference between what runs (`from`) and what will run (`to`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diff {
    pub from: String,
    pub to: String,
    /// Task-level CPU and memory, when they differ.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub task: Vec<Change>,
    /// Only the containers that differ, in the order of `to` and then those removed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub containers: Vec<ContainerDiff>,
}

impl Diff {
    pub fn between(from: &TaskDefinition, to: &TaskDefinition) -> Self {
        let mut task = Vec::new();
        change(&mut task, "cpu", from.cpu.clone(), to.cpu.clone());
        change(&mut task, "memory", from.memory.clone(), to.memory.clone());
        let mut containers = Vec::new();
        for c in &to.containers {
            match from.containers.iter().find(|old| old.name == c.name) {
                None => containers.push(ContainerDiff::Added {
                    name: c.name.clone(),
                    image: c.image.clone(),
                }),
                Some(old) => {
                    if let Some(d) = container(old, c) {
                        containers.push(d);
                    }
                }
            }
        }
        for old in &from.containers {
            if !to.containers.iter().any(|c| c.name == old.name) {
                containers.push(ContainerDiff::Removed {
                    name: old.name.clone(),
                    image: old.image.clone(),
                });
            }
        }
        Self {
            from: from.arn.clone(),
            to: to.arn.clone(),
            task,
            containers,
        }
    }

    /// Nothing differs that the evidence compares.
    pub fn is_empty(&self) -> bool {
        self.task.is_empty() && self.containers.is_empty()
    }
}

fn change(out: &mut Vec<Change>, field: &'static str, from: Option<String>, to: Option<String>) {
    if from != to {
        out.push(Change { field, from, to });
    }
}

fn joined(words: &[String]) -> Option<String> {
    (!words.is_empty()).then(|| words.join(" "))
}

fn container(from: &Container, to: &Container) -> Option<ContainerDiff> {
    let mut fields = Vec::new();
    let number = |n: Option<i32>| n.map(|n| n.to_string());
    change(
        &mut fields,
        "image",
        Some(from.image.clone()),
        Some(to.image.clone()),
    );
    change(&mut fields, "cpu", number(from.cpu), number(to.cpu));
    change(
        &mut fields,
        "memory",
        number(from.memory),
        number(to.memory),
    );
    change(
        &mut fields,
        "memory reservation",
        number(from.memory_reservation),
        number(to.memory_reservation),
    );
    change(&mut fields, "ports", joined(&from.ports), joined(&to.ports));
    change(
        &mut fields,
        "command",
        joined(&from.command),
        joined(&to.command),
    );
    change(
        &mut fields,
        "entry point",
        joined(&from.entry_point),
        joined(&to.entry_point),
    );
    let environment = Names::between(&from.environment, &to.environment);
    let secrets = Names::between(&from.secrets, &to.secrets);
    if fields.is_empty() && environment.is_empty() && secrets.is_empty() {
        return None;
    }
    Some(ContainerDiff::Changed {
        name: to.name.clone(),
        fields,
        environment,
        secrets,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn web(image: &str, env: &[(&str, &str)]) -> Container {
        Container {
            name: "web".into(),
            image: image.into(),
            environment: env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), Fingerprint::of(v)))
                .collect(),
            ports: vec!["8080/tcp".into()],
            ..Container::default()
        }
    }

    fn definition(arn: &str, cpu: &str, containers: Vec<Container>) -> TaskDefinition {
        TaskDefinition {
            arn: arn.into(),
            cpu: Some(cpu.into()),
            memory: Some("512".into()),
            containers,
        }
    }

    #[test]
    fn environment_names_are_told_added_removed_or_changed_by_fingerprint() {
        let from = definition(
            "web:7",
            "256",
            vec![web(
                "web:1.4.2",
                &[("DB_URL", "postgres://a"), ("OLD_FLAG", "1"), ("SAME", "x")],
            )],
        );
        let to = definition(
            "web:8",
            "512",
            vec![web(
                "web:1.5.0",
                &[
                    ("DB_URL", "postgres://b"),
                    ("FEATURE_X", "on"),
                    ("SAME", "x"),
                ],
            )],
        );
        let diff = Diff::between(&from, &to);
        assert_eq!(
            diff.task,
            vec![Change {
                field: "cpu",
                from: Some("256".into()),
                to: Some("512".into())
            }]
        );
        let [
            ContainerDiff::Changed {
                name,
                fields,
                environment,
                secrets,
            },
        ] = diff.containers.as_slice()
        else {
            panic!("one container changed: {diff:?}");
        };
        assert_eq!(name, "web");
        assert_eq!(fields.len(), 1, "only the image: {fields:?}");
        assert_eq!(fields[0].field, "image");
        assert_eq!(environment.added, ["FEATURE_X"]);
        assert_eq!(environment.removed, ["OLD_FLAG"]);
        assert_eq!(environment.changed, ["DB_URL"]);
        assert!(secrets.is_empty());
        assert!(
            !format!("{from:?}").contains("postgres"),
            "Debug hides values"
        );
    }

    #[test]
    fn containers_added_and_removed_and_nothing_changed() {
        let mut sidecar = web("envoy:1.2", &[]);
        sidecar.name = "envoy".into();
        let from = definition("web:7", "256", vec![web("web:1", &[])]);
        let to = definition("web:8", "256", vec![web("web:1", &[]), sidecar]);
        let diff = Diff::between(&from, &to);
        assert_eq!(
            diff.containers,
            vec![ContainerDiff::Added {
                name: "envoy".into(),
                image: "envoy:1.2".into()
            }]
        );
        let back = Diff::between(&to, &from);
        assert!(matches!(back.containers[0], ContainerDiff::Removed { .. }));
        assert!(Diff::between(&from, &from).is_empty());
    }
}
