//! Pipeline actions: each gets its category, artifacts, duration and the configuration
//! CodePipeline would show for it. It must not accept a deploy action whose deployment group
//! the world does not have.

use std::collections::BTreeMap;

use toml::Spanned;

use super::build::{Builder, NameRule, check_name};
use super::schema::{ActionSection, CategoryName, Chance, Provider};
use super::{BuildResult, Fault};
use crate::sim::world::pipeline::{ActionDecl, Category};

/// An action as written, or as a template writes it.
pub(super) struct Draft {
    pub(super) name: Spanned<String>,
    pub(super) provider: Provider,
    pub(super) category: Option<Spanned<CategoryName>>,
    pub(super) run_order: Option<Spanned<u32>>,
    pub(super) seconds: Option<u32>,
    pub(super) failure_chance: Option<Chance>,
    pub(super) deploy: Option<Spanned<String>>,
    /// Where `deploy` was written: on the pipeline (templates) or on the action.
    pub(super) deploy_field: &'static str,
    pub(super) configuration: BTreeMap<String, String>,
}

impl Draft {
    pub(super) fn new(name: &str, provider: Provider, at: std::ops::Range<usize>) -> Self {
        Self {
            name: Spanned::new(at, name.to_owned()),
            provider,
            category: None,
            run_order: None,
            seconds: None,
            failure_chance: None,
            deploy: None,
            deploy_field: "pipeline.deploy",
            configuration: BTreeMap::new(),
        }
    }

    pub(super) fn from_section(a: &ActionSection) -> Self {
        Self {
            name: a.name.clone(),
            provider: a.provider,
            category: a.category.clone(),
            run_order: a.run_order.clone(),
            seconds: a.seconds,
            failure_chance: a.failure_chance,
            deploy: a.deploy.clone(),
            deploy_field: "pipeline.stages.actions.deploy",
            configuration: a.configuration.clone(),
        }
    }
}

pub(super) struct Context<'a> {
    pub(super) pipeline: &'a str,
    pub(super) repository: &'a str,
    pub(super) first_stage: bool,
}

/// Artifact names already written, and the newest, which the next action reads.
#[derive(Default)]
pub(super) struct Artifacts {
    written: Vec<String>,
}

impl Artifacts {
    fn latest(&self) -> Option<&String> {
        self.written.last()
    }

    fn output_for(&mut self, action: &str) -> String {
        let stem: String = action
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .collect();
        let mut name = format!("{stem}Artifact");
        let mut n = 2;
        while self.written.contains(&name) {
            name = format!("{stem}Artifact{n}");
            n += 1;
        }
        self.written.push(name.clone());
        name
    }
}

pub(super) fn action(
    b: &Builder,
    cx: &Context<'_>,
    draft: &Draft,
    artifacts: &mut Artifacts,
) -> BuildResult<ActionDecl> {
    let field = "pipeline.stages.actions";
    check_name(&draft.name, &format!("{field}.name"), NameRule::Named)?;
    let category = category_of(draft)?;
    if cx.first_stage != (category == Category::Source) {
        let message = if cx.first_stage {
            "the first stage holds only source actions"
        } else {
            "source actions belong in the first stage"
        };
        return Err(Fault::at(&draft.name, format!("{field}.provider"), message));
    }
    let run_order = match &draft.run_order {
        Some(r) if !(1..=999).contains(r.get_ref()) => {
            return Err(Fault::at(
                r,
                format!("{field}.run_order"),
                "expected a run order from 1 to 999",
            ));
        }
        Some(r) => *r.get_ref(),
        None => 1,
    };
    if let Some(deploy) = draft
        .deploy
        .as_ref()
        .filter(|_| draft.provider != Provider::CodeDeployToECS)
    {
        return Err(Fault::at(
            deploy,
            format!("{field}.deploy"),
            "deploy is for CodeDeployToECS actions",
        ));
    }
    let name = draft.name.get_ref();
    let input: Vec<String> = match category {
        Category::Source | Category::Approval => Vec::new(),
        _ => artifacts.latest().cloned().into_iter().collect(),
    };
    let output = match category {
        Category::Source | Category::Build => vec![artifacts.output_for(name)],
        _ => Vec::new(),
    };
    let mut configuration = defaults(b, cx, draft.provider, category, name, input.first());
    configuration.extend(
        draft
            .configuration
            .iter()
            .map(|(k, v)| (k.clone(), v.clone())),
    );
    if draft.provider == Provider::CodeDeployToECS {
        let (application, group) = deploy_target(b, draft, &configuration)?;
        configuration.insert("ApplicationName".into(), application);
        configuration.insert("DeploymentGroupName".into(), group);
    }
    let seconds = draft.seconds.unwrap_or(match category {
        Category::Source => 10,
        Category::Build => 180,
        Category::Test => 240,
        Category::Invoke => 30,
        Category::Approval | Category::Deploy => 0,
    });
    Ok(ActionDecl {
        name: name.clone(),
        category,
        provider: draft.provider.as_str().to_owned(),
        run_order,
        configuration,
        input_artifacts: input,
        output_artifacts: output,
        seconds,
        failure_chance: draft.failure_chance.map_or(0.0, |c| c.0),
    })
}

