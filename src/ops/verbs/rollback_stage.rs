//! Roll a pipeline stage back to what an earlier successful execution deployed
//! (RollbackStage): never to a rollback execution, which AWS refuses, and never in PARALLEL
//! mode, where AWS offers no stage rollback.

use serde::Serialize;

use super::{ActArgs, Begin, Here, Prepared, Spec, Verb, done, plan};
use crate::aws::act;
use crate::aws::{AwsError, Clients, codepipeline};
use crate::config::Scope;
use crate::model::pipeline::ExecutionSummary;
use crate::model::status::{ExecutionMode, StageStatus};
use crate::ops::execute::Outcome;
use crate::ops::prepare::{gone, newest_execution};
use crate::ops::{OpError, scope};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RollbackStage {
    pub pipeline: String,
    pub stage: String,
    /// The execution to go back to; the one before the newest that succeeded there when
    /// `None`.
    pub to: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Call {
    pub pipeline: String,
    pub stage: String,
    pub target: String,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    pipeline: String,
    #[arg(long)]
    stage: String,
    /// The execution to go back to (never a rollback execution, which AWS refuses); the
    /// standard success before what runs now by default.
    #[arg(long, value_name = "EXECUTION")]
    to: Option<String>,
    #[command(flatten)]
    act: ActArgs,
}

impl Verb for RollbackStage {
    type Call = Call;
    type Args = Args;

    const SPEC: Spec = Spec {
        name: "rollback-stage",
        dangerous: true,
        scope: scope::PIPELINE,
    };

    fn target(&self) -> String {
        self.pipeline.clone()
    }

    fn validate(&self) -> Result<(), OpError> {
        if self.stage.trim().is_empty() || self.to.as_deref().is_some_and(|t| t.trim().is_empty()) {
            return Err(OpError::Invalid(
                "--stage and --to must not be empty".to_owned(),
            ));
        }
        Ok(())
    }

    async fn scope(&self, _: &Clients, scope: &Scope) -> Result<(), OpError> {
        scope::admit(scope.pipeline(&self.pipeline), &self.pipeline, "--pipeline")
    }

    async fn prepare(&self, c: &Clients) -> Result<Prepared<Call>, OpError> {
        let Self {
            pipeline,
            stage,
            to,
        } = self;
        let (p, _) = codepipeline::pipeline(c, pipeline).await?;
        let Some(st) = p.stages.iter().find(|s| &s.name == stage) else {
            return Err(OpError::Invalid(format!(
                "pipeline {pipeline} has no stage {stage}"
            )));
        };
        // AWS's user guide ("Set or change the pipeline execution mode"): "For pipelines in
        // PARALLEL mode, stage rollback is not available."
        if p.execution_mode == ExecutionMode::Parallel {
            return Err(gone(format!(
                "{pipeline} runs in PARALLEL mode, where AWS offers no stage rollback: stop the execution, or redeploy the previous revision"
            )));
        }
        if st.status == Some(StageStatus::InProgress) {
            return Err(gone(format!(
                "stage {stage} of {pipeline} is running: wait for it, or stop it first"
            )));
        }
        let succeeded = crate::aws::act::succeeded_in_stage(c, pipeline, stage).await?;
        let target = rollback_target(
            &succeeded,
            to.as_deref(),
            st.status == Some(StageStatus::Succeeded),
            stage,
        )?;
        Ok(Prepared {
            summary: vec![format!(
                "Roll back stage {stage} of {pipeline} to what execution {target} deployed."
            )],
            typed_name: pipeline.clone(),
            call: Call {
                pipeline: pipeline.clone(),
                stage: stage.clone(),
                target,
            },
        })
    }

    async fn send(c: &Clients, call: &Call) -> Result<Outcome, AwsError> {
        let Call {
            pipeline,
            stage,
            target,
        } = call;
        let (id, execution) = act::rollback_stage(c, pipeline, stage, target).await?;
        Ok(done(
            id,
            format!("{pipeline}: stage {stage} rolling back to {target} (execution {execution})"),
        ))
    }

    async fn observe(c: &Clients, call: &Call) -> Result<String, OpError> {
        newest_execution(c, &call.pipeline).await
    }

    fn from_args(args: Args) -> Result<(Self, ActArgs), OpError> {
        Ok((
            Self {
                pipeline: args.pipeline,
                stage: args.stage,
                to: args.to,
            },
            args.act,
        ))
    }
}

/// `b`: the pipeline's deploy stage (else its last) goes back to the success before.
pub fn begin(here: &Here) -> Result<Begin, String> {
    let pipeline = here.pipeline.clone().ok_or("select a pipeline first")?;
    let stage = here
        .deploy_stage
        .clone()
        .ok_or_else(|| format!("{pipeline} has no stage"))?;
    Ok(plan(
        format!("Roll back {pipeline} {stage}"),
        vec![
            RollbackStage {
                pipeline,
                stage,
                to: None,
            }
            .into(),
        ],
    ))
}

/// The execution a stage rolls back to. AWS refuses a target whose type is ROLLBACK ("You
/// cannot roll back to a target execution ID that is a rollback execution type", user guide,
/// "Configuring stage rollback"), so one is never picked, and one named with `--to` is
/// refused with the execution it rolled back to. `succeeded` is newest first; `stage_ok` says
/// whether the stage's latest run succeeded. A rollback execution deployed its target's
/// artifacts: what runs now is the newest success, or, if that was a rollback, its target.
/// With the stage succeeded, the stage goes back to the standard success before that; with
/// it failed, to what ran last.
pub fn rollback_target(
    succeeded: &[ExecutionSummary],
    to: Option<&str>,
    stage_ok: bool,
    stage: &str,
) -> Result<String, OpError> {
    if let Some(id) = to {
        return match succeeded.iter().find(|e| e.id == id) {
            Some(e) if e.rollback => Err(OpError::Invalid(format!(
                "execution {id} was itself a rollback{}: AWS does not roll a stage back to a rollback execution{}",
                e.rollback_target
                    .as_ref()
                    .map_or_else(String::new, |t| format!(" (to {t})")),
                e.rollback_target
                    .as_ref()
                    .map_or_else(String::new, |t| format!("; roll back to {t} instead"))
            ))),
            Some(e) => Ok(e.id.clone()),
            None => Err(gone(format!(
                "execution {id} did not succeed in stage {stage}: a stage rolls back to one that did"
            ))),
        };
    }
    let Some(latest) = succeeded.first() else {
        return Err(gone(format!("no execution succeeded in {stage}")));
    };
    let runs_now = latest.rollback_target.as_deref().unwrap_or(&latest.id);
    if !stage_ok {
        return Ok(runs_now.to_owned());
    }
    let at = succeeded
        .iter()
        .position(|e| e.id == runs_now)
        .unwrap_or(succeeded.len());
    succeeded
        .iter()
        .skip(at + 1)
        .find(|e| !e.rollback)
        .map(|e| e.id.clone())
        .ok_or_else(|| {
            gone(format!(
                "no standard execution succeeded in {stage} before {runs_now}, which runs there now"
            ))
        })
}
