//! Acting on a whole release (`cutover approve --release NAME`, `cutover rollback --release
//! NAME [--since TIME]`; NAME the config file's or a shared revision's, `rev:9cfbd65`, as
//! [`crate::release::find`] finds it): its members gathered from every source
//! ([`crate::release::gather`]), what will be done to each planned from them ([`plan`], no
//! I/O), then each action checked on fresh state in its member's own source, the whole
//! shown, confirmed once by typing the release's name, and sent there one by one through
//! [`super::execute`], the audit log naming the source. A member whose source is read-only
//! is refused and nothing is sent to it; the others go ahead. Exit codes as the other
//! actions: 0 all done (or nothing to do), 1 one failed (or could not be checked, or a source
//! could not be read), 4 refused (read-only, not confirmed), 5 one's result is unknown; the
//! worst wins in the order 5, 1, 4.

use std::fmt::Write as _;

use crate::audit::{Audit, Who};
use crate::aws::{Clients, connect};
use crate::config::{Config, Scope};
use crate::model::{DeploymentRef, Snapshot, Timestamp};
use crate::release::{Member, Release, ReleaseDef, gather};
use crate::sources::SourceSpec;

use super::cli::{EXIT_FAILED, EXIT_REFUSED, EXIT_UNKNOWN, Reach};
use super::execute::execute;
use super::prepare::{Plan, prepare};
use super::verbs::approve::{Approve, Verdict};
use super::verbs::redeploy::Redeploy;
use super::verbs::rollback::Rollback;
use super::verbs::{ActArgs, Target};
use super::{Confirm, Op, OpError};

/// How far back `--since` reaches: the snapshot reads the last day's deployments.
pub const SINCE_LIMIT_SECONDS: i64 = 24 * 3600;

/// An action over a release, as the command line asked for it.
#[derive(Debug, Clone)]
pub struct Request {
    pub release: String,
    pub intent: Intent,
    pub act: ActArgs,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Intent {
    /// Every gate waiting in the release's pipelines, answered with one comment.
    Answer { comment: String, verdict: Verdict },
    /// Every deployment in flight of its services stopped with rollback; with `since`, every
    /// service whose newest deployment succeeded since then redeployed with the revision
    /// before.
    Rollback { since: Option<Since> },
}

/// `--since`: a time, or a span back from when each source was read (its own clock).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Since {
    At(Timestamp),
    Ago { seconds: i64 },
}

/// `2026-11-22T10:00:00Z`, a prefix of one (`2026-11-22`, `2026-11-22T10`), or `30m`, `2h`,
/// `1d`, `90s` back. At most a day back when relative.
pub fn parse_since(text: &str) -> Result<Since, OpError> {
    let text = text.trim();
    let wrong = || {
        OpError::Invalid(format!(
            "--since {text}: give an RFC 3339 time (2026-11-22T10:00:00Z), a prefix of one (2026-11-22), or a span back (30m, 2h, 1d)"
        ))
    };
    if text.len() < 2 {
        return Err(wrong());
    }
    if let Some(seconds) = crate::model::time::parse_span(text) {
        if seconds > SINCE_LIMIT_SECONDS {
            return Err(OpError::Invalid(format!(
                "--since {text}: cutover reads the last 24 hours' deployments; give at most 24h"
            )));
        }
        return Ok(Since::Ago { seconds });
    }
    const TEMPLATE: &str = "0000-01-01T00:00:00Z";
    if text.len() < 4 {
        return Err(wrong());
    }
    let whole = if text.len() < TEMPLATE.len() && text.is_ascii() {
        format!("{text}{}", &TEMPLATE[text.len()..])
    } else {
        text.to_owned()
    };
    let t = time::OffsetDateTime::parse(&whole, &time::format_description::well_known::Rfc3339)
        .map_err(|_| wrong())?;
    let millis = i64::try_from(t.unix_timestamp_nanos() / 1_000_000).map_err(|_| wrong())?;
    Ok(Since::At(Timestamp(millis)))
}

/// What is done to one member of the release.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// The member's source, as [`SourceSpec::name`] names it.
    pub source: String,
    /// `pipeline` or `service`.
    pub kind: &'static str,
    pub member: String,
    pub what: What,
}

#[derive(Debug, Clone, PartialEq)]
pub enum What {
    /// This action, in the member's source.
    Send(Op),
    /// Nothing, and why.
    Nothing(String),
}

