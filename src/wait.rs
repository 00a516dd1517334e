//! `cutover wait DEPLOYMENT|ARN --for ready|done|stage:NAME`: follows one deployment, a
//! CodeDeploy deployment (`d-…`) or an ECS service deployment (its ARN), until it gets there
//! (exit 0), fails, is stopped or rolls back (1), or the timeout passes (124). A progress line
//! on a terminal, a line per change otherwise. What "there" means is judged here from what
//! AWS says, purely ([`judge_codedeploy`], [`judge_ecs`]); it must not act.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use crate::aws::{AwsError, Clients, codedeploy, service_deployments};
use crate::cli::{GlobalArgs, WaitArgs};
use crate::config::Config;
use crate::model::deploy::Deployment;
use crate::model::progress::{self, Phase};
use crate::model::service_deployment::ServiceDeployment;
use crate::model::status::{
    DeploymentStatus, LifecycleStatus, ServiceDeploymentStage, ServiceDeploymentStatus,
};
use crate::model::time::{Timestamp, human_duration};
use crate::ops::cli::{EXIT_FAILED, EXIT_INVALID, EXIT_UNKNOWN};

/// The exit status on timeout, as timeout(1) has it.
pub const EXIT_TIMEOUT: i32 = 124;

/// The ECS blue/green deployment's lifecycle events, in the order they run (CodeDeploy user
/// guide, "AppSpec hooks section for an Amazon ECS deployment").
pub const CODEDEPLOY_EVENTS: [&str; 8] = [
    "BeforeInstall",
    "Install",
    "AfterInstall",
    "AllowTestTraffic",
    "AfterAllowTestTraffic",
    "BeforeAllowTraffic",
    "AllowTraffic",
    "AfterAllowTraffic",
];

/// ECS `ServiceDeploymentLifecycleStage`, in the order the stages run (ECS API reference).
const ECS_STAGES: &[&str] = ServiceDeploymentStage::KNOWN;

/// Where to wait for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Goal {
    /// Green is up and has taken test traffic; production is next (CodeDeploy: Ready, or
    /// production moving; ECS: past the test traffic shift).
    Ready,
    /// The deployment succeeded.
    Done,
    /// A lifecycle event (CodeDeploy) or stage (ECS) has started, by its name.
    Stage(String),
}

impl Goal {
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.trim() {
            "ready" => Ok(Self::Ready),
            "done" => Ok(Self::Done),
            other => match other.strip_prefix("stage:").map(str::trim) {
                Some(name) if !name.is_empty() => Ok(Self::Stage(name.to_owned())),
                _ => Err(format!(
                    "--for {other}: give ready, done, or stage:NAME (a CodeDeploy lifecycle event such as AfterAllowTestTraffic, or an ECS stage such as POST_TEST_TRAFFIC_SHIFT)"
                )),
            },
        }
    }

    fn label(&self) -> String {
        match self {
            Self::Ready => "ready".to_owned(),
            Self::Done => "done".to_owned(),
            Self::Stage(name) => format!("stage {name}"),
        }
    }
}

/// What is followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    CodeDeploy(String),
    Ecs(String),
}

impl Target {
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.starts_with("d-") && text.len() > 2 {
            Ok(Self::CodeDeploy(text.to_owned()))
        } else if text.starts_with("arn:") && text.contains(":service-deployment/") {
            Ok(Self::Ecs(text.to_owned()))
        } else {
            Err(format!(
                "{text}: give a CodeDeploy deployment id (d-XXXXXXXXX) or an ECS service deployment ARN (arn:aws:ecs:…:service-deployment/…)"
            ))
        }
    }

    fn id(&self) -> &str {
        match self {
            Self::CodeDeploy(id) | Self::Ecs(id) => id,
        }
    }
}

/// How a deployment stands against the goal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Going,
    Reached,
    /// Failed, stopped or rolled back, with why.
    Failed(String),
}

