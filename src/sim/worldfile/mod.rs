//! World files: the TOML that describes a simulated account (clusters, services, load
//! balancers, deployment groups, pipelines), its loader, and the default world embedded in
//! the binary. The format is documented in `assets/worlds/README.md`.
//!
//! A file is refused whole with an error that names the file, the line and the field; the
//! loader must never half-build a world, nor panic on anything a file says.

mod actions;
mod build;
mod configs;
mod elb;
pub mod generate;
mod history;
mod native;
mod pipelines;
mod schema;
mod services;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_native;

use std::path::Path;

use thiserror::Error;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::engine::deploy;
use super::world::{Millis, World};

pub use generate::GenerateSpec;

/// The default world: the tutorial's two microservices beside a release of about thirty.
pub const DEFAULT_WORLD: &str = include_str!("../../../assets/worlds/default.toml");
const DEFAULT_WORLD_NAME: &str = "assets/worlds/default.toml";

#[derive(Debug, Error)]
pub enum WorldFileError {
    #[error("{file}: cannot read the world file: {source}")]
    Read {
        file: String,
        #[source]
        source: std::io::Error,
    },
    /// The text is not TOML.
    #[error("{file}: line {line}: {message}")]
    Syntax {
        file: String,
        line: usize,
        message: String,
    },
    /// A field is missing, unknown, of the wrong type, or says something the world cannot hold.
    #[error("{file}: line {line}: field `{field}`: {message}")]
    Field {
        file: String,
        line: usize,
        field: String,
        message: String,
    },
    /// A generated world could not start one of its deployments in flight.
    #[error("{file}: cannot start a deployment of {group}: {message}")]
    InFlight {
        file: String,
        group: String,
        message: String,
    },
}

impl WorldFileError {
    /// The 1-based line the error points at, when it points at one.
    pub fn line(&self) -> Option<usize> {
        match self {
            Self::Read { .. } | Self::InFlight { .. } => None,
            Self::Syntax { line, .. } | Self::Field { line, .. } => Some(*line),
        }
    }

    /// The dotted path of the field at fault (`service.deployment.config`).
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::Field { field, .. } => Some(field),
            _ => None,
        }
    }
}

/// Overrides a caller applies to a loaded world. Autopilot settings do not change what the
/// loader builds, so applying them after loading is the same as writing them in the file.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoadOptions {
    pub autopilot: Option<bool>,
    pub warmup_minutes: Option<i64>,
}

impl LoadOptions {
    pub fn apply(self, world: &mut World) {
        if let Some(enabled) = self.autopilot {
            world.autopilot.enabled = enabled;
        }
        if let Some(minutes) = self.warmup_minutes {
            world.autopilot.warmup_minutes = minutes.max(0);
        }
    }
}

/// Reads and builds a world file. `start` is the virtual time the world begins at; the
/// history the file implies (past deployments, running tasks) lies before it.
pub fn load(path: &Path, start: Millis, seed: u64) -> Result<World, WorldFileError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| WorldFileError::Read {
        file: file.clone(),
        source,
    })?;
    parse(&file, &text, start, seed)
}

/// Builds a world from TOML text; `source_name` is what errors call the file.
pub fn parse(
    source_name: &str,
    text: &str,
    start: Millis,
    seed: u64,
) -> Result<World, WorldFileError> {
    let spec: schema::WorldFile =
        toml::from_str(text).map_err(|e| from_toml(source_name, text, &e))?;
    build::build(&spec, start, seed).map_err(|e| e.into_error(source_name, text))
}

/// The embedded default world.
pub fn default_world(start: Millis, seed: u64) -> World {
    // The file is compiled in and a unit test builds it, so failing here is a build defect.
    parse(DEFAULT_WORLD_NAME, DEFAULT_WORLD, start, seed)
        .expect("the embedded default world is valid")
}

/// The deployment config of the deployments a generated world starts with: slow enough
/// (27 minutes of shifting) that they are still in flight half an hour later.
const IN_FLIGHT_CONFIG: &str = "CodeDeployDefault.ECSLinear10PercentEvery3Minutes";
/// A generated world is loaded this long before `start` and run up to it, its deployments
/// started one after another over that time, so that at `start` they are spread over the
/// phases: installing, test traffic, hooks, Ready, the first steps of the shift. Each
/// virtual second is a tick over every service, so this is most of the cost of a
/// generated world: five minutes is 300 ticks.
const IN_FLIGHT_WARMUP: Millis = 5 * 60_000;