/// What an intent does to each member of a release, a step per action (a member with
/// several gates waiting has a step each) or per member left alone. No I/O: each action is
/// checked again on fresh state before anything is sent.
pub fn plan(release: &Release, intent: &Intent) -> Vec<Step> {
    let mut steps = Vec::new();
    for m in &release.members {
        let step = |what: What| Step {
            source: m.source.clone(),
            kind: m.kind,
            member: m.name.clone(),
            what,
        };
        let whats = match intent {
            Intent::Answer { comment, verdict } => answer(m, comment, *verdict),
            Intent::Rollback { since } => vec![roll_back(m, *since)],
        };
        steps.extend(whats.into_iter().map(step));
    }
    steps
}

/// A member's gates answered: each approval waiting (each execution at a PARALLEL gate its
/// own), named by stage, action and execution so that the answer goes to it and no other.
fn answer(m: &Member, comment: &str, verdict: Verdict) -> Vec<What> {
    let mut whats: Vec<What> = m
        .waiting
        .iter()
        .map(|w| match &w.gate {
            Some((stage, action)) if m.kind == "pipeline" => What::Send(
                Approve {
                    pipeline: m.name.clone(),
                    stage: Some(stage.clone()),
                    action: Some(action.clone()),
                    execution: w.execution.clone(),
                    comment: comment.to_owned(),
                    verdict,
                }
                .into(),
            ),
            _ => What::Nothing(format!(
                "{} waits: answer it with cutover continue {}",
                w.at, m.name
            )),
        })
        .collect();
    if whats.is_empty() {
        whats.push(What::Nothing("no gate waiting".to_owned()));
    }
    whats
}

/// A member rolled back: its deployment in flight stopped with rollback, else (with `since`)
/// its newest deployment, succeeded since then, undone by redeploying the revision before.
fn roll_back(m: &Member, since: Option<Since>) -> What {
    if m.kind != "service" {
        return What::Nothing(
            "a pipeline: rollback acts on the deployments of the release's services".to_owned(),
        );
    }
    if let Some(d) = &m.deployment {
        let deployment = if d.id.starts_with("arn:") {
            DeploymentRef::Ecs(d.id.clone())
        } else {
            DeploymentRef::CodeDeploy(d.id.clone())
        };
        return What::Send(
            Rollback {
                deployment: Target::Deployment(deployment),
            }
            .into(),
        );
    }
    let Some(since) = since else {
        return What::Nothing("no deployment in flight".to_owned());
    };
    let Some(last) = &m.last else {
        return What::Nothing("no deployment in flight, none in the last 24 hours".to_owned());
    };
    let within = match since {
        Since::At(t) => last.ended.map(|e| e >= t),
        Since::Ago { seconds } => last.ended_seconds_ago.map(|a| a <= seconds),
    };
    let id = &last.id;
    match (within, &last.group, &last.rollback_of) {
        (None, ..) => What::Nothing(format!("when {id} ended is not known")),
        (Some(false), ..) => What::Nothing(format!(
            "its newest deployment {id} ({}) ended before --since",
            last.status
        )),
        _ if !last.succeeded => What::Nothing(format!(
            "its newest deployment {id} ended {}: nothing deployed to undo",
            last.status
        )),
        (_, _, Some(of)) => What::Nothing(format!(
            "its newest deployment {id} rolled back {of}: it is the revision before"
        )),
        (_, None, _) => What::Nothing(format!(
            "its newest deployment {id} succeeded, on ECS: cutover redeploys CodeDeploy groups only"
        )),
        (_, Some(group), None) => {
            let (application, group) = group.split_once('/').unwrap_or((group, ""));
            What::Send(
                Redeploy {
                    application: application.to_owned(),
                    group: group.to_owned(),
                    undo: Some(id.clone()),
                }
                .into(),
            )
        }
    }
}

/// A step as it stands after the fresh-state checks.
enum Fate {
    Nothing(String),
    /// Refused by policy (read-only): nothing is sent to it.
    Refused(String),
    /// Its check failed (the world moved, the source could not be reached): nothing is sent.
    Cannot(String),
    /// Checked and planned: sent once confirmed, in source `source`.
    Ready {
        plan: Box<Plan>,
        source: usize,
    },
}

/// A source acted in: its clients (the mutation's without retries) and who acts there.
struct Reached {
    clients: Clients,
    once: Clients,
    who: Who,
}