/// The goal's stage name as the platform spells it, or why it names none of its stages.
fn stage_of<'a>(name: &str, names: &[&'a str], platform: &str) -> Result<&'a str, String> {
    if let Some(found) = names.iter().find(|n| n.eq_ignore_ascii_case(name)) {
        return Ok(found);
    }
    if name.eq_ignore_ascii_case("PRE_PRODUCTION_TRAFFIC_SHIFT") {
        return Err(
            "PRE_PRODUCTION_TRAFFIC_SHIFT is a hook stage that ECS never reports as the deployment's stage: wait for stage:PRODUCTION_TRAFFIC_SHIFT".to_owned(),
        );
    }
    Err(format!(
        "stage:{name} is not a stage of {platform}; its stages are {}",
        names.join(", ")
    ))
}

/// A CodeDeploy deployment against `goal`; an error when the goal names no lifecycle event.
pub fn judge_codedeploy(d: &Deployment, goal: &Goal) -> Result<Verdict, String> {
    if matches!(
        d.status,
        DeploymentStatus::Failed | DeploymentStatus::Stopped
    ) {
        let why = d.error.as_ref().map_or_else(
            || d.status.as_str().to_owned(),
            |e| format!("{}: {}", e.code, e.message),
        );
        let rolled = d
            .rolled_back_by
            .as_ref()
            .map_or(String::new(), |r| format!(" (rolled back by {r})"));
        return Ok(Verdict::Failed(format!(
            "{} {}{rolled}: {why}",
            d.id,
            d.status.as_str().to_lowercase()
        )));
    }
    let succeeded = d.status == DeploymentStatus::Succeeded;
    let reached = match goal {
        Goal::Done => succeeded,
        Goal::Ready => {
            let phase = d.progress.as_ref().map(|p| p.phase);
            succeeded
                || d.status == DeploymentStatus::Ready
                || matches!(
                    phase,
                    Some(
                        Phase::ReadyWait
                            | Phase::BeforeTraffic
                            | Phase::Shifting
                            | Phase::AfterTraffic
                            | Phase::TerminationWait
                            | Phase::RemovingBlue
                    )
                )
        }
        Goal::Stage(name) => {
            let name = stage_of(name, &CODEDEPLOY_EVENTS, "a CodeDeploy ECS deployment")?;
            succeeded
                || d.event(name).is_some_and(|e| {
                    matches!(
                        e.status,
                        LifecycleStatus::InProgress
                            | LifecycleStatus::Succeeded
                            | LifecycleStatus::Skipped
                    )
                })
        }
    };
    Ok(if reached {
        Verdict::Reached
    } else {
        Verdict::Going
    })
}

/// Where an ECS stage comes in the order they run.
fn rank(stage: &ServiceDeploymentStage) -> Option<usize> {
    ECS_STAGES.iter().position(|s| *s == stage.as_str())
}

/// An ECS service deployment against `goal`; an error when the goal names no ECS stage.
pub fn judge_ecs(d: &ServiceDeployment, goal: &Goal) -> Result<Verdict, String> {
    use ServiceDeploymentStatus as S;
    if matches!(
        d.status,
        S::Stopped | S::StopRequested | S::RollbackRequested | S::RollbackInProgress
    ) || d.failed()
    {
        let why = d
            .status_reason
            .clone()
            .or_else(|| d.rollback.as_ref().and_then(|r| r.reason.clone()))
            .unwrap_or_else(|| "no reason given".to_owned());
        return Ok(Verdict::Failed(format!(
            "{} {}: {why}",
            d.service,
            d.status.as_str()
        )));
    }
    let succeeded = d.status == S::Successful;
    let at = d.stage.as_ref().and_then(rank);
    let reached = match goal {
        Goal::Done => succeeded,
        // A rolling deployment has no stages: it is ready when it is done.
        Goal::Ready => succeeded || at.is_some_and(|i| i >= rank_of("POST_TEST_TRAFFIC_SHIFT")),
        Goal::Stage(name) => {
            let name = stage_of(name, ECS_STAGES, "an ECS service deployment")?;
            succeeded || at.is_some_and(|i| i >= rank_of(name))
        }
    };
    Ok(if reached {
        Verdict::Reached
    } else {
        Verdict::Going
    })
}

fn rank_of(name: &str) -> usize {
    ECS_STAGES.iter().position(|s| *s == name).unwrap_or(0)
}

