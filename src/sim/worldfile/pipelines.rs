//! `[[pipeline]]` tables into CodePipeline declarations: templates expand into stages, and
//! each action is completed by `actions`. A pipeline starts idle: no executions, every
//! transition enabled. It must not accept a pipeline without a source stage first.

use std::collections::BTreeMap;

use toml::Spanned;

use super::actions::{Artifacts, Context, Draft, action};
use super::build::{Builder, DAY, NameRule, check_name};
use super::schema::{ExecutionModeName, PipelineSection, Provider, Template};
use super::{BuildResult, Fault};
use crate::sim::world::pipeline::{ActionDecl, ExecutionMode, Pipeline, StageDecl, Transition};

struct StageDraft {
    name: Spanned<String>,
    actions: Spanned<Vec<Draft>>,
}

pub(super) fn add(b: &mut Builder, spec: &PipelineSection) -> BuildResult<()> {
    let name = spec.name.get_ref().clone();
    check_name(&spec.name, "pipeline.name", NameRule::Named)?;
    if b.world.pipelines.contains_key(&name) {
        return Err(Fault::at(
            &spec.name,
            "pipeline.name",
            format!("a pipeline named \"{name}\" is already declared"),
        ));
    }
    let drafts = stage_drafts(spec)?;
    if drafts.get_ref().len() < 2 {
        return Err(Fault::at(
            &drafts,
            "pipeline.stages",
            "a pipeline needs at least two stages, the first of them a source stage",
        ));
    }
    let repository = spec
        .repository
        .clone()
        .unwrap_or_else(|| format!("example/{name}"));
    let mut stages = Vec::new();
    let mut artifacts = Artifacts::default();
    for (index, stage) in drafts.get_ref().iter().enumerate() {
        let context = Context {
            pipeline: &name,
            repository: &repository,
            first_stage: index == 0,
        };
        stages.push(declare_stage(b, &context, stage, &stages, &mut artifacts)?);
    }
    let count = stages.len();
    let created_at = b.ago(3 * DAY, 60 * DAY);
    let updated_at = b.ago(DAY, 3 * DAY).max(created_at);
    let pipeline = Pipeline {
        arn: b.world.arn("codepipeline", &name),
        name: name.clone(),
        version: 1,
        created_at,
        updated_at,
        role_arn: format!(
            "arn:aws:iam::{}:role/CodePipelineServiceRole",
            b.world.account
        ),
        artifact_bucket: b.artifact_bucket.clone(),
        stages,
        mode: match spec.execution_mode {
            None | Some(ExecutionModeName::Superseded) => ExecutionMode::Superseded,
            Some(ExecutionModeName::Queued) => ExecutionMode::Queued,
            Some(ExecutionModeName::Parallel) => ExecutionMode::Parallel,
        },
        inbound: enabled_transitions(count),
        outbound: enabled_transitions(count),
        executions: Vec::new(),
        occupants: vec![Vec::new(); count],
        waiting: vec![std::collections::VecDeque::new(); count],
        latest_in_stage: vec![None; count],
        repository,
        idempotency: BTreeMap::new(),
    };
    b.world.pipelines.insert(name, pipeline);
    Ok(())
}

/// The stages a pipeline table declares: its template expanded, or its explicit stages.
fn stage_drafts(spec: &PipelineSection) -> BuildResult<Spanned<Vec<StageDraft>>> {
    match (&spec.template, &spec.stages) {
        (Some(_), Some(stages)) => Err(Fault::at(
            stages,
            "pipeline.stages",
            "give either template or stages, not both",
        )),
        (None, None) => Err(Fault::at(
            &spec.name,
            "pipeline.template",
            "a pipeline needs a template or stages",
        )),
        (Some(template), None) => expand(template, spec.deploy.as_ref()),
        (None, Some(stages)) => {
            if let Some(deploy) = &spec.deploy {
                return Err(Fault::at(
                    deploy,
                    "pipeline.deploy",
                    "with explicit stages, deploy belongs on the CodeDeployToECS action",
                ));
            }
            let list = stages
                .get_ref()
                .iter()
                .map(|s| StageDraft {
                    name: s.name.clone(),
                    actions: Spanned::new(
                        s.actions.span(),
                        s.actions
                            .get_ref()
                            .iter()
                            .map(Draft::from_section)
                            .collect(),
                    ),
                })
                .collect();
            Ok(Spanned::new(stages.span(), list))
        }
    }
}

/// Checks one stage against those `before` it and completes its actions.
fn declare_stage(
    b: &Builder,
    context: &Context<'_>,
    stage: &StageDraft,
    before: &[StageDecl],
    artifacts: &mut Artifacts,
) -> BuildResult<StageDecl> {
    check_name(&stage.name, "pipeline.stages.name", NameRule::Named)?;
    if before.iter().any(|s| &s.name == stage.name.get_ref()) {
        return Err(Fault::at(
            &stage.name,
            "pipeline.stages.name",
            format!("stage \"{}\" is declared twice", stage.name.get_ref()),
        ));
    }
    if stage.actions.get_ref().is_empty() {
        return Err(Fault::at(
            &stage.actions,
            "pipeline.stages.actions",
            format!("stage \"{}\" has no actions", stage.name.get_ref()),
        ));
    }
    let mut actions: Vec<ActionDecl> = Vec::new();
    for draft in stage.actions.get_ref() {
        if actions.iter().any(|a| &a.name == draft.name.get_ref()) {
            return Err(Fault::at(
                &draft.name,
                "pipeline.stages.actions.name",
                format!(
                    "action \"{}\" is declared twice in stage \"{}\"",
                    draft.name.get_ref(),
                    stage.name.get_ref()
                ),
            ));
        }
        actions.push(action(b, context, draft, artifacts)?);
    }
    Ok(StageDecl {
        name: stage.name.get_ref().clone(),
        actions,
    })
}

/// One enabled, never-changed transition per stage.
fn enabled_transitions(count: usize) -> Vec<Transition> {
    vec![
        Transition {
            enabled: true,
            reason: None,
            changed_by: None,
            changed_at: None
        };
        count
    ]
}

fn expand(
    template: &Spanned<Template>,
    deploy: Option<&Spanned<String>>,
) -> BuildResult<Spanned<Vec<StageDraft>>> {
    let Some(deploy) = deploy else {
        return Err(Fault::at(
            template,
            "pipeline.deploy",
            "a template pipeline needs deploy = \"application/group\"",
        ));
    };
    let at = template.span();
    let stage = |name: &str, actions: Vec<Draft>| StageDraft {
        name: Spanned::new(at.clone(), name.to_owned()),
        actions: Spanned::new(at.clone(), actions),
    };
    let mut deploy_action = Draft::new("Deploy", Provider::CodeDeployToECS, at.clone());
    deploy_action.deploy = Some(deploy.clone());
    let source = stage(
        "Source",
        vec![Draft::new(
            "Source",
            Provider::CodeStarSourceConnection,
            at.clone(),
        )],
    );
    let stages = match template.get_ref() {
        Template::SourceDeploy => vec![source, stage("Deploy", vec![deploy_action])],
        Template::Gated => vec![
            source,
            stage(
                "Build",
                vec![Draft::new("Build", Provider::CodeBuild, at.clone())],
            ),
            stage(
                "Approval",
                vec![Draft::new(
                    "ApproveProduction",
                    Provider::Manual,
                    at.clone(),
                )],
            ),
            stage("Production", vec![deploy_action]),
        ],
    };
    Ok(Spanned::new(at, stages))
}
