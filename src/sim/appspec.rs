//! ECS AppSpec revisions: reading the `AppSpecContent` a CreateDeployment carries (YAML or
//! JSON), and writing the one a pipeline's deploy action sends. A malformed AppSpec is an
//! `InvalidRevisionException`, never a panic.

use std::fmt::Write as _;

use serde_yaml::Value;
use sha2::{Digest, Sha256};

use super::error::{ApiError, ApiResult};
use super::world::World;
use super::world::codedeploy::{LifecycleEventName, Revision, RevisionSource};

/// The lowercase hex SHA-256 of an AppSpec: how CodeDeploy names an AppSpecContent revision
/// (AWS documents `AppSpecContent.sha256` as "The SHA256 hash value of the revision content").
pub fn sha256_hex(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    let mut hex = String::with_capacity(64);
    for byte in digest {
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new("InvalidRevisionException", message)
}

/// The most AppSpec text the simulator reads. AWS documents no limit for `content`, and real
/// AppSpecs are a few hundred bytes; but YAML parsing costs tens of microseconds per level
/// of flow nesting, so a request of megabytes of `[` held the world for minutes.
pub const MAX_CONTENT: usize = 64 * 1024;

/// serde_yaml refuses nesting deeper than 128 anyway, but only after the parser has paid
/// for every level: counted first, it is refused at once. Brackets in quoted strings count
/// too, so an AppSpec with more than this many unclosed brackets in its strings is refused;
/// no real one has any.
const MAX_FLOW_DEPTH: usize = 128;

/// The deepest nesting of `[`/`{` in `content`, counting every bracket.
fn flow_depth(content: &str) -> usize {
    let mut depth = 0usize;
    let mut deepest = 0;
    for byte in content.bytes() {
        match byte {
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// Parses AppSpec content and checks its sha256 when one is given.
pub fn parse(content: &str, sha256: Option<&str>) -> ApiResult<Revision> {
    let computed = sha256_hex(content);
    if let Some(given) = sha256.filter(|s| !s.is_empty())
        && !given.eq_ignore_ascii_case(&computed)
    {
        return Err(invalid(
            "The AppSpec content does not match its sha256 digest",
        ));
    }
    if content.len() > MAX_CONTENT {
        return Err(invalid(format!(
            "The AppSpec content is {} bytes; the simulator reads at most {MAX_CONTENT}",
            content.len()
        )));
    }
    if flow_depth(content) > MAX_FLOW_DEPTH {
        return Err(invalid(format!(
            "The AppSpec content is nested more than {MAX_FLOW_DEPTH} levels deep"
        )));
    }
    let document: Value = serde_yaml::from_str(content).map_err(|e| {
        invalid(format!(
            "The AppSpec content is not valid YAML or JSON: {e}"
        ))
    })?;
    let resources = document
        .get("Resources")
        .and_then(Value::as_sequence)
        .ok_or_else(|| invalid("The AppSpec content has no Resources list"))?;
    let properties = resources
        .iter()
        .find_map(|r| r.as_mapping().and_then(|m| m.values().next()))
        .ok_or_else(|| invalid("The AppSpec Resources list names no target service"))?;
    let kind = properties.get("Type").and_then(Value::as_str).unwrap_or("");
    if kind != "AWS::ECS::Service" {
        return Err(invalid(format!(
            "The AppSpec resource Type must be AWS::ECS::Service, not '{kind}'"
        )));
    }
    let task_definition = properties
        .get("Properties")
        .and_then(|p| p.get("TaskDefinition"))
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("The AppSpec resource has no Properties.TaskDefinition"))?
        .to_owned();
    let mut hooks = Vec::new();
    if let Some(list) = document.get("Hooks").and_then(Value::as_sequence) {
        for entry in list {
            let Some(map) = entry.as_mapping() else {
                return Err(invalid(
                    "Each AppSpec hook must be a map of event name to function",
                ));
            };
            for (name, function) in map {
                let name = name.as_str().unwrap_or_default();
                let event = LifecycleEventName::parse(name)
                    .filter(|e| e.hookable())
                    .ok_or_else(|| {
                        invalid(format!(
                            "The AppSpec hook event '{name}' is not a hookable ECS lifecycle event"
                        ))
                    })?;
                let function = function.as_str().ok_or_else(|| {
                    invalid(format!(
                        "The AppSpec hook for {name} must name a Lambda function"
                    ))
                })?;
                hooks.push((event, function.to_owned()));
            }
        }
    }
    Ok(Revision {
        source: RevisionSource::AppSpec {
            content: content.to_owned(),
            sha256: computed,
        },
        task_definition,
        hooks,
    })
}

/// The AppSpec a deploy action sends for a task definition, keeping the group's hooks.
pub fn revision_for(
    world: &World,
    task_definition: &str,
    hooks: &[(LifecycleEventName, String)],
) -> Revision {
    let (container, port) = world.task_definitions.get(task_definition).map_or_else(
        || ("app".to_owned(), 80),
        |t| (t.container_name().to_owned(), t.container_port()),
    );
    let mut content = format!(
        "version: 0.0\nResources:\n  - TargetService:\n      Type: AWS::ECS::Service\n      Properties:\n        TaskDefinition: \"{task_definition}\"\n        LoadBalancerInfo:\n          ContainerName: \"{container}\"\n          ContainerPort: {port}\n"
    );
    if !hooks.is_empty() {
        content.push_str("Hooks:\n");
        for (event, function) in hooks {
            let _ = writeln!(content, "  - {}: \"{function}\"", event.as_str());
        }
    }
    Revision {
        source: RevisionSource::AppSpec {
            sha256: sha256_hex(&content),
            content,
        },
        task_definition: task_definition.to_owned(),
        hooks: hooks.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_task_definition_and_hooks_from_yaml() {
        let content = "version: 0.0\nResources:\n  - TargetService:\n      Type: AWS::ECS::Service\n      Properties:\n        TaskDefinition: \"arn:aws:ecs:us-east-1:1:task-definition/web:3\"\nHooks:\n  - AfterAllowTestTraffic: \"arn:aws:lambda:us-east-1:1:function:smoke\"\n";
        let revision = parse(content, None).expect("valid appspec");
        assert_eq!(
            revision.task_definition,
            "arn:aws:ecs:us-east-1:1:task-definition/web:3"
        );
        assert_eq!(revision.hooks.len(), 1);
        assert_eq!(
            revision.hooks[0].0,
            LifecycleEventName::AfterAllowTestTraffic
        );
    }

    #[test]
    fn reads_json_appspec() {
        let content = r#"{"version":0.0,"Resources":[{"TargetService":{"Type":"AWS::ECS::Service","Properties":{"TaskDefinition":"td:1"}}}]}"#;
        assert_eq!(parse(content, None).expect("valid").task_definition, "td:1");
    }

    #[test]
    fn refuses_hooks_on_reserved_events_and_bad_digests() {
        let content = "Resources:\n  - T:\n      Type: AWS::ECS::Service\n      Properties:\n        TaskDefinition: td\nHooks:\n  - Install: fn\n";
        let error = parse(content, None).expect_err("Install is not hookable");
        assert_eq!(error.code, "InvalidRevisionException");
        let good = "Resources:\n  - T:\n      Type: AWS::ECS::Service\n      Properties:\n        TaskDefinition: td\n";
        assert!(parse(good, Some("00")).is_err());
        assert!(parse(good, Some(&sha256_hex(good))).is_ok());
        assert!(parse("{{{", None).is_err());
    }
}

#[cfg(test)]
mod props;
