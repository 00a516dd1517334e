//! Application revisions: the `RevisionLocation` CreateDeployment takes (AppSpecContent or S3),
//! the one GetDeployment and BatchGetDeployments answer with, and GetApplicationRevision.
//!
//! As AWS documents it for GetDeployment: "The `content` property of the `appSpecContent`
//! object in the returned revision is always null. Use `GetApplicationRevision` and the
//! `sha256` property of the returned `appSpecContent` object to get the content of the
//! deployment's AppSpec file." So a deployment names its AppSpec by its SHA-256 only, and the
//! text comes from GetApplicationRevision, which finds every revision a deployment of the
//! application used (CodeDeploy registers them to the application).

use serde_json::{Value, json};

use crate::sim::api::ts;
use crate::sim::appspec;
use crate::sim::engine::deploy;
use crate::sim::error::{ApiError, ApiResult};
use crate::sim::wire::json::Input;
use crate::sim::world::World;
use crate::sim::world::codedeploy::{Revision, RevisionSource, S3Location};

/// CodeDeploy's `ApplicationName` is 1–100 characters.
const MAX_APPLICATION_NAME: usize = 100;
/// `BundleType` values, and the two an ECS AppSpec object can be (aws-apis.md 2.10).
const BUNDLE_TYPES: [&str; 5] = ["tar", "tgz", "zip", "YAML", "JSON"];
const ECS_BUNDLE_TYPES: [&str; 2] = ["YAML", "JSON"];

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new("InvalidRevisionException", message)
}

fn s3_json(location: &S3Location) -> Value {
    let mut v = json!({ "bucket": location.bucket, "key": location.key });
    for (name, value) in [
        ("bundleType", &location.bundle_type),
        ("version", &location.version),
        ("eTag", &location.etag),
    ] {
        if let Some(value) = value {
            v[name] = json!(value);
        }
    }
    v
}

/// The revision as GetDeployment, BatchGetDeployments and GetDeploymentGroup answer it: an
/// AppSpec by its `sha256` alone (its `content` is "always null"), an S3 object by location.
pub fn location_json(revision: &Revision) -> Value {
    match &revision.source {
        RevisionSource::AppSpec { sha256, .. } => {
            json!({ "revisionType": "AppSpecContent", "appSpecContent": { "sha256": sha256 } })
        }
        RevisionSource::S3(location) => {
            json!({ "revisionType": "S3", "s3Location": s3_json(location) })
        }
    }
}

/// The revision as GetApplicationRevision answers it: with the AppSpec text.
fn full_json(revision: &Revision) -> Value {
    match &revision.source {
        RevisionSource::AppSpec { content, sha256 } => json!({
            "revisionType": "AppSpecContent",
            "appSpecContent": { "content": content, "sha256": sha256 },
        }),
        RevisionSource::S3(_) => location_json(revision),
    }
}

fn s3_location(revision: &Input) -> ApiResult<S3Location> {
    let location = revision
        .object("s3Location")?
        .ok_or_else(|| invalid("s3Location is required for an S3 revision"))?;
    let field = |name: &str| -> ApiResult<Option<String>> {
        Ok(location
            .str(name)?
            .filter(|s| !s.is_empty())
            .map(str::to_owned))
    };
    let bucket = field("bucket")?.ok_or_else(|| invalid("An S3 revision needs a bucket"))?;
    let key = field("key")?.ok_or_else(|| invalid("An S3 revision needs a key"))?;
    let bundle_type = field("bundleType")?;
    if let Some(kind) = &bundle_type
        && !BUNDLE_TYPES.contains(&kind.as_str())
    {
        return Err(invalid(format!("Unknown bundle type {kind}")));
    }
    Ok(S3Location {
        bucket,
        key,
        bundle_type,
        version: field("version")?,
        etag: field("eTag")?,
    })
}

