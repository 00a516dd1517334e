//! The verbs: one module each, holding everything one action is: its arguments and how they
//! are checked ([`Verb::validate`]), the scope it can be held to, the fresh-state check that
//! plans its one call ([`Verb::prepare`]), the call itself ([`Verb::send`]), what is read
//! when the call's outcome is unknown ([`Verb::observe`]), its command-line form
//! ([`Verb::Args`]) and what it does with the row under the console's cursor
//! ([`Verb::begin`] and its acts).
//!
//! [`verbs!`] below is the registry: a line per verb, from which [`Op`], [`Call`], the
//! action subcommands ([`VerbCommand`]) and the console's acts ([`Act`]) are made, with
//! their dispatch. Adding a verb is a module here, a line in the registry, a key in
//! `app::keymap::BINDINGS` if the console offers it, and its tests.
//!
//! A verb never draws, never reads the terminal and never writes the audit log: the console
//! and the command line ask, [`super::execute`] records and sends.

pub mod approve;
pub mod finish;
pub mod pause;
pub mod redeploy;
pub mod reroute;
pub mod retry;
pub mod rollback;
pub mod rollback_stage;
pub mod scale;
pub mod start;
pub mod stop;
pub mod weights;

use std::future::Future;

use serde::Serialize;

use super::execute::Outcome;
use super::prepare::Plan;
use super::{Confirm, OpError};
use crate::aws::{AwsError, Clients};
use crate::config::Scope;
use crate::model::{DeploymentRef, ServiceRef};

/// What a verb is, for the registry's readers: the command line, the console's help and the
/// confirmation rules.
#[derive(Debug, PartialEq, Eq)]
pub struct Spec {
    /// The verb, as the audit log and the command line name it.
    pub name: &'static str,
    /// Dangerous actions need the target's name typed; the others a plain yes.
    pub dangerous: bool,
    /// The scope flags it can check (`clusters`, `services`, `applications`, `pipelines`),
    /// and why the others mean nothing to it: the command line refuses those.
    pub scope: (&'static [&'static str], &'static str),
}

/// A planned call with its evidence, before the registry names it an [`Op`]'s [`Plan`].
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared<C> {
    /// What will happen and the evidence, a line each.
    pub summary: Vec<String>,
    /// What a person types to confirm a dangerous action.
    pub typed_name: String,
    pub call: C,
}

/// How an action from the command line is confirmed (where it goes is in the global flags).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ActArgs {
    /// Answer a plain confirmation (for scripts).
    #[arg(long)]
    pub yes: bool,
    /// Answer a typed confirmation with the target's name (for scripts).
    #[arg(long, value_name = "NAME")]
    pub confirm: Option<String>,
}

/// The command line of a verb on one CodeDeploy deployment.
#[derive(Debug, clap::Args)]
pub struct DeploymentArgs {
    deployment: String,
    #[command(flatten)]
    act: ActArgs,
}

/// The call of a verb on one CodeDeploy deployment, by its id.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeploymentCall {
    pub deployment: String,
}

/// One action's contract. Futures are `Send`: the console runs them on its runtime's tasks.
pub trait Verb: Sized + Clone {
    /// The one call it makes, everything resolved; the audit log records it.
    type Call: Clone + PartialEq + Serialize + std::fmt::Debug + Send + Sync;
    /// Its command-line form, confirmation flags included.
    type Args: clap::Args + std::fmt::Debug;

    const SPEC: Spec;

