//! Start a new execution of a pipeline (StartPipelineExecution).

use serde::Serialize;

use super::{ActArgs, Begin, Here, Prepared, Spec, Verb, done, plan};
use crate::aws::act;
use crate::aws::{AwsError, Clients, codepipeline};
use crate::config::Scope;
use crate::ops::execute::Outcome;
use crate::ops::prepare::newest_execution;
use crate::ops::{OpError, scope};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Start {
    pub pipeline: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Call {
    pub pipeline: String,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    pipeline: String,
    #[command(flatten)]
    act: ActArgs,
}

impl Verb for Start {
    type Call = Call;
    type Args = Args;

    const SPEC: Spec = Spec {
        name: "start",
        dangerous: false,
        scope: scope::PIPELINE,
    };

    fn target(&self) -> String {
        self.pipeline.clone()
    }

    fn validate(&self) -> Result<(), OpError> {
        Ok(())
    }

    async fn scope(&self, _: &Clients, scope: &Scope) -> Result<(), OpError> {
        scope::admit(scope.pipeline(&self.pipeline), &self.pipeline, "--pipeline")
    }

    async fn prepare(&self, c: &Clients) -> Result<Prepared<Call>, OpError> {
        let pipeline = &self.pipeline;
        let (p, _) = codepipeline::pipeline(c, pipeline).await?;
        Ok(Prepared {
            summary: vec![format!(
                "Start a new execution of {} ({} stages).",
                p.name,
                p.stages.len()
            )],
            typed_name: pipeline.clone(),
            call: Call {
                pipeline: pipeline.clone(),
            },
        })
    }

    async fn send(c: &Clients, call: &Call) -> Result<Outcome, AwsError> {
        let pipeline = &call.pipeline;
        let (id, execution) = act::start_execution(c, pipeline).await?;
        Ok(done(
            id,
            format!("{pipeline}: execution {execution} started"),
        ))
    }

    async fn observe(c: &Clients, call: &Call) -> Result<String, OpError> {
        newest_execution(c, &call.pipeline).await
    }

    fn from_args(args: Args) -> Result<(Self, ActArgs), OpError> {
        Ok((
            Self {
                pipeline: args.pipeline,
            },
            args.act,
        ))
    }
}

/// `n`: start the pipeline here.
pub fn begin(here: &Here) -> Result<Begin, String> {
    let pipeline = here.pipeline.clone().ok_or("select a pipeline first")?;
    Ok(plan(
        format!("Start {pipeline}"),
        vec![Start { pipeline }.into()],
    ))
}