/// Runs a release action from the command line over `read` (every source, and its snapshot
/// when it could be read); the process exit code.
pub fn run(
    request: &Request,
    def: &ReleaseDef,
    read: &[(SourceSpec, Option<&Snapshot>)],
    reach: &Reach,
    config: &Config,
) -> i32 {
    let name = match request.intent {
        Intent::Answer { verdict, .. } => match verdict {
            Verdict::Approve => "approve",
            Verdict::Reject => "reject",
        },
        Intent::Rollback { .. } => "rollback",
    };
    let snapshots: Vec<(SourceSpec, &Snapshot)> = read
        .iter()
        .filter_map(|(spec, s)| s.map(|s| (spec.clone(), s)))
        .collect();
    let release = gather(def, &snapshots);
    let steps = plan(&release, &request.intent);
    let Some(audit) = Audit::default_location() else {
        eprintln!(
            "cutover {name}: no state directory (set HOME or XDG_STATE_HOME): nothing was sent"
        );
        return EXIT_REFUSED;
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("cutover {name}: {error}");
            return EXIT_FAILED;
        }
    };
    runtime.block_on(async {
        let sources: Vec<SourceSpec> = read.iter().map(|(spec, _)| spec.clone()).collect();
        let (fates, reached) = check(&steps, &sources, reach, config).await;
        let unread: Vec<String> = read
            .iter()
            .filter(|(_, s)| s.is_none())
            .map(|(spec, _)| spec.name())
            .collect();
        eprint!("{}", shown(&release.name, name, &steps, &fates, &unread));
        let ready = fates
            .iter()
            .filter(|f| matches!(f, Fate::Ready { .. }))
            .count();
        let worst = worst(&fates, !unread.is_empty());
        if ready == 0 {
            eprintln!("cutover {name}: nothing to send");
            return worst;
        }
        let needed = Confirm::Typed(release.name.clone());
        if let Err(error) = super::cli::confirm(&needed, &request.act) {
            eprintln!("cutover {name}: {error}");
            return EXIT_REFUSED;
        }
        let mut code = worst;
        for (step, fate) in steps.iter().zip(&fates) {
            let Fate::Ready { plan, source } = fate else {
                continue;
            };
            let Some(Some(at)) = reached.get(*source) else {
                continue;
            };
            let result = execute(&at.once, plan, &audit, &at.who, &|line: &str| {
                eprintln!("{line}");
            })
            .await;
            let (mark, message) = match result {
                Ok(outcome) => (
                    "ok",
                    match outcome.request_id {
                        Some(id) => format!("{} (request {id})", outcome.message),
                        None => outcome.message,
                    },
                ),
                Err(OpError::Unknown(message)) => {
                    code = EXIT_UNKNOWN;
                    ("unknown", message)
                }
                Err(error) => {
                    if code != EXIT_UNKNOWN {
                        code = EXIT_FAILED;
                    }
                    ("failed", error.to_string())
                }
            };
            println!(
                "{:<12} {:<8} {:<36} {mark}: {message}",
                step.source, step.kind, step.member
            );
        }
        code
    })
}

/// The exit code before anything is sent: 1 when a check failed or a source could not be
/// read, else 4 when a member was refused, else 0.
fn worst(fates: &[Fate], unread: bool) -> i32 {
    if unread || fates.iter().any(|f| matches!(f, Fate::Cannot(_))) {
        EXIT_FAILED
    } else if fates.iter().any(|f| matches!(f, Fate::Refused(_))) {
        EXIT_REFUSED
    } else {
        0
    }
}

