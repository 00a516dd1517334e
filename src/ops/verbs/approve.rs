//! Approve or reject a manual approval: the one waiting at the gate and execution named (or
//! the only one waiting), answered with its token and a comment. In PARALLEL mode several
//! executions wait at one gate, so an answer that could mean more than one is refused with
//! their ids, never sent to the newest on a guess. The plan carries the evidence a person
//! approves on: the execution and its source revision, the earlier stages, the health of the
//! service it will deploy to.

use std::collections::BTreeSet;

use serde::Serialize;

use super::{ActArgs, Begin, Here, Prepared, Spec, Starts, Verb, blank, done};
use crate::aws::act;
use crate::aws::{AwsError, Clients, codepipeline};
use crate::config::Scope;
use crate::model::DeploymentRef;
use crate::model::pipeline::{PendingApproval, Pipeline};
use crate::model::status::ExecutionStatus;
use crate::ops::execute::Outcome;
use crate::ops::prepare::gone;
use crate::ops::{MAX_COMMENT, OpError, scope};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Approve,
    Reject,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Approve {
    pub pipeline: String,
    pub stage: Option<String>,
    pub action: Option<String>,
    /// The execution whose approval to answer: needed when several wait (PARALLEL mode).
    pub execution: Option<String>,
    pub comment: String,
    pub verdict: Verdict,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Call {
    pub pipeline: String,
    pub stage: String,
    pub action: String,
    /// The execution whose approval it answers, when known.
    pub execution: Option<String>,
    /// Single use, but a credential while the gate waits: never written down.
    #[serde(skip)]
    pub token: String,
    pub comment: String,
    pub approved: bool,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The pipeline (or --release NAME for every gate of a release).
    #[arg(required_unless_present = "release")]
    pipeline: Option<String>,
    #[arg(long)]
    stage: Option<String>,
    #[arg(long)]
    action: Option<String>,
    /// The execution whose approval to answer; required when several wait (PARALLEL
    /// mode), and refused with their ids when missing.
    #[arg(long, value_name = "ID")]
    execution: Option<String>,
    /// Every gate waiting in the pipelines of the config file's `[[release]]` NAME, in every
    /// source, answered with one comment once NAME is typed (--confirm NAME).
    #[arg(
        long,
        value_name = "NAME",
        conflicts_with_all = ["pipeline", "stage", "action", "execution"]
    )]
    release: Option<String>,
    /// Why (at most 512 characters); CodePipeline records it.
    #[arg(long)]
    comment: String,
    #[arg(long)]
    reject: bool,
    #[command(flatten)]
    act: ActArgs,
}

/// One execution waiting at one approval, as far as the console's snapshot knows it: stage,
/// action and execution are unknown when the snapshot did not show the gate waiting (the
/// fresh-state check then finds it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gate {
    pub pipeline: String,
    pub stage: Option<String>,
    pub action: Option<String>,
    pub execution: Option<String>,
    /// Other executions wait at the same gate: the execution is named wherever it is shown.
    pub crowded: bool,
}

impl Verb for Approve {
    type Call = Call;
    type Args = Args;

    const SPEC: Spec = Spec {
        name: "approve",
        dangerous: false,
        scope: (
            &["pipelines"],
            "a pipeline is checked against --pipeline only",
        ),
    };

