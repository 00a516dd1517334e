//! The action commands (`cutover approve|reroute|finish|rollback|redeploy|scale|weights|
//! retry|stop|start`) and `cutover audit`: the same validation, preconditions, confirmation,
//! audit and read-only rules as the console. Exit codes: 0 done, 1 the world or AWS said no,
//! 2 bad input, 4 refused (read-only, not confirmed, outside the scope), 5 the result is
//! unknown (a 5xx or a timeout: read again, not resent); nothing is sent unless 0, 1 or 5
//! says so.

use std::io::{BufRead, IsTerminal, Write};

use crate::audit::Audit;
use crate::aws::{ConnectOptions, connect};
use crate::config::{Config, Scope};

use super::prepare::prepare;
use super::verbs::ActArgs;
use super::{Confirm, Op, OpError, execute::execute};

pub const EXIT_FAILED: i32 = 1;
pub const EXIT_INVALID: i32 = 2;
pub const EXIT_REFUSED: i32 = 4;
/// The call met a 5xx, a timeout or a dropped connection: it may have taken effect.
pub const EXIT_UNKNOWN: i32 = 5;

/// Where an action from the command line goes and under which rules: the global flags.
#[derive(Debug, Clone, Default)]
pub struct Reach {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    /// A config file other than the default.
    pub config: Option<std::path::PathBuf>,
    pub read_only: bool,
    /// The scope given on the command line (the config file's is added).
    pub scope: Scope,
}

/// How an action from the command line reaches AWS: a few calls at once, reads within the
/// config file's budgets. Its mutation goes through these clients `without_retries`.
pub(crate) fn to_act(
    profile: Option<String>,
    region: Option<String>,
    endpoint_url: Option<String>,
    config: &Config,
) -> ConnectOptions {
    ConnectOptions {
        profile,
        region,
        endpoint_url,
        max_attempts: None,
        concurrency: 4,
        static_credentials: None,
        budgets: Some(config.budgets),
        timeouts: None,
    }
}

/// Runs one action from the command line; the process exit code.
pub fn run(op: &Op, global: &Reach, args: &ActArgs) -> i32 {
    match run_inner(op, global, args) {
        Ok(message) => {
            println!("{message}");
            0
        }
        Err(error) => {
            eprintln!("cutover {}: {error}", op.name());
            match error {
                OpError::Invalid(_) => EXIT_INVALID,
                OpError::Refused(_) | OpError::Audit(_) => EXIT_REFUSED,
                OpError::Precondition(_) | OpError::Aws(_) => EXIT_FAILED,
                OpError::Unknown(_) => EXIT_UNKNOWN,
            }
        }
    }
}

fn run_inner(op: &Op, global: &Reach, args: &ActArgs) -> Result<String, OpError> {
    op.validate()?;
    let config =
        Config::load(global.config.as_deref()).map_err(|e| OpError::Invalid(e.to_string()))?;
    let profile_name = global.profile.clone();
    let settings = config.profile(profile_name.as_deref());
    if global.read_only || settings.read_only {
        let why = if global.read_only {
            "--read-only".to_owned()
        } else {
            format!(
                "profile {} is read-only in the config file",
                profile_name.unwrap_or_default()
            )
        };
        return Err(OpError::Refused(format!("{why}: nothing was sent")));
    }
    let audit = Audit::default_location().ok_or_else(|| {
        OpError::Audit("no state directory (set HOME or XDG_STATE_HOME)".to_owned())
    })?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| OpError::Invalid(e.to_string()))?;
    runtime.block_on(async {
        let clients = connect(&to_act(
            global.profile.clone(),
            global.region.clone(),
            global.endpoint_url.clone(),
            &config,
        ))
        .await;
        // The mutation is sent once: no SDK retries (an unknown result is answered by
        // reading the state again, never by sending again).
        let once = clients.without_retries();
        let who = super::who(&clients).await?;
        let protected = settings.protected
            || who
                .source
                .account
                .as_ref()
                .is_some_and(|a| config.safety.protected_accounts.contains(a));
        super::scope::check(
            &clients,
            op,
            &config.scope.clone().merge(global.scope.clone()),
        )
        .await?;
        let plan = prepare(&clients, op).await?;
        for line in &plan.summary {
            eprintln!("{line}");
        }
        // The evidence beside the decision; a line saying why when it cannot be read.
        if let Some(point) = evidence_point(&plan.call) {
            for line in crate::evidence::plan_lines(&clients, &point).await {
                eprintln!("{line}");
            }
        }
        confirm(&op.confirmation(&plan.typed_name, protected), args)?;
        let outcome = execute(&once, &plan, &audit, &who, &|line: &str| {
            eprintln!("{line}");
        })
        .await?;
        Ok(match outcome.request_id {
            Some(id) => format!("{} (request {id})", outcome.message),
            None => outcome.message,
        })
    })
}