    /// The verb's name; one verb may have two (approve and reject).
    fn name(&self) -> &'static str {
        Self::SPEC.name
    }

    /// What it acts on, as messages and the audit log name it.
    fn target(&self) -> String;

    /// Whether this action needs the target's name typed; some verbs are dangerous one way
    /// only (a pause answered ROLLBACK, not CONTINUE).
    fn dangerous(&self) -> bool {
        Self::SPEC.dangerous
    }

    /// Checks the input alone, before anything is read or sent.
    fn validate(&self) -> Result<(), OpError>;

    /// Takes what the console's dialog asked for (a comment, a count, weights).
    fn fill(&mut self, _text: &str) -> Result<(), OpError> {
        Ok(())
    }

    /// Refuses a target outside `scope` (not empty), reading only what it must to place it.
    fn scope(&self, c: &Clients, scope: &Scope)
    -> impl Future<Output = Result<(), OpError>> + Send;

    /// Reads the target fresh and plans the one call, or says why nothing can be sent.
    fn prepare(
        &self,
        c: &Clients,
    ) -> impl Future<Output = Result<Prepared<Self::Call>, OpError>> + Send;

    /// Sends the call once.
    fn send(
        c: &Clients,
        call: &Self::Call,
    ) -> impl Future<Output = Result<Outcome, AwsError>> + Send;

    /// After an unknown outcome: the target's state now, in a line a person can act on. It
    /// only reads; it never sends the call again.
    fn observe(
        c: &Clients,
        call: &Self::Call,
    ) -> impl Future<Output = Result<String, OpError>> + Send;

    /// The command line's form, parsed into the verb and its confirmation flags.
    fn from_args(args: Self::Args) -> Result<(Self, ActArgs), OpError>;
}

/// What the console has under its cursor (and marked), resolved against its snapshot, for
/// a verb to act on. Built by the console; verbs only read it.
#[derive(Debug, Clone, PartialEq)]
pub struct Here {
    /// The deployment on screen or under the cursor.
    pub deployment: Option<DeploymentRef>,
    /// Marked deployments: bulk actions take these over the one here.
    pub marked_deployments: Vec<DeploymentRef>,
    /// The deployment group (`application`, `group`) of the deployment here.
    pub group: Option<(String, String)>,
    /// The service (`cluster`, `service`) under the cursor or of the deployment here.
    pub service: Option<ServiceRef>,
    /// The pipeline on screen or under the cursor.
    pub pipeline: Option<String>,
    /// The execution of the approval row under the cursor, in that pipeline.
    pub execution: Option<String>,
    /// The pipeline's stage that deploys (else its last).
    pub deploy_stage: Option<String>,
    /// The approvals an answer goes to, or why there are none.
    pub gates: Result<Vec<approve::Gate>, String>,
    /// The rules forwarding to the target group under the cursor: (rule or listener ARN,
    /// label).
    pub rules: Vec<(String, String)>,
    /// The ECS pause hook under the cursor: (service deployment ARN, hook id).
    pub hook: Option<(String, String)>,
}

/// How an act starts in the console: plan these at once, or ask first.
#[derive(Debug, Clone, PartialEq)]
pub struct Begin {
    pub title: String,
    pub start: Starts,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Starts {
    /// Read fresh and plan at once.
    Plan(Vec<Op>),
    /// Ask for input first.
    Ask(Ask),
}

/// An input the dialog asks for before it can plan: the drafts it fills, each shown as a
/// line, all of them or the one chosen with tab.
#[derive(Debug, Clone, PartialEq)]
pub struct Ask {
    /// What to type.
    pub prompt: &'static str,
    pub drafts: Vec<Op>,
    /// A line per draft: the gate, the rule.
    pub labels: Vec<String>,
    /// `Some((i, noun))`: the input goes to draft `i` alone, and tab moves to the next
    /// `noun`; `None`: to every draft.
    pub chosen: Option<(usize, &'static str)>,
}

impl Ask {
    /// The actions the input asks for, or what is wrong with it.
    pub fn ops(&self, text: &str) -> Result<Vec<Op>, String> {
        let drafts = match self.chosen {
            Some((i, _)) => self.drafts.get(i).cloned().into_iter().collect(),
            None => self.drafts.clone(),
        };
        drafts
            .into_iter()
            .map(|mut op| {
                op.fill(text).map_err(|e| e.to_string())?;
                op.validate().map_err(|e| e.to_string())?;
                Ok(op)
            })
            .collect()
    }