/// A generated world (see [`generate`]) at `start`, with `spec.in_flight` deployments
/// running through the engine. Deterministic for a spec, `start` and seed.
pub fn generated_world(
    spec: &GenerateSpec,
    start: Millis,
    seed: u64,
) -> Result<World, WorldFileError> {
    let name = format!("generated world ({spec})");
    let text = generate::generate(spec, seed);
    // Nothing to run up to `start` without deployments in flight.
    let begin = if spec.in_flight == 0 {
        start
    } else {
        start - IN_FLIGHT_WARMUP
    };
    let mut world = parse(&name, &text, begin, seed)?;
    // Spread evenly over the groups, so that every cluster gets some.
    let keys: Vec<(String, String)> = world.deployment_groups.keys().cloned().collect();
    let count = spec.in_flight.min(keys.len());
    for i in 0..count {
        let (application, group) = &keys[i * keys.len() / count];
        world.advance_to(begin + IN_FLIGHT_WARMUP * i as Millis / count as Millis);
        deploy::redeploy_current(&mut world, application, group, Some(IN_FLIGHT_CONFIG)).map_err(
            |e| WorldFileError::InFlight {
                file: name.clone(),
                group: format!("{application}/{group}"),
                message: e.message,
            },
        )?;
    }
    world.advance_to(start);
    Ok(world)
}

/// A semantic error found while building, located by the span of the field at fault.
#[derive(Debug)]
pub(crate) struct Fault {
    offset: usize,
    field: String,
    message: String,
}

impl Fault {
    pub(crate) fn at<T>(
        spanned: &Spanned<T>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            offset: spanned.span().start,
            field: field.into(),
            message: message.into(),
        }
    }

    fn into_error(self, file: &str, text: &str) -> WorldFileError {
        WorldFileError::Field {
            file: file.to_owned(),
            line: line_of(text, self.offset),
            field: self.field,
            message: self.message,
        }
    }
}

pub(crate) type BuildResult<T> = Result<T, Fault>;

fn line_of(text: &str, offset: usize) -> usize {
    text.bytes().take(offset).filter(|b| *b == b'\n').count() + 1
}

/// Turns a TOML error into one that names the field: the parser reports a byte span, and
/// the field is whichever key or value of the document that span falls on.
fn from_toml(file: &str, text: &str, error: &toml::de::Error) -> WorldFileError {
    let offset = error.span().map_or(0, |s| s.start);
    let line = line_of(text, offset);
    let message = error.message().trim().to_owned();
    let Ok(document) = DeTable::parse(text) else {
        return WorldFileError::Syntax {
            file: file.to_owned(),
            line,
            message,
        };
    };
    let mut path = locate_in_table(document.get_ref(), offset).unwrap_or_default();
    let message = if let Some(missing) = quoted_after(&message, "missing field ") {
        path.push(missing);
        "required field is missing".to_owned()
    } else {
        humanize(&message)
    };
    let field = if path.is_empty() {
        "(top level)".to_owned()
    } else {
        path.join(".")
    };
    WorldFileError::Field {
        file: file.to_owned(),
        line,
        field,
        message,
    }
}

fn locate_in_table(table: &DeTable<'_>, offset: usize) -> Option<Vec<String>> {
    for (key, value) in table {
        if let Some(mut rest) = locate_in_value(value, offset) {
            rest.insert(0, key.get_ref().to_string());
            return Some(rest);
        }
        if key.span().contains(&offset) {
            return Some(vec![key.get_ref().to_string()]);
        }
    }
    None
}

/// Deeper matches win: the span of a table made by a `[header]` does not cover its keys,
/// and an inline array's span covers everything inside it.
fn locate_in_value(value: &Spanned<DeValue<'_>>, offset: usize) -> Option<Vec<String>> {
    let deeper = match value.get_ref() {
        DeValue::Table(table) => locate_in_table(table, offset),
        DeValue::Array(items) => items.iter().find_map(|item| locate_in_value(item, offset)),
        _ => None,
    };
    deeper.or_else(|| value.span().contains(&offset).then(Vec::new))
}

fn quoted_after(message: &str, prefix: &str) -> Option<String> {
    let rest = message.strip_prefix(prefix)?;
    Some(rest.trim_matches('`').to_owned())
}

/// serde's "invalid type: string \"two\", expected u32" in words a person writing TOML uses.
fn humanize(message: &str) -> String {
    let Some((found, expected)) = message.rsplit_once(", expected ") else {
        return message.to_owned();
    };
    let found = found
        .strip_prefix("invalid type: ")
        .or_else(|| found.strip_prefix("invalid value: "));
    let expected = match expected {
        "u16" => "an integer from 0 to 65535",
        "u32" | "u64" | "usize" => "a non-negative integer",
        "i32" | "i64" => "an integer",
        "f64" => "a number",
        other => other,
    };
    match found {
        Some(found) => format!("expected {expected}, found {found}"),
        None => message.to_owned(),
    }
}
