//! What a CodeDeploy deployment deploys. GetDeployment and BatchGetDeployments name an
//! AppSpec revision by its `sha256` only: "The `content` property of the `appSpecContent`
//! object in the returned revision is always null. Use `GetApplicationRevision` and the
//! `sha256` property of the returned `appSpecContent` object to get the content" (AWS's
//! GetDeployment documentation). So the text is read with GetApplicationRevision, once per
//! revision for as long as the clients live: a revision never changes. An S3 revision needs
//! no read: GetDeployment gives its bucket, key and version, and it is deployed again by
//! reference (its AppSpec object is in S3, which cutover does not read).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use aws_sdk_codedeploy::types as sdk;
use futures::future::join_all;
use tokio::sync::OnceCell;

use super::{AwsError, Clients, ErrorKind};
use crate::model::deploy::{Deployment, Revision};

/// An application and an AppSpec's SHA-256: how CodeDeploy names an AppSpecContent revision.
type Key = (String, String);
/// The AppSpec text, or an error that asking again would only repeat (denied, not found).
type Read = Result<String, AwsError>;

/// AppSpec texts read with GetApplicationRevision, shared by every clone of the clients. A
/// read in flight is joined rather than repeated, so one snapshot never asks twice.
#[derive(Debug, Clone, Default)]
pub struct RevisionCache(Arc<Mutex<HashMap<Key, Arc<OnceCell<Read>>>>>);

impl RevisionCache {
    fn cell(&self, key: Key) -> Arc<OnceCell<Read>> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(key)
            .or_default()
            .clone()
    }

    /// The AppSpec text when it was read already.
    fn content(&self, application: &str, sha256: &str) -> Option<String> {
        let map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let cell = map.get(&(application.to_owned(), sha256.to_owned()))?;
        cell.get()?.as_ref().ok().cloned()
    }
}

/// The revision of a GetDeployment answer. An answer that carries the AppSpec text (some
/// AWS-compatible servers send it) needs no GetApplicationRevision.
pub(crate) fn from_sdk(location: Option<&sdk::RevisionLocation>) -> Option<Revision> {
    let location = location?;
    let kind = location.revision_type().map(|t| t.as_str().to_owned());
    if let Some(s3) = location.s3_location() {
        return Some(Revision::S3 {
            bucket: s3.bucket().unwrap_or_default().to_owned(),
            key: s3.key().unwrap_or_default().to_owned(),
            bundle_type: s3.bundle_type().map(|b| b.as_str().to_owned()),
            version: s3.version().map(str::to_owned),
            etag: s3.e_tag().map(str::to_owned),
        });
    }
    if let Some(appspec) = location.app_spec_content() {
        let content = appspec.content().map(str::to_owned);
        let sha256 = appspec
            .sha256()
            .filter(|s| !s.is_empty())
            .map(str::to_ascii_lowercase)
            .or_else(|| content.as_deref().map(sha256_hex));
        if let Some(sha256) = sha256 {
            return Some(Revision::AppSpec {
                sha256,
                task_definition: content.as_deref().and_then(task_definition_of),
                content,
            });
        }
    }
    Some(Revision::Other {
        revision_type: kind.unwrap_or_else(|| "unknown".to_owned()),
    })
}

/// The hex SHA-256 of an AppSpec, as CodeDeploy names an AppSpecContent revision.
fn sha256_hex(text: &str) -> String {
    use sha2::{Digest, Sha256};
    use std::fmt::Write as _;
    Sha256::digest(text.as_bytes())
        .iter()
        .fold(String::with_capacity(64), |mut hex, b| {
            let _ = write!(hex, "{b:02x}");
            hex
        })
}

/// The `TaskDefinition` an ECS AppSpec (YAML or JSON) names.
pub fn task_definition_of(content: &str) -> Option<String> {
    let document: serde_yaml::Value = serde_yaml::from_str(content).ok()?;
    let resources = document.get("Resources")?.as_sequence()?;
    resources.iter().find_map(|r| {
        let properties = r.as_mapping()?.values().next()?.get("Properties")?;
        properties
            .get("TaskDefinition")?
            .as_str()
            .map(str::to_owned)
    })
}

fn lasting(error: &AwsError) -> bool {
    // A denial is not: the policy may be fixed while the console runs (GetApplicationRevision
    // is a permission older policies lack), and the next read must then succeed.
    error.kind == ErrorKind::NotFound
}

/// The text of an application's AppSpec revision: GetApplicationRevision the first time,
/// the cache after. An unknown revision is remembered too (asking again would only repeat
/// it); a denial, a throttle, a timeout or a server error is asked again next time.
pub async fn appspec(c: &Clients, application: &str, sha256: &str) -> Result<String, AwsError> {
    let cell = c
        .revisions
        .cell((application.to_owned(), sha256.to_owned()));
    let read = cell
        .get_or_try_init(|| async {
            match get_application_revision(c, application, sha256).await {
                Ok(content) => Ok(Ok(content)),
                Err(error) if lasting(&error) => Ok(Err(error)),
                Err(error) => Err(error),
            }
        })
        .await?;
    read.clone()
}