    /// Tab: the next choice, when there is one to make.
    pub fn next(&mut self) {
        if let Some((i, _)) = &mut self.chosen {
            *i = (*i + 1) % self.drafts.len().max(1);
        }
    }
}

/// The registry. Each line: the verb's variant and module, the name of its call in the audit
/// log, its subcommand's help, and its console acts with the function that begins each.
macro_rules! verbs {
    ($(
        $(#[$doc:meta])*
        $verb:ident($module:ident) => $call:ident { $($act:ident: $begin:path),* $(,)? }
    ),* $(,)?) => {
        /// One operator action, as asked for.
        #[derive(Debug, Clone, PartialEq, Serialize)]
        #[serde(tag = "op", rename_all = "snake_case")]
        pub enum Op {
            $($verb($module::$verb),)*
        }

        /// The one call an action makes, with everything resolved. The audit log records it
        /// (all but an approval's token), so that what was acted on is known even when the
        /// command named less (no `--execution`, no `--to`).
        #[derive(Debug, Clone, PartialEq, Serialize)]
        #[serde(tag = "call", rename_all = "snake_case")]
        pub enum Call {
            $($call(<$module::$verb as Verb>::Call),)*
        }

        /// The action subcommands.
        #[derive(Debug, clap::Subcommand)]
        pub enum VerbCommand {
            $($(#[$doc])* $verb(<$module::$verb as Verb>::Args),)*
        }

        /// What a console key starts: a verb on what is under the cursor.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Act {
            $($($act,)*)*
        }

        $(impl From<$module::$verb> for Op {
            fn from(verb: $module::$verb) -> Self {
                Self::$verb(verb)
            }
        })*

        impl Op {
            pub fn spec(&self) -> &'static Spec {
                match self {
                    $(Self::$verb(_) => &<$module::$verb as Verb>::SPEC,)*
                }
            }

            /// The verb, as the audit log and the messages name it.
            pub fn name(&self) -> &'static str {
                match self {
                    $(Self::$verb(v) => v.name(),)*
                }
            }

            /// Whether it needs the target's name typed.
            pub fn dangerous(&self) -> bool {
                match self {
                    $(Self::$verb(v) => v.dangerous(),)*
                }
            }

            /// What it acts on.
            pub fn target(&self) -> String {
                match self {
                    $(Self::$verb(v) => v.target(),)*
                }
            }

            /// Checks the input alone, before anything is read or sent.
            pub fn validate(&self) -> Result<(), OpError> {
                if self.target().trim().is_empty() {
                    return Err(OpError::Invalid("the target must not be empty".to_owned()));
                }
                match self {
                    $(Self::$verb(v) => v.validate(),)*
                }
            }

            /// Takes the console dialog's input.
            pub fn fill(&mut self, text: &str) -> Result<(), OpError> {
                match self {
                    $(Self::$verb(v) => v.fill(text),)*
                }
            }

            /// Refuses an action outside a scope that is not empty.
            pub async fn scope(&self, c: &Clients, scope: &Scope) -> Result<(), OpError> {
                if scope.is_empty() {
                    return Ok(());
                }
                match self {
                    $(Self::$verb(v) => v.scope(c, scope).await,)*
                }
            }

            /// Reads fresh state and plans the one call.
            pub async fn plan(&self, c: &Clients) -> Result<Plan, OpError> {
                match self {
                    $(Self::$verb(v) => {
                        let p = v.prepare(c).await?;
                        Ok(Plan {
                            op: self.clone(),
                            summary: p.summary,
                            typed_name: p.typed_name,
                            call: Call::$call(p.call),
                        })
                    })*
                }
            }
        }

        impl Call {
            /// Sends it once.
            pub async fn send(&self, c: &Clients) -> Result<Outcome, AwsError> {
                match self {
                    $(Self::$call(call) => <$module::$verb as Verb>::send(c, call).await,)*
                }
            }

            /// Its target's state now, read fresh, after an unknown outcome.
            pub async fn observe(&self, c: &Clients) -> Result<String, OpError> {
                match self {
                    $(Self::$call(call) => <$module::$verb as Verb>::observe(c, call).await,)*
                }
            }
        }

        impl VerbCommand {
            pub fn spec(&self) -> &'static Spec {
                match self {
                    $(Self::$verb(_) => &<$module::$verb as Verb>::SPEC,)*
                }
            }

            /// The action and its confirmation flags, or why the arguments are wrong.
            pub fn into_op(self) -> Result<(Op, ActArgs), OpError> {
                match self {
                    $(Self::$verb(args) => {
                        <$module::$verb as Verb>::from_args(args).map(|(v, act)| (Op::$verb(v), act))
                    })*
                }
            }
        }

        impl Act {
            /// Every act, in the registry's order.
            pub const ALL: &[Self] = &[$($(Self::$act,)*)*];

            /// The act's verb.
            pub fn spec(self) -> &'static Spec {
                match self {
                    $($(Self::$act => &<$module::$verb as Verb>::SPEC,)*)*
                }
            }

            /// What it does with what is under the cursor: a dialog to open, or why not.
            pub fn begin(self, here: &Here) -> Result<Begin, String> {
                match self {
                    $($(Self::$act => $begin(here),)*)*
                }
            }
        }