    fn name(&self) -> &'static str {
        match self.verdict {
            Verdict::Approve => "approve",
            Verdict::Reject => "reject",
        }
    }

    fn target(&self) -> String {
        self.pipeline.clone()
    }

    fn validate(&self) -> Result<(), OpError> {
        let count = self.comment.chars().count();
        if count > MAX_COMMENT {
            return Err(OpError::Invalid(format!(
                "the comment has {count} characters; CodePipeline takes at most {MAX_COMMENT}"
            )));
        }
        if self.comment.trim().is_empty() {
            return Err(OpError::Invalid(
                "say why in a comment (--comment TEXT)".to_owned(),
            ));
        }
        blank("--stage", self.stage.as_deref())?;
        blank("--action", self.action.as_deref())?;
        blank("--execution", self.execution.as_deref())
    }

    fn fill(&mut self, text: &str) -> Result<(), OpError> {
        text.clone_into(&mut self.comment);
        Ok(())
    }

    async fn scope(&self, _: &Clients, scope: &Scope) -> Result<(), OpError> {
        scope::admit(scope.pipeline(&self.pipeline), &self.target(), "--pipeline")
    }

    async fn prepare(&self, c: &Clients) -> Result<Prepared<Call>, OpError> {
        let pipeline = &self.pipeline;
        let (p, _) = codepipeline::pipeline(c, pipeline).await?;
        let chosen = choose_approval(
            &p,
            &Wanted {
                stage: self.stage.as_deref(),
                action: self.action.as_deref(),
                execution: self.execution.as_deref(),
            },
        )?;
        let mut summary = vec![format!(
            "{} {pipeline} {}/{}: \"{}\"",
            if self.verdict == Verdict::Approve {
                "Approve"
            } else {
                "Reject"
            },
            chosen.stage,
            chosen.action,
            self.comment
        )];
        summary.extend(evidence(c, &p, &chosen).await);
        Ok(Prepared {
            summary,
            typed_name: pipeline.clone(),
            call: Call {
                pipeline: pipeline.clone(),
                stage: chosen.stage,
                action: chosen.action,
                execution: chosen.execution_id,
                token: chosen.token,
                comment: self.comment.clone(),
                approved: self.verdict == Verdict::Approve,
            },
        })
    }

    async fn send(c: &Clients, call: &Call) -> Result<Outcome, AwsError> {
        let Call {
            pipeline,
            stage,
            action,
            execution,
            token,
            comment,
            approved,
        } = call;
        let id = act::put_approval(c, (pipeline, stage, action), token, comment, *approved).await?;
        let of = execution
            .as_deref()
            .map_or_else(String::new, |e| format!(" (execution {e})"));
        Ok(done(
            id,
            format!(
                "{} {pipeline} {stage}/{action}{of}",
                if *approved { "approved" } else { "rejected" }
            ),
        ))
    }

    async fn observe(c: &Clients, call: &Call) -> Result<String, OpError> {
        let Call {
            pipeline,
            stage,
            action,
            token,
            ..
        } = call;
        // By its token: in PARALLEL mode several executions wait at one gate, and the
        // action's latest state may be another execution's.
        let (p, _) = codepipeline::pipeline(c, pipeline).await?;
        let waits = p.waiting_approvals().iter().any(|w| w.token == *token);
        Ok(if waits {
            format!("{pipeline} {stage}/{action} still waits: it was not answered")
        } else {
            format!(
                "{pipeline} {stage}/{action} no longer waits for this answer: it was answered (by this call or another) or it timed out"
            )
        })
    }

    fn from_args(args: Args) -> Result<(Self, ActArgs), OpError> {
        let verdict = args.verdict();
        let Some(pipeline) = args.pipeline else {
            return Err(OpError::Invalid(
                "name a PIPELINE, or a release with --release NAME".to_owned(),
            ));
        };
        Ok((
            Self {
                pipeline,
                stage: args.stage,
                action: args.action,
                execution: args.execution,
                comment: args.comment,
                verdict,
            },
            args.act,
        ))
    }
}

impl Args {
    fn verdict(&self) -> Verdict {
        if self.reject {
            Verdict::Reject
        } else {
            Verdict::Approve
        }
    }

    /// The release form (`--release NAME`), when given.
    pub fn release(&self) -> Option<crate::ops::release::Request> {
        Some(crate::ops::release::Request {
            release: self.release.clone()?,
            intent: crate::ops::release::Intent::Answer {
                comment: self.comment.clone(),
                verdict: self.verdict(),
            },
            act: self.act.clone(),
        })
    }
}