/// Each step checked in its source: refused there when the source is read-only, else
/// placed against the scope and prepared on fresh state. Each source is reached once.
async fn check(
    steps: &[Step],
    sources: &[SourceSpec],
    reach: &Reach,
    config: &Config,
) -> (Vec<Fate>, Vec<Option<Reached>>) {
    let mut reached: Vec<Option<Result<Reached, String>>> = sources.iter().map(|_| None).collect();
    let scope: Scope = config.scope.clone().merge(reach.scope.clone());
    let mut fates = Vec::new();
    for step in steps {
        let op = match &step.what {
            What::Nothing(why) => {
                fates.push(Fate::Nothing(why.clone()));
                continue;
            }
            What::Send(op) => op,
        };
        let Some(i) = sources.iter().position(|s| s.name() == step.source) else {
            fates.push(Fate::Cannot(format!("no source {}", step.source)));
            continue;
        };
        let spec = &sources[i];
        if let Some(why) = read_only(spec, reach, config) {
            fates.push(Fate::Refused(why));
            continue;
        }
        if reached[i].is_none() {
            reached[i] = Some(reach_source(spec, reach, config).await);
        }
        let at = match &reached[i] {
            Some(Ok(at)) => at,
            Some(Err(error)) => {
                fates.push(Fate::Cannot(error.clone()));
                continue;
            }
            None => continue,
        };
        let checked = async {
            super::scope::check(&at.clients, op, &scope).await?;
            prepare(&at.clients, op).await
        };
        fates.push(match checked.await {
            Ok(plan) => Fate::Ready {
                plan: Box::new(plan),
                source: i,
            },
            Err(OpError::Refused(why)) => Fate::Refused(why),
            Err(error) => Fate::Cannot(error.to_string()),
        });
    }
    let reached = reached
        .into_iter()
        .map(|r| r.and_then(Result::ok))
        .collect();
    (fates, reached)
}

/// Why nothing may be sent to `spec`, when it is read-only.
fn read_only(spec: &SourceSpec, reach: &Reach, config: &Config) -> Option<String> {
    if reach.read_only {
        return Some("read-only (--read-only)".to_owned());
    }
    let profile = spec.profile.as_deref();
    config.profile(profile).read_only.then(|| {
        format!(
            "read-only (profile {} is read-only in the config file)",
            profile.unwrap_or("default")
        )
    })
}

/// Clients for a source and who acts there, the audit log naming the source.
async fn reach_source(
    spec: &SourceSpec,
    reach: &Reach,
    config: &Config,
) -> Result<Reached, String> {
    let clients = connect(&super::cli::to_act(
        spec.profile.clone(),
        spec.region.clone(),
        reach.endpoint_url.clone(),
        config,
    ))
    .await;
    // The mutation is sent once: no SDK retries.
    let once = clients.without_retries();
    let mut who = super::who(&clients)
        .await
        .map_err(|e| format!("cannot tell who acts in {}: {e}", spec.name()))?;
    who.source_name = Some(spec.name());
    Ok(Reached { clients, once, who })
}

/// The plan as shown before the confirmation: a line per step, with the evidence of each
/// action checked, and the sources that could not be read.
fn shown(release: &str, verb: &str, steps: &[Step], fates: &[Fate], unread: &[String]) -> String {
    let mut out = String::new();
    let ready = fates
        .iter()
        .filter(|f| matches!(f, Fate::Ready { .. }))
        .count();
    let _ = writeln!(
        out,
        "{verb} release {release}: {ready} action{} to send",
        if ready == 1 { "" } else { "s" }
    );
    for (step, fate) in steps.iter().zip(fates) {
        let what = match fate {
            Fate::Nothing(why) => format!("nothing: {why}"),
            Fate::Refused(why) => format!("refused: {why}"),
            Fate::Cannot(why) => format!("cannot: {why}"),
            Fate::Ready { plan, .. } => describe(&plan.op),
        };
        let _ = writeln!(
            out,
            "  {:<12} {:<8} {:<36} {what}",
            step.source, step.kind, step.member
        );
        if let Fate::Ready { plan, .. } = fate {
            for line in &plan.summary {
                let _ = writeln!(out, "      {line}");
            }
        }
    }
    for source in unread {
        let _ = writeln!(
            out,
            "  {source:<12} could not be read: its members are not in the plan"
        );
    }
    out
}

/// An action of the plan in a few words.
fn describe(op: &Op) -> String {
    match op {
        Op::Approve(a) => {
            let at = match (&a.stage, &a.action) {
                (Some(stage), Some(action)) => format!(" {stage}/{action}"),
                _ => String::new(),
            };
            let execution = a
                .execution
                .as_deref()
                .map_or_else(String::new, |e| format!(" execution {e}"));
            format!("{}{at}{execution}", op.name())
        }
        Op::Rollback(_) => format!("stop {} with rollback", op.target()),
        Op::Redeploy(r) => format!(
            "redeploy {}/{} with the revision before {}",
            r.application,
            r.group,
            r.undo.as_deref().unwrap_or("its last success")
        ),
        other => format!("{} {}", other.name(), other.target()),
    }
}

#[cfg(test)]
mod tests;