async fn get_application_revision(
    c: &Clients,
    application: &str,
    sha256: &str,
) -> Result<String, AwsError> {
    let target = format!(
        "{application} revision {}",
        sha256.get(..12).unwrap_or(sha256)
    );
    let revision = sdk::RevisionLocation::builder()
        .revision_type(sdk::RevisionLocationType::AppSpecContent)
        .app_spec_content(sdk::AppSpecContent::builder().sha256(sha256).build())
        .build();
    let _slot = c.codedeploy.slot().await;
    let out = c
        .codedeploy
        .client
        .get_application_revision()
        .application_name(application)
        .revision(revision)
        .send()
        .await
        .map_err(|e| {
            c.error("codedeploy", "GetApplicationRevision", &e)
                .on(target.clone())
        })?;
    out.revision()
        .and_then(|r| r.app_spec_content())
        .and_then(|a| a.content())
        .map(str::to_owned)
        .ok_or_else(|| {
            let mut error = AwsError::local(
                "codedeploy",
                "GetApplicationRevision",
                "the answer carries no AppSpec content",
            )
            .on(target);
            error.kind = ErrorKind::NotFound;
            error
        })
}

/// Fills in an AppSpec revision's text and task definition.
fn fill(revision: &mut Option<Revision>, text: String) {
    if let Some(Revision::AppSpec {
        content,
        task_definition,
        ..
    }) = revision
    {
        *task_definition = task_definition_of(&text);
        *content = Some(text);
    }
}

/// The application and SHA-256 of a deployment's AppSpec revision whose text is not known.
fn unread(d: &Deployment) -> Option<(String, String)> {
    match &d.revision {
        Some(Revision::AppSpec {
            sha256,
            content: None,
            ..
        }) => Some((d.application.clone(), sha256.clone())),
        _ => None,
    }
}

/// Reads the AppSpec of the deployments a person looks into (in flight, failed or rolled
/// back: [`Deployment::needs_detail`]) and fills in every other one already read. The
/// console re-reads deployments every few seconds; each revision costs one call in all.
/// Returns the reads that failed, once per revision.
pub async fn resolve(c: &Clients, deployments: &mut [Deployment]) -> Vec<AwsError> {
    let mut wanted: Vec<(String, String)> = deployments
        .iter()
        .filter(|d| d.needs_detail())
        .filter_map(unread)
        .collect();
    wanted.sort();
    wanted.dedup();
    let reads = join_all(
        wanted
            .iter()
            .map(|(application, sha256)| appspec(c, application, sha256)),
    )
    .await;
    let errors = reads.into_iter().filter_map(Result::err).collect();
    for d in deployments.iter_mut() {
        if let Some((application, sha256)) = unread(d)
            && let Some(text) = c.revisions.content(&application, &sha256)
        {
            fill(&mut d.revision, text);
        }
    }
    errors
}

/// A revision ready to deploy again: an AppSpec with its text (read if need be), an S3
/// location as it is.
pub async fn complete(
    c: &Clients,
    application: &str,
    revision: Revision,
) -> Result<Revision, AwsError> {
    match revision {
        Revision::AppSpec {
            sha256,
            content: None,
            ..
        } => {
            let text = appspec(c, application, &sha256).await?;
            Ok(Revision::AppSpec {
                task_definition: task_definition_of(&text),
                content: Some(text),
                sha256,
            })
        }
        other => Ok(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_appspec_names_its_task_definition_in_yaml_or_json() {
        let yaml = "version: 0.0\nResources:\n  - TargetService:\n      Type: AWS::ECS::Service\n      Properties:\n        TaskDefinition: \"arn:aws:ecs:eu-west-1:1:task-definition/web:3\"\n";
        assert_eq!(
            task_definition_of(yaml).as_deref(),
            Some("arn:aws:ecs:eu-west-1:1:task-definition/web:3")
        );
        let json = r#"{"Resources":[{"T":{"Type":"AWS::ECS::Service","Properties":{"TaskDefinition":"web:4"}}}]}"#;
        assert_eq!(task_definition_of(json).as_deref(), Some("web:4"));
        assert_eq!(task_definition_of("{{"), None);
    }

    #[test]
    fn a_get_deployment_revision_is_typed_by_its_location() {
        let appspec = sdk::RevisionLocation::builder()
            .revision_type(sdk::RevisionLocationType::AppSpecContent)
            .app_spec_content(sdk::AppSpecContent::builder().sha256("AB12").build())
            .build();
        assert_eq!(
            from_sdk(Some(&appspec)),
            Some(Revision::AppSpec {
                sha256: "ab12".into(),
                content: None,
                task_definition: None
            })
        );
        let s3 = sdk::RevisionLocation::builder()
            .revision_type(sdk::RevisionLocationType::S3)
            .s3_location(
                sdk::S3Location::builder()
                    .bucket("releases")
                    .key("web/appspec.yaml")
                    .bundle_type(sdk::BundleType::Yaml)
                    .version("v3")
                    .build(),
            )
            .build();
        let revision = from_sdk(Some(&s3)).expect("a revision");
        assert_eq!(
            revision.describe(),
            "s3://releases/web/appspec.yaml (version v3, YAML)"
        );
        let github = sdk::RevisionLocation::builder()
            .revision_type(sdk::RevisionLocationType::GitHub)
            .build();
        assert_eq!(
            from_sdk(Some(&github)),
            Some(Revision::Other {
                revision_type: "GitHub".into()
            })
        );
        let text = "Resources: []";
        let sent = sdk::RevisionLocation::builder()
            .revision_type(sdk::RevisionLocationType::AppSpecContent)
            .app_spec_content(sdk::AppSpecContent::builder().content(text).build())
            .build();
        assert!(matches!(
            from_sdk(Some(&sent)),
            Some(Revision::AppSpec { sha256, content: Some(_), .. }) if sha256 == sha256_hex(text)
        ));
    }
}