        /// Every verb, in the registry's order.
        pub const SPECS: &[&Spec] = &[$(&<$module::$verb as Verb>::SPEC,)*];
    };
}

verbs! {
    /// Approve (or with --reject, reject) the manual approval waiting in a pipeline.
    Approve(approve) => Approval { Approve: approve::approve, Reject: approve::reject },
    /// Reroute production traffic now, for a deployment waiting in Ready.
    Reroute(reroute) => ContinueReady { Reroute: reroute::begin },
    /// End the termination wait and remove the original task set now.
    Finish(finish) => ContinueTermination { Finish: finish::begin },
    /// Stop a deployment and roll back to the original task set.
    Rollback(rollback) => StopWithRollback { Rollback: rollback::begin },
    /// Deploy a group again with the revision of its last successful deployment.
    Redeploy(redeploy) => Redeploy { Redeploy: redeploy::begin },
    /// Set a service's desired count.
    Scale(scale) => Scale { Scale: scale::begin },
    /// Set the forward weights of a listener rule or a listener's default action.
    Weights(weights) => Weights { Weights: weights::begin },
    /// Retry a pipeline's failed stage.
    Retry(retry) => Retry { Retry: retry::failed, RetryAll: retry::all },
    /// Stop a pipeline's running execution.
    Stop(stop) => Stop { StopWait: stop::wait, StopAbandon: stop::abandon },
    /// Answer a pause hook of an ECS service deployment: go on, or with --rollback roll back.
    Continue(pause) => ContinueHook {},
    /// Roll a stage back to what an earlier successful execution deployed.
    RollbackStage(rollback_stage) => RollbackStage { RollbackStage: rollback_stage::begin },
    /// Start a pipeline execution.
    Start(start) => Start { Start: start::begin },
}

impl VerbCommand {
    /// The form that acts on a whole release (`approve --release`, `rollback --release`),
    /// when it was given; an error when its input is wrong.
    pub fn release(&self) -> Option<Result<super::release::Request, OpError>> {
        match self {
            Self::Approve(args) => args.release().map(Ok),
            Self::Rollback(args) => args.release(),
            _ => None,
        }
    }
}

impl Op {
    /// Dangerous actions need the target's name typed; the others a plain yes. In a
    /// protected account every action needs the name typed. `typed_name` is the name a
    /// person types for this target (the deployment id, `application/group`, the pipeline,
    /// the load balancer).
    pub fn confirmation(&self, typed_name: &str, protected: bool) -> Confirm {
        if self.dangerous() || protected {
            Confirm::Typed(typed_name.to_owned())
        } else {
            Confirm::Plain
        }
    }
}