/// `a`: approve the gates here, with a comment.
pub fn approve(here: &Here) -> Result<Begin, String> {
    answer(here, Verdict::Approve)
}

/// `x`: reject them.
pub fn reject(here: &Here) -> Result<Begin, String> {
    answer(here, Verdict::Reject)
}

/// The gates here, answered; or, where what waits is an ECS pause hook (the hook row under the
/// cursor, or the service deployment on screen when no approval is chosen), the hook: `a`
/// goes on, `x` rolls back.
fn answer(here: &Here, verdict: Verdict) -> Result<Begin, String> {
    let rollback = verdict == Verdict::Reject;
    if here.hook.is_some() {
        return super::pause::begin(here, rollback);
    }
    let gates = match (&here.gates, &here.deployment) {
        (Err(_), Some(DeploymentRef::Ecs(_))) => return super::pause::begin(here, rollback),
        (gates, _) => gates.clone()?,
    };
    let verb = if verdict == Verdict::Approve {
        "Approve"
    } else {
        "Reject"
    };
    let drafts = gates
        .iter()
        .map(|gate| {
            Approve {
                pipeline: gate.pipeline.clone(),
                stage: gate.stage.clone(),
                action: gate.action.clone(),
                execution: gate.execution.clone(),
                comment: String::new(),
                verdict,
            }
            .into()
        })
        .collect();
    Ok(Begin {
        title: title(verb, &gates),
        start: Starts::Ask(super::Ask {
            prompt: "Comment (at most 512 characters):",
            drafts,
            labels: gates.iter().map(label).collect(),
            chosen: None,
        }),
    })
}

/// The dialog's title for answering `gates`.
fn title(verb: &str, gates: &[Gate]) -> String {
    match gates {
        [
            Gate {
                pipeline,
                stage: Some(stage),
                action: Some(action),
                execution,
                crowded,
            },
        ] => match execution {
            // Name the execution when it is one of several at the gate.
            Some(id) if *crowded => format!(
                "{verb} {pipeline} {stage}/{action} (execution {})",
                short(id)
            ),
            _ => format!("{verb} {pipeline} {stage}/{action}"),
        },
        [gate] => format!("{verb} {}", gate.pipeline),
        many => format!("{verb} {} approvals", many.len()),
    }
}

/// ` · pipeline stage/action · execution 1f0e2a3b`
fn label(gate: &Gate) -> String {
    let at = match (&gate.stage, &gate.action) {
        (Some(stage), Some(action)) => format!(" {stage}/{action}"),
        _ => String::new(),
    };
    let execution = gate
        .execution
        .as_deref()
        .map_or_else(String::new, |id| format!(" · execution {}", short(id)));
    format!(" · {}{at}{execution}", gate.pipeline)
}

/// The first eight characters of an execution id, as the screens show it.
pub fn short(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

/// What an approval asks for: which gate, which execution.
pub struct Wanted<'a> {
    pub stage: Option<&'a str>,
    pub action: Option<&'a str>,
    pub execution: Option<&'a str>,
}