/// The revision a CreateDeployment asks for. ECS deployments take an `AppSpecContent`
/// revision, or an `S3` one whose object is a YAML or JSON AppSpec (aws-apis.md 2.10).
pub fn requested(
    world: &World,
    application: &str,
    group: &str,
    revision: &Input,
) -> ApiResult<Revision> {
    match revision.str("revisionType")?.unwrap_or("") {
        "AppSpecContent" => {
            let content = revision.object("appSpecContent")?.ok_or_else(|| {
                invalid("appSpecContent is required for an AppSpecContent revision")
            })?;
            let text = content.str("content")?.unwrap_or("");
            appspec::parse(text, content.str("sha256")?)
        }
        "S3" => {
            let location = s3_location(revision)?;
            if let Some(kind) = location
                .bundle_type
                .as_deref()
                .filter(|k| !ECS_BUNDLE_TYPES.contains(k))
            {
                return Err(invalid(format!(
                    "An Amazon ECS deployment's AppSpec file is YAML or JSON, not {kind}"
                )));
            }
            deploy::s3_revision(world, application, group, location)
        }
        kind => Err(invalid(format!(
            "Amazon ECS deployments take revisions of type AppSpecContent or S3, not '{kind}'"
        ))),
    }
}

/// GetApplicationRevision: a revision the application's deployments used, with the AppSpec
/// text for an AppSpecContent revision (found by its `sha256`, or by the digest of the
/// `content` given instead) and when and where it was used.
pub fn get_application_revision(world: &World, input: &Input) -> ApiResult<Value> {
    let application = input.required("applicationName", "ApplicationNameRequiredException")?;
    if application.chars().count() > MAX_APPLICATION_NAME {
        return Err(ApiError::new(
            "InvalidApplicationNameException",
            format!("The application name is longer than {MAX_APPLICATION_NAME} characters"),
        ));
    }
    let Some(revision) = input.object("revision")? else {
        return Err(ApiError::new(
            "RevisionRequiredException",
            "A revision is required",
        ));
    };
    let kind = revision.str("revisionType")?.unwrap_or("");
    let wanted: Box<dyn Fn(&RevisionSource) -> bool> = match kind {
        "AppSpecContent" => {
            let content = revision.object("appSpecContent")?.ok_or_else(|| {
                invalid("appSpecContent is required for an AppSpecContent revision")
            })?;
            let sha256 = match (content.str("sha256")?, content.str("content")?) {
                (Some(sha256), _) if !sha256.is_empty() => sha256.to_ascii_lowercase(),
                (_, Some(text)) => appspec::sha256_hex(text),
                _ => {
                    return Err(invalid(
                        "An AppSpecContent revision is named by its sha256 (or its content)",
                    ));
                }
            };
            Box::new(
                move |source| matches!(source, RevisionSource::AppSpec { sha256: used, .. } if *used == sha256),
            )
        }
        "S3" => {
            let location = s3_location(&revision)?;
            Box::new(
                move |source| matches!(source, RevisionSource::S3(used) if used.matches(&location)),
            )
        }
        // Valid types that no ECS deployment can use, so none is ever registered here.
        "GitHub" | "String" => Box::new(|_| false),
        other => {
            return Err(invalid(format!("Unknown revision type '{other}'")));
        }
    };
    if !world.applications.contains_key(application) {
        return Err(ApiError::new(
            "ApplicationDoesNotExistException",
            format!("No application found for name: {application}"),
        ));
    }
    let uses: Vec<_> = deploy::uses_of(world, application, wanted).collect();
    let (Some(newest), Some(oldest)) = (uses.first(), uses.last()) else {
        return Err(ApiError::new(
            "RevisionDoesNotExistException",
            format!(
                "No application revision found for application {application} with that {kind} revision"
            ),
        ));
    };
    let mut groups: Vec<&str> = Vec::new();
    for d in uses.iter().rev() {
        if !groups.contains(&d.group.as_str()) {
            groups.push(&d.group);
        }
    }
    Ok(json!({
        "applicationName": application,
        "revision": full_json(&newest.revision),
        "revisionInfo": {
            "deploymentGroups": groups,
            "firstUsedTime": ts(oldest.created_at),
            "lastUsedTime": ts(newest.created_at),
            "registerTime": ts(oldest.created_at),
        },
    }))
}
