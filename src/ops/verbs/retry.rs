//! Retry a pipeline's failed stage (RetryStageExecution): its failed actions, or all of
//! them. The stage is the one named, or the failed one.

use serde::Serialize;

use super::{ActArgs, Begin, Here, Prepared, Spec, Verb, blank, done, plan};
use crate::aws::act;
use crate::aws::{AwsError, Clients, codepipeline};
use crate::config::Scope;
use crate::model::status::StageStatus;
use crate::ops::execute::Outcome;
use crate::ops::prepare::{gone, newest_execution};
use crate::ops::{OpError, scope};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RetryMode {
    FailedActions,
    AllActions,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Retry {
    pub pipeline: String,
    pub stage: Option<String>,
    pub mode: RetryMode,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Call {
    pub pipeline: String,
    pub stage: String,
    pub execution: String,
    pub all: bool,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    pipeline: String,
    #[arg(long)]
    stage: Option<String>,
    /// Rerun every action of the stage, not only the failed ones.
    #[arg(long)]
    all: bool,
    #[command(flatten)]
    act: ActArgs,
}

impl Verb for Retry {
    type Call = Call;
    type Args = Args;

    const SPEC: Spec = Spec {
        name: "retry",
        dangerous: false,
        scope: scope::PIPELINE,
    };

    fn target(&self) -> String {
        self.pipeline.clone()
    }

    fn validate(&self) -> Result<(), OpError> {
        blank("--stage", self.stage.as_deref())
    }

    async fn scope(&self, _: &Clients, scope: &Scope) -> Result<(), OpError> {
        scope::admit(scope.pipeline(&self.pipeline), &self.pipeline, "--pipeline")
    }

    async fn prepare(&self, c: &Clients) -> Result<Prepared<Call>, OpError> {
        let Self {
            pipeline,
            stage,
            mode,
        } = self;
        let (p, _) = codepipeline::pipeline(c, pipeline).await?;
        let failed = p.stages.iter().find(|s| {
            stage.as_ref().is_none_or(|n| &s.name == n) && s.status == Some(StageStatus::Failed)
        });
        let Some(st) = failed else {
            return Err(gone(match stage {
                Some(s) if !p.stages.iter().any(|x| &x.name == s) => {
                    format!("pipeline {pipeline} has no stage {s}")
                }
                Some(s) => format!("stage {s} of {pipeline} has not failed: nothing to retry"),
                None => format!("no stage of {pipeline} has failed: nothing to retry"),
            }));
        };
        let execution = st
            .execution_id
            .clone()
            .ok_or_else(|| gone(format!("stage {} has no execution", st.name)))?;
        let all = *mode == RetryMode::AllActions;
        Ok(Prepared {
            summary: vec![format!(
                "Retry stage {} of {pipeline} ({}, execution {execution}).",
                st.name,
                if all { "all actions" } else { "failed actions" }
            )],
            typed_name: pipeline.clone(),
            call: Call {
                pipeline: pipeline.clone(),
                stage: st.name.clone(),
                execution,
                all,
            },
        })
    }

    async fn send(c: &Clients, call: &Call) -> Result<Outcome, AwsError> {
        let Call {
            pipeline,
            stage,
            execution,
            all,
        } = call;
        let id = act::retry_stage(c, pipeline, stage, execution, *all).await?;
        Ok(done(id, format!("{pipeline}: stage {stage} retried")))
    }

    async fn observe(c: &Clients, call: &Call) -> Result<String, OpError> {
        newest_execution(c, &call.pipeline).await
    }

    fn from_args(args: Args) -> Result<(Self, ActArgs), OpError> {
        let mode = if args.all {
            RetryMode::AllActions
        } else {
            RetryMode::FailedActions
        };
        Ok((
            Self {
                pipeline: args.pipeline,
                stage: args.stage,
                mode,
            },
            args.act,
        ))
    }
}

/// `t`: retry the failed actions of the pipeline's failed stage.
pub fn failed(here: &Here) -> Result<Begin, String> {
    let pipeline = here.pipeline.clone().ok_or("select a pipeline first")?;
    Ok(plan(
        format!("Retry the failed actions of {pipeline}"),
        vec![retry(pipeline, RetryMode::FailedActions)],
    ))
}

/// `T`: retry every action of it.
pub fn all(here: &Here) -> Result<Begin, String> {
    let pipeline = here.pipeline.clone().ok_or("select a pipeline first")?;
    Ok(plan(
        format!("Retry every action of the failed stage of {pipeline}"),
        vec![retry(pipeline, RetryMode::AllActions)],
    ))
}

fn retry(pipeline: String, mode: RetryMode) -> super::Op {
    Retry {
        pipeline,
        stage: None,
        mode,
    }
    .into()
}