fn category_of(draft: &Draft) -> BuildResult<Category> {
    let natural = match draft.provider {
        Provider::CodeStarSourceConnection
        | Provider::GitHub
        | Provider::CodeCommit
        | Provider::Ecr
        | Provider::S3 => Category::Source,
        Provider::CodeBuild => Category::Build,
        Provider::Manual => Category::Approval,
        Provider::CodeDeployToECS => Category::Deploy,
        Provider::Lambda => Category::Invoke,
    };
    let Some(given) = &draft.category else {
        return Ok(natural);
    };
    let wanted = match given.get_ref() {
        CategoryName::Source => Category::Source,
        CategoryName::Build => Category::Build,
        CategoryName::Test => Category::Test,
        CategoryName::Approval => Category::Approval,
        CategoryName::Deploy => Category::Deploy,
        CategoryName::Invoke => Category::Invoke,
    };
    let allowed =
        wanted == natural || (draft.provider == Provider::CodeBuild && wanted == Category::Test);
    if !allowed {
        return Err(Fault::at(
            given,
            "pipeline.stages.actions.category",
            format!(
                "provider {} cannot act as category {}",
                draft.provider.as_str(),
                wanted.as_str()
            ),
        ));
    }
    Ok(wanted)
}

/// The configuration CodePipeline would show for an action set up in the console.
fn defaults(
    b: &Builder,
    cx: &Context<'_>,
    provider: Provider,
    category: Category,
    action: &str,
    input: Option<&String>,
) -> BTreeMap<String, String> {
    let repo_name = cx
        .repository
        .rsplit('/')
        .next()
        .unwrap_or(cx.repository)
        .to_owned();
    let owner = cx
        .repository
        .split_once('/')
        .map_or("", |(o, _)| o)
        .to_owned();
    let pairs: Vec<(&str, String)> = match provider {
        Provider::CodeStarSourceConnection => vec![
            ("ConnectionArn", b.connection_arn.clone()),
            ("FullRepositoryId", cx.repository.to_owned()),
            ("BranchName", "main".into()),
            ("OutputArtifactFormat", "CODE_ZIP".into()),
            ("DetectChanges", "true".into()),
        ],
        Provider::GitHub => vec![
            ("Owner", owner),
            ("Repo", repo_name),
            ("Branch", "main".into()),
            ("PollForSourceChanges", "false".into()),
            ("OAuthToken", "****".into()),
        ],
        Provider::CodeCommit => vec![("RepositoryName", repo_name), ("BranchName", "main".into())],
        Provider::Ecr => vec![("RepositoryName", repo_name), ("ImageTag", "latest".into())],
        Provider::S3 => vec![
            ("S3Bucket", b.artifact_bucket.clone()),
            ("S3ObjectKey", format!("{}/source.zip", cx.pipeline)),
        ],
        Provider::CodeBuild => {
            let suffix = if category == Category::Test {
                "test"
            } else {
                "build"
            };
            vec![("ProjectName", format!("{}-{suffix}", cx.pipeline))]
        }
        Provider::Manual => vec![(
            "CustomData",
            format!("Approve the release of {} to production", cx.pipeline),
        )],
        Provider::CodeDeployToECS => {
            let artifact = input
                .cloned()
                .unwrap_or_else(|| "SourceArtifact".to_owned());
            vec![
                ("TaskDefinitionTemplateArtifact", artifact.clone()),
                ("TaskDefinitionTemplatePath", "taskdef.json".into()),
                ("AppSpecTemplateArtifact", artifact),
                ("AppSpecTemplatePath", "appspec.yaml".into()),
            ]
        }
        Provider::Lambda => vec![(
            "FunctionName",
            format!("{}-{}", cx.pipeline, action.to_lowercase()),
        )],
    };
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// `deploy = "application/group"`, or the two configuration keys, naming a group that exists.
fn deploy_target(
    b: &Builder,
    draft: &Draft,
    configuration: &BTreeMap<String, String>,
) -> BuildResult<(String, String)> {
    let field = draft.deploy_field;
    let (target, at) = match &draft.deploy {
        Some(deploy) => {
            let Some((app, group)) = deploy.get_ref().split_once('/') else {
                return Err(Fault::at(deploy, field, "expected \"application/group\""));
            };
            ((app.to_owned(), group.to_owned()), deploy)
        }
        None => match (
            configuration.get("ApplicationName"),
            configuration.get("DeploymentGroupName"),
        ) {
            (Some(app), Some(group)) => ((app.clone(), group.clone()), &draft.name),
            _ => {
                return Err(Fault::at(
                    &draft.name,
                    field,
                    "a CodeDeployToECS action needs deploy = \"application/group\"",
                ));
            }
        },
    };
    if !b.world.deployment_groups.contains_key(&target) {
        let mut known: Vec<String> = b
            .world
            .deployment_groups
            .keys()
            .map(|(a, g)| format!("{a}/{g}"))
            .collect();
        if known.is_empty() {
            known.push("none".to_owned());
        }
        return Err(Fault::at(
            at,
            field,
            format!(
                "no deployment group \"{}\" in application \"{}\" (groups come from [service.deployment]; known: {})",
                target.1,
                target.0,
                known.join(", ")
            ),
        ));
    }
    Ok(target)
}