/// The decision an action answers, when it has evidence to show beside it: a gate, a
/// deployment in Ready, a pause hook.
pub fn evidence_point(call: &super::Call) -> Option<crate::model::evidence::Point> {
    use super::Call;
    use crate::model::evidence::Point;
    match call {
        Call::Approval(a) => Some(Point::Gate {
            pipeline: a.pipeline.clone(),
            stage: Some(a.stage.clone()),
            action: Some(a.action.clone()),
            execution_id: a.execution.clone(),
        }),
        Call::ContinueReady(d) => Some(Point::Ready {
            deployment: d.deployment.clone(),
        }),
        Call::ContinueHook(h) => Some(Point::Hook {
            deployment_arn: h.deployment.clone(),
        }),
        _ => None,
    }
}

/// `--yes` / `--confirm NAME`, or a question on the terminal; refused without either.
pub(super) fn confirm(needed: &Confirm, args: &ActArgs) -> Result<(), OpError> {
    match needed {
        Confirm::Plain if args.yes || args.confirm.is_some() => return Ok(()),
        Confirm::Typed(name) => match &args.confirm {
            Some(given) if given == name => return Ok(()),
            Some(given) => {
                return Err(OpError::Refused(format!(
                    "--confirm {given} does not match {name}: nothing was sent"
                )));
            }
            None => {}
        },
        Confirm::Plain => {}
    }
    let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    if !interactive {
        let how = match needed {
            Confirm::Plain => "--yes".to_owned(),
            Confirm::Typed(name) => format!("--confirm {name}"),
        };
        return Err(OpError::Refused(format!(
            "this needs a confirmation and there is no terminal to ask on: pass {how}"
        )));
    }
    let prompt = match needed {
        Confirm::Plain => "Proceed? [y/N] ".to_owned(),
        Confirm::Typed(name) => format!("Type {name} to confirm: "),
    };
    eprint!("{prompt}");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| OpError::Refused(e.to_string()))?;
    let answer = answer.trim();
    let ok = match needed {
        Confirm::Plain => matches!(answer, "y" | "Y" | "yes"),
        Confirm::Typed(name) => answer == name,
    };
    if ok {
        Ok(())
    } else {
        Err(OpError::Refused(
            "not confirmed: nothing was sent".to_owned(),
        ))
    }
}

/// `cutover audit`: the log, as text or JSON Lines.
pub fn audit(since: Option<&str>, json: bool) -> i32 {
    let Some(audit) = Audit::default_location() else {
        eprintln!("cutover audit: no state directory (set HOME or XDG_STATE_HOME)");
        return EXIT_FAILED;
    };
    match audit.read(since) {
        Ok(records) => {
            for r in records {
                if json {
                    println!("{}", serde_json::to_string(&r).unwrap_or_default());
                } else {
                    let outcome = r.error.as_ref().map_or_else(
                        || {
                            r.request_id
                                .clone()
                                .map_or_else(String::new, |id| format!(" request {id}"))
                        },
                        |e| format!(" error: {e}"),
                    );
                    let observed = r
                        .observed
                        .as_ref()
                        .map_or_else(String::new, |o| format!(" · read again: {o}"));
                    let source = r
                        .who
                        .source_name
                        .as_ref()
                        .map_or_else(String::new, |name| format!(" (source {name})"));
                    println!(
                        "{} {:<9} {:<8} {} by {} in {}/{}{source}{outcome}{observed}",
                        r.time,
                        format!("{:?}", r.phase).to_lowercase(),
                        r.action,
                        r.target,
                        r.who.principal.as_deref().unwrap_or("?"),
                        r.who.source.account.as_deref().unwrap_or("?"),
                        r.who.source.region
                    );
                }
            }
            0
        }
        Err(error) => {
            eprintln!("cutover audit: {error}");
            EXIT_FAILED
        }
    }
}