/// The one approval `wanted` names among those waiting in `p`, or why there is not one.
pub fn choose_approval(p: &Pipeline, wanted: &Wanted<'_>) -> Result<PendingApproval, OpError> {
    let pipeline = &p.name;
    if let Some(name) = wanted
        .stage
        .filter(|s| !p.stages.iter().any(|x| x.name == *s))
    {
        return Err(OpError::Invalid(format!(
            "pipeline {pipeline} has no stage {name}"
        )));
    }
    let at_gate: Vec<PendingApproval> = p
        .waiting_approvals()
        .into_iter()
        .filter(|w| wanted.stage.is_none_or(|s| w.stage == s))
        .filter(|w| wanted.action.is_none_or(|a| w.action == a))
        .collect();
    let waiting: Vec<&PendingApproval> = at_gate
        .iter()
        .filter(|w| {
            wanted
                .execution
                .is_none_or(|id| w.execution_id.as_deref() == Some(id))
        })
        .collect();
    match waiting.as_slice() {
        [] => match wanted.execution {
            Some(id) if !at_gate.is_empty() => Err(gone(format!(
                "execution {id} is not waiting at an approval in {pipeline}; these are: {}",
                list(&at_gate.iter().collect::<Vec<_>>())
            ))),
            _ => Err(gone(format!(
                "no approval is waiting in {pipeline}: it may have been answered by someone else, or timed out"
            ))),
        },
        [one] => Ok((*one).clone()),
        many => {
            let gates: BTreeSet<(&str, &str)> = many
                .iter()
                .map(|w| (w.stage.as_str(), w.action.as_str()))
                .collect();
            let executions: BTreeSet<Option<&str>> =
                many.iter().map(|w| w.execution_id.as_deref()).collect();
            let name = match (gates.len() > 1, executions.len() > 1) {
                (true, true) => "--stage, --action and --execution",
                (true, false) => "--stage and --action",
                _ => "--execution",
            };
            let what = if gates.len() == 1 {
                let (stage, action) = gates.iter().next().copied().unwrap_or_default();
                format!(
                    "{} executions wait at {pipeline} {stage}/{action}",
                    many.len()
                )
            } else {
                format!("several approvals wait in {pipeline}")
            };
            Err(OpError::Invalid(format!(
                "{what}: {}; name one with {name}",
                list(many)
            )))
        }
    }
}

/// `Approval/ApproveProduction execution 1f0e…` for each, full ids: what a person pastes.
fn list(waiting: &[&PendingApproval]) -> String {
    waiting
        .iter()
        .map(|w| match &w.execution_id {
            Some(id) => format!("{}/{} execution {id}", w.stage, w.action),
            None => format!("{}/{}", w.stage, w.action),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The evidence an approval is answered on: the execution and its source revision, the
/// earlier stages' results, the health of the service it then deploys to.
async fn evidence(c: &Clients, p: &Pipeline, chosen: &PendingApproval) -> Vec<String> {
    let mut summary = Vec::new();
    let waiting_execution = match &chosen.execution_id {
        Some(id) => p.execution(id),
        None => p
            .executions
            .iter()
            .find(|e| e.status == ExecutionStatus::InProgress),
    };
    if let Some(e) = waiting_execution {
        let source = e.source_revisions.first().map_or_else(String::new, |r| {
            format!(
                " · source {} {}",
                r.revision_id.get(..7).unwrap_or(&r.revision_id),
                r.summary.clone().unwrap_or_default()
            )
        });
        summary.push(format!("execution {}{source}", e.id));
    } else if let Some(id) = &chosen.execution_id {
        summary.push(format!("execution {id}"));
    }
    for s in p.stages.iter().take_while(|s| s.name != chosen.stage) {
        // A stage's state is its latest run's: in PARALLEL mode that may be another
        // execution's, and the evidence says so rather than lend it to this one.
        let whose = match (&chosen.execution_id, &s.execution_id) {
            (Some(mine), Some(theirs)) if mine != theirs => {
                format!(
                    " (latest run: execution {})",
                    theirs.get(..8).unwrap_or(theirs)
                )
            }
            _ => String::new(),
        };
        summary.push(format!(
            "  {}: {}{whose}",
            s.name,
            s.status.as_ref().map_or("-", |x| x.as_str())
        ));
    }
    let deploys = p.actions().find_map(|(_, a)| a.deploys_to.clone());
    if let Some(target) = deploys {
        summary.push(format!(
            "then deploys to {}/{}",
            target.application, target.deployment_group
        ));
        // The health of the service it will deploy to, now. Evidence only: a read that
        // fails here is shown, and does not stop the approval.
        match crate::ops::prepare::service_health(c, &target.application, &target.deployment_group)
            .await
        {
            Ok(Some(health)) => summary.push(health),
            Ok(None) => {}
            Err(error) => summary.push(format!("service health not read: {error}")),
        }
    }
    summary
}