/// A dialog that plans at once.
fn plan(title: String, ops: Vec<Op>) -> Begin {
    Begin {
        title,
        start: Starts::Plan(ops),
    }
}

/// What a deployment action names: a deployment of either platform, or a service, whose
/// deployment in flight it means. Written down (audit log, messages) as it was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Deployment(DeploymentRef),
    Service(ServiceRef),
}

impl Target {
    /// From the command line: a CodeDeploy id (`d-…`), an ECS service deployment ARN, or
    /// `CLUSTER/SERVICE`.
    pub fn parse(text: &str) -> Result<Self, OpError> {
        let text = text.trim();
        if text.starts_with("arn:") {
            return match crate::model::service_deployment::service_of(text) {
                Some(_) if text.contains(":service-deployment/") => {
                    Ok(Self::Deployment(DeploymentRef::Ecs(text.to_owned())))
                }
                _ => Err(OpError::Invalid(format!(
                    "'{text}' is not an ECS service deployment ARN (…:service-deployment/CLUSTER/SERVICE/ID)"
                ))),
            };
        }
        if text.starts_with("d-") {
            deployment_id(text)?;
            return Ok(Self::Deployment(DeploymentRef::CodeDeploy(text.to_owned())));
        }
        let (cluster, service) = split(
            text,
            "a deployment id, a service deployment ARN or CLUSTER/SERVICE",
        )?;
        Ok(Self::Service(ServiceRef::new(cluster, service)))
    }

    /// The service, when the target names it (an ECS deployment's ARN does).
    pub fn service(&self) -> Option<ServiceRef> {
        match self {
            Self::Deployment(DeploymentRef::Ecs(arn)) => {
                crate::model::service_deployment::service_of(arn)
            }
            Self::Deployment(DeploymentRef::CodeDeploy(_)) => None,
            Self::Service(service) => Some(service.clone()),
        }
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Deployment(d) => f.write_str(d.id()),
            Self::Service(s) => write!(f, "{s}"),
        }
    }
}

impl Serialize for Target {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// `APPLICATION/GROUP`, `CLUSTER/SERVICE`: two names, neither empty.
fn split(text: &str, what: &str) -> Result<(String, String), OpError> {
    match text.split_once('/') {
        Some((a, b)) if !a.is_empty() && !b.is_empty() => Ok((a.to_owned(), b.to_owned())),
        _ => Err(OpError::Invalid(format!("'{text}' is not {what}"))),
    }
}

/// `None`, or why an optional name given empty is wrong.
fn blank(what: &str, value: Option<&str>) -> Result<(), OpError> {
    if value.is_some_and(|v| v.trim().is_empty()) {
        Err(OpError::Invalid(format!("{what} must not be empty")))
    } else {
        Ok(())
    }
}

/// The CodeDeploy deployment here, for the verbs that act on one.
fn codedeploy_here(here: &Here, verb: &str) -> Result<String, String> {
    let deployment = here
        .deployment
        .as_ref()
        .ok_or("select a deployment first")?;
    codedeploy(deployment, verb)
}

/// The CodeDeploy deployment's id, or why `verb` cannot act on this deployment.
fn codedeploy(deployment: &DeploymentRef, verb: &str) -> Result<String, String> {
    deployment.codedeploy().map(str::to_owned).ok_or_else(|| {
        format!("{deployment} is an ECS service deployment: {verb} acts on CodeDeploy deployments")
    })
}

/// A CodeDeploy deployment id: `d-` and nine capital letters or digits.
fn deployment_id(deployment: &str) -> Result<(), OpError> {
    let well_formed = deployment.len() == 11
        && deployment.starts_with("d-")
        && deployment[2..]
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    if well_formed {
        Ok(())
    } else {
        Err(OpError::Invalid(format!(
            "'{deployment}' is not a deployment id (d- and nine letters or digits)"
        )))
    }
}

/// An outcome with its request id.
fn done(request_id: Option<String>, message: String) -> Outcome {
    Outcome {
        message,
        request_id,
    }
}