/// One line of where a CodeDeploy deployment stands.
pub fn line_codedeploy(d: &Deployment) -> String {
    let mut parts = vec![
        format!("{} {}/{}", d.id, d.application, d.deployment_group),
        d.status.as_str().to_owned(),
    ];
    if let Some(p) = &d.progress {
        if let Some(event) = &p.current_event {
            parts.push(event.clone());
        }
        if d.target.is_some() {
            parts.push(format!("{:.0}% on green", p.percent_on_green));
        }
    }
    parts.join(" · ")
}

/// One line of where an ECS service deployment stands.
pub fn line_ecs(d: &ServiceDeployment) -> String {
    let mut parts = vec![d.service.to_string(), d.status.as_str().to_owned()];
    if let Some(stage) = &d.stage {
        parts.push(stage.as_str().to_owned());
    }
    if let Some(green) = d.on_green {
        parts.push(format!("{:.0}% on green", green.percent));
    }
    if d.waiting_hooks().next().is_some() {
        parts.push("a pause hook waits (cutover continue)".to_owned());
    }
    parts.join(" · ")
}

/// Runs the command; the process's exit status.
pub fn run(args: &WaitArgs, global: &GlobalArgs) -> i32 {
    let prepared = Target::parse(&args.target)
        .and_then(|t| Ok((t, Goal::parse(&args.goal)?)))
        .and_then(|(t, g)| {
            let timeout = crate::model::time::parse_span(&args.timeout)
                .filter(|s| *s > 0)
                .ok_or_else(|| {
                    format!(
                        "--timeout {}: give a span such as 90s, 30m, 2h",
                        args.timeout
                    )
                })?;
            let config = Config::load(global.aws.config.as_deref()).map_err(|e| e.to_string())?;
            let reach = global.reach(&config)?;
            let options =
                crate::ops::cli::to_act(reach.profile, reach.region, reach.endpoint_url, &config);
            Ok((t, g, timeout, options))
        });
    let (target, goal, timeout, options) = match prepared {
        Ok(p) => p,
        Err(error) => {
            eprintln!("cutover wait: {error}");
            return EXIT_INVALID;
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(error) => {
            eprintln!("cutover wait: {error}");
            return EXIT_FAILED;
        }
    };
    runtime.block_on(async {
        let clients = crate::aws::connect(&options).await;
        let follow = Follow {
            target,
            goal,
            timeout: Duration::from_secs(timeout.unsigned_abs()),
            every: Duration::from_secs(args.every),
            terminal: std::io::stderr().is_terminal(),
        };
        follow.run(&clients).await
    })
}

struct Follow {
    target: Target,
    goal: Goal,
    timeout: Duration,
    every: Duration,
    terminal: bool,
}

/// One read of the deployment: where it stands and the verdict, or why it cannot be judged.
enum Read {
    Judged(String, Verdict),
    Missing,
    Invalid(String),
    Unread(AwsError),
}

impl Follow {
    async fn run(&self, clients: &Clients) -> i32 {
        let started = Instant::now();
        let mut target_id = None;
        let mut last = String::new();
        loop {
            let read = match &self.target {
                Target::CodeDeploy(id) => {
                    read_codedeploy(clients, id, &mut target_id, &self.goal).await
                }
                Target::Ecs(arn) => read_ecs(clients, arn, &self.goal).await,
            };
            let elapsed = started.elapsed();
            let (line, verdict) = match read {
                Read::Judged(line, verdict) => (line, verdict),
                Read::Missing => {
                    self.clear();
                    eprintln!("cutover wait: no deployment {} here", self.target.id());
                    return EXIT_INVALID;
                }
                Read::Invalid(why) => {
                    self.clear();
                    eprintln!("cutover wait: {why}");
                    return EXIT_INVALID;
                }
                Read::Unread(error)
                    if error.is_fatal() || error.kind.as_str() == "access_denied" =>
                {
                    self.clear();
                    eprintln!("cutover wait: cannot read {}: {error}", self.target.id());
                    return EXIT_UNKNOWN;
                }
                // A throttle, a 5xx, a timeout: the next read may pass.
                Read::Unread(error) => {
                    let said = format!("{last} (read failed: {error})");
                    if elapsed >= self.timeout {
                        self.clear();
                        println!(
                            "timed out after {}: {said}",
                            human_duration(elapsed.as_secs() as i64)
                        );
                        return EXIT_TIMEOUT;
                    }
                    self.progress(&said, &last, elapsed);
                    tokio::time::sleep(self.every.min(self.timeout.saturating_sub(elapsed))).await;
                    continue;
                }
            };
            match verdict {
                Verdict::Reached => {
                    self.clear();
                    println!("{line}");
                    println!(
                        "{} reached {} after {}",
                        self.target.id(),
                        self.goal.label(),
                        human_duration(elapsed.as_secs() as i64)
                    );
                    return 0;
                }
                Verdict::Failed(why) => {
                    self.clear();
                    println!("{line}");
                    println!("{why}");
                    return EXIT_FAILED;
                }
                Verdict::Going => {}
            }
            if elapsed >= self.timeout {
                self.clear();
                println!(
                    "timed out after {} waiting for {}: {line}",
                    human_duration(self.timeout.as_secs() as i64),
                    self.goal.label()
                );
                return EXIT_TIMEOUT;
            }
            self.progress(&line, &last, elapsed);
            last = line;
            tokio::time::sleep(self.every.min(self.timeout.saturating_sub(elapsed))).await;
        }
    }

    /// On a terminal, the line redrawn in place with the time waited; otherwise a line each
    /// time it changes.
    fn progress(&self, line: &str, last: &str, elapsed: Duration) {
        let mut err = std::io::stderr();
        if self.terminal {
            let _ = write!(
                err,
                "\r\x1b[2K{line} · waiting for {} {}",
                self.goal.label(),
                human_duration(elapsed.as_secs() as i64)
            );
            let _ = err.flush();
        } else if line != last {
            let _ = writeln!(err, "{line}");
        }
    }

    fn clear(&self) {
        if self.terminal {
            let _ = write!(std::io::stderr(), "\r\x1b[2K");
        }
    }
}

/// The CodeDeploy deployment with its lifecycle events and traffic (BatchGetDeployments,
/// ListDeploymentTargets once, BatchGetDeploymentTargets), judged.
async fn read_codedeploy(
    c: &Clients,
    id: &str,
    target_id: &mut Option<String>,
    goal: &Goal,
) -> Read {
    let mut d = match codedeploy::batch_deployments(c, &[id.to_owned()]).await {
        Ok(list) => match list.into_iter().next() {
            Some(d) => d,
            None => return Read::Missing,
        },
        Err(e) if e.kind.as_str() == "not_found" => return Read::Missing,
        Err(e) => return Read::Unread(e),
    };
    // The target's id never changes: listed once (ListDeploymentTargets), once it started.
    if target_id.is_none() && d.status.has_started() {
        match codedeploy::target_ids(c, &d.id).await {
            Ok(ids) => *target_id = ids.into_iter().next(),
            Err(e) => return Read::Unread(e),
        }
    }
    if let Some(target) = target_id.as_deref().filter(|_| d.status.has_started()) {
        match codedeploy::target(c, &d.id, target).await {
            Ok(t) => d.target = t,
            Err(e) => return Read::Unread(e),
        }
    }
    let routing = codedeploy::builtin_routing(&d.config);
    let now = c.server_time().unwrap_or_else(Timestamp::now);
    d.progress = Some(progress::progress(&d, routing, now));
    match judge_codedeploy(&d, goal) {
        Ok(verdict) => Read::Judged(line_codedeploy(&d), verdict),
        Err(why) => Read::Invalid(why),
    }
}

/// The ECS service deployment (DescribeServiceDeployments), judged.
async fn read_ecs(c: &Clients, arn: &str, goal: &Goal) -> Read {
    match service_deployments::describe(c, &[arn.to_owned()]).await {
        Ok(list) => match list.into_iter().next() {
            Some(d) => match judge_ecs(&d, goal) {
                Ok(verdict) => Read::Judged(line_ecs(&d), verdict),
                Err(why) => Read::Invalid(why),
            },
            None => Read::Missing,
        },
        Err(e) if e.kind.as_str() == "not_found" => Read::Missing,
        Err(e) => Read::Unread(e),
    }
}

#[cfg(test)]
mod tests;
