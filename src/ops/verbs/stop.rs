//! Stop a pipeline's running execution, letting running actions finish or abandoning them.
//! The execution is the one named, or the only one running: several running (QUEUED or
//! PARALLEL mode, or a deployment beside a newer build) is refused with their ids, never
//! stopped on a guess.

use serde::Serialize;

use super::{ActArgs, Begin, Here, Prepared, Spec, Verb, blank, done, plan};
use crate::aws::act;
use crate::aws::{AwsError, Clients, codepipeline};
use crate::config::Scope;
use crate::model::pipeline::{ExecutionSummary, Pipeline};
use crate::model::status::ExecutionStatus;
use crate::ops::execute::Outcome;
use crate::ops::prepare::gone;
use crate::ops::{MAX_STOP_REASON, OpError, scope};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StopMode {
    /// Let running actions finish.
    Wait,
    Abandon,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stop {
    pub pipeline: String,
    /// The execution to stop: needed when several run in QUEUED or PARALLEL mode.
    pub execution: Option<String>,
    pub mode: StopMode,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Call {
    pub pipeline: String,
    pub execution: String,
    pub abandon: bool,
    pub reason: String,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    pipeline: String,
    /// The execution to stop; required when several run in QUEUED or PARALLEL mode, and
    /// refused with their ids when missing.
    #[arg(long, value_name = "ID")]
    execution: Option<String>,
    /// Abandon running actions instead of letting them finish.
    #[arg(long)]
    abandon: bool,
    #[arg(long, default_value = "Stopped with cutover")]
    reason: String,
    #[command(flatten)]
    act: ActArgs,
}

impl Verb for Stop {
    type Call = Call;
    type Args = Args;

    const SPEC: Spec = Spec {
        name: "stop",
        dangerous: true,
        scope: scope::PIPELINE,
    };

    fn target(&self) -> String {
        self.pipeline.clone()
    }

    fn validate(&self) -> Result<(), OpError> {
        blank("--execution", self.execution.as_deref())?;
        let count = self.reason.chars().count();
        if count > MAX_STOP_REASON {
            return Err(OpError::Invalid(format!(
                "the reason has {count} characters; CodePipeline takes at most {MAX_STOP_REASON}"
            )));
        }
        Ok(())
    }

    async fn scope(&self, _: &Clients, scope: &Scope) -> Result<(), OpError> {
        scope::admit(scope.pipeline(&self.pipeline), &self.pipeline, "--pipeline")
    }

    async fn prepare(&self, c: &Clients) -> Result<Prepared<Call>, OpError> {
        let Self {
            pipeline,
            execution,
            mode,
            reason,
        } = self;
        let (p, _) = codepipeline::pipeline(c, pipeline).await?;
        let e = choose_stop(&p, execution.as_deref())?;
        let others = p
            .executions
            .iter()
            .filter(|x| is_running(x) && x.id != e.id)
            .count();
        let mut summary = vec![format!(
            "Stop execution {} of {pipeline} ({}).",
            e.id,
            if *mode == StopMode::Abandon {
                "abandon running actions"
            } else {
                "let running actions finish"
            }
        )];
        if others > 0 {
            summary.push(format!(
                "{others} other execution(s) of {pipeline} keep running."
            ));
        }
        Ok(Prepared {
            summary,
            typed_name: pipeline.clone(),
            call: Call {
                pipeline: pipeline.clone(),
                execution: e.id.clone(),
                abandon: *mode == StopMode::Abandon,
                reason: reason.clone(),
            },
        })
    }

    async fn send(c: &Clients, call: &Call) -> Result<Outcome, AwsError> {
        let Call {
            pipeline,
            execution,
            abandon,
            reason,
        } = call;
        let id = act::stop_execution(c, pipeline, execution, *abandon, reason).await?;
        Ok(done(
            id,
            format!("{pipeline}: execution {execution} stopping"),
        ))
    }

    async fn observe(c: &Clients, call: &Call) -> Result<String, OpError> {
        let Call {
            pipeline,
            execution,
            ..
        } = call;
        let (p, _) = codepipeline::pipeline(c, pipeline).await?;
        Ok(p.execution(execution).map_or_else(
            || format!("execution {execution} of {pipeline} is no longer among the newest"),
            |e| format!("execution {execution} of {pipeline} is {}", e.status),
        ))
    }

    fn from_args(args: Args) -> Result<(Self, ActArgs), OpError> {
        let mode = if args.abandon {
            StopMode::Abandon
        } else {
            StopMode::Wait
        };
        Ok((
            Self {
                pipeline: args.pipeline,
                execution: args.execution,
                mode,
                reason: args.reason,
            },
            args.act,
        ))
    }
}

/// `S`: stop the execution here, letting running actions finish.
pub fn wait(here: &Here) -> Result<Begin, String> {
    stop(here, StopMode::Wait)
}

/// `A`: stop it, abandoning running actions.
pub fn abandon(here: &Here) -> Result<Begin, String> {
    stop(here, StopMode::Abandon)
}

fn stop(here: &Here, mode: StopMode) -> Result<Begin, String> {
    let pipeline = here.pipeline.clone().ok_or("select a pipeline first")?;
    let how = match mode {
        StopMode::Wait => "letting running actions finish",
        StopMode::Abandon => "abandoning running actions",
    };
    Ok(plan(
        format!("Stop {pipeline}, {how}"),
        vec![
            Stop {
                // On an approval row the execution is known: stop that one, not a guess.
                execution: here.execution.clone(),
                pipeline,
                mode,
                reason: "Stopped with cutover".to_owned(),
            }
            .into(),
        ],
    ))
}

pub(super) fn is_running(e: &ExecutionSummary) -> bool {
    matches!(
        e.status,
        ExecutionStatus::InProgress | ExecutionStatus::Stopping
    )
}

/// The execution a stop acts on: the one named, which must be running; else the only one
/// running. Several running is refused with their ids in every mode: even in SUPERSEDED
/// mode one execution can be deploying while a newer one builds, and stopping the newest on
/// a guess would let the deployment go on.
pub fn choose_stop<'p>(
    p: &'p Pipeline,
    execution: Option<&str>,
) -> Result<&'p ExecutionSummary, OpError> {
    let pipeline = &p.name;
    let running: Vec<&ExecutionSummary> = p.executions.iter().filter(|e| is_running(e)).collect();
    if let Some(id) = execution {
        return match p.execution(id) {
            Some(e) if is_running(e) => Ok(e),
            Some(e) => Err(gone(format!(
                "execution {id} of {pipeline} is {}: there is nothing to stop",
                e.status
            ))),
            None => Err(gone(format!(
                "execution {id} is not among the {} newest executions of {pipeline}",
                codepipeline::EXECUTIONS_KEPT
            ))),
        };
    }
    match running.as_slice() {
        [] => Err(gone(format!("no execution of {pipeline} is running"))),
        [one] => Ok(one),
        many => {
            let ids: Vec<&str> = many.iter().map(|e| e.id.as_str()).collect();
            Err(OpError::Invalid(format!(
                "{} executions of {pipeline} are running ({} mode): {}; name one with --execution",
                many.len(),
                p.execution_mode,
                ids.join(", ")
            )))
        }
    }
}
