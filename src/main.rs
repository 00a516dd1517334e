//! The `cutover` binary: parses the command line and hands over to the library.

use color_eyre::eyre::{Result, WrapErr};

use cutover::cli::{Cli, Command, GlobalArgs};
use cutover::sim::SimHandle;

fn main() -> Result<()> {
    color_eyre::install()?;
    let cli = Cli::try_parse_checked(std::env::args_os()).unwrap_or_else(|e| e.exit());
    match cli.command {
        Some(Command::Sim(args)) => run_sim(&args),
        Some(Command::Status(args)) => run_status(&args, &cli.global),
        None => cutover::console::run(&cli.console, &cli.global),
        Some(Command::Audit { since, json }) => {
            std::process::exit(cutover::ops::cli::audit(since.as_deref(), json))
        }
        Some(action) => {
            act(action, &cli.global);
            Ok(())
        }
    }
}

/// The action commands: parsed into an [`Op`](cutover::ops::Op) and run with its checks.
fn act(command: Command, global: &GlobalArgs) {
    use cutover::ops::{Op, RetryMode, StopMode, Verdict};
    let split = |text: &str, what: &str| -> std::result::Result<(String, String), String> {
        match text.split_once('/') {
            Some((a, b)) if !a.is_empty() && !b.is_empty() => Ok((a.to_owned(), b.to_owned())),
            _ => Err(format!("'{text}' is not {what}")),
        }
    };
    let (op, args) = match command {
        Command::Approve {
            pipeline,
            stage,
            action,
            execution,
            comment,
            reject,
            act,
        } => {
            let verdict = if reject {
                Verdict::Reject
            } else {
                Verdict::Approve
            };
            (
                Op::Approve {
                    pipeline,
                    stage,
                    action,
                    execution,
                    comment,
                    verdict,
                },
                act,
            )
        }
        Command::Reroute { deployment, act } => (Op::Reroute { deployment }, act),
        Command::Finish { deployment, act } => (Op::Finish { deployment }, act),
        Command::Rollback { deployment, act } => (Op::Rollback { deployment }, act),
        Command::Redeploy { target, act } => match split(&target, "APPLICATION/GROUP") {
            Ok((application, group)) => (Op::Redeploy { application, group }, act),
            Err(message) => invalid("redeploy", &message),
        },
        Command::Scale { target, count, act } => {
            let (cluster, service) =
                split(&target, "CLUSTER/SERVICE").unwrap_or_else(|m| invalid("scale", &m));
            let count = count.trim().parse::<i64>().unwrap_or_else(|_| {
                invalid(
                    "scale",
                    &format!("the count '{count}' is not a whole number"),
                )
            });
            (
                Op::Scale {
                    cluster,
                    service,
                    count,
                },
                act,
            )
        }
        Command::Weights {
            target,
            weights,
            act,
        } => match cutover::ops::parse_weights(&weights) {
            Ok(weights) => (Op::Weights { target, weights }, act),
            Err(error) => invalid("weights", &error.to_string()),
        },
        Command::Retry {
            pipeline,
            stage,
            all,
            act,
        } => {
            let mode = if all {
                RetryMode::AllActions
            } else {
                RetryMode::FailedActions
            };
            (
                Op::Retry {
                    pipeline,
                    stage,
                    mode,
                },
                act,
            )
        }
        Command::Stop {
            pipeline,
            execution,
            abandon,
            reason,
            act,
        } => {
            let mode = if abandon {
                StopMode::Abandon
            } else {
                StopMode::Wait
            };
            (
                Op::Stop {
                    pipeline,
                    execution,
                    mode,
                    reason,
                },
                act,
            )
        }
        Command::Start { pipeline, act } => (Op::Start { pipeline }, act),
        Command::RollbackStage {
            pipeline,
            stage,
            to,
            act,
        } => (
            Op::RollbackStage {
                pipeline,
                stage,
                to,
            },
            act,
        ),
        Command::Sim(_) | Command::Status(_) | Command::Audit { .. } => return,
    };
    std::process::exit(cutover::ops::cli::run(&op, global, &args));
}

fn invalid(action: &str, message: &str) -> ! {
    eprintln!("cutover {action}: {message}");
    std::process::exit(cutover::ops::cli::EXIT_INVALID);
}

fn run_status(args: &cutover::cli::StatusArgs, global: &GlobalArgs) -> Result<()> {
    let config = cutover::config::Config::load(global.aws.config.as_deref())?;
    let scope = config.scope.merge(global.scope.scope());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let options = cutover::aws::ConnectOptions {
        profile: global.aws.profile.clone(),
        region: global.aws.region.clone(),
        endpoint_url: global.aws.endpoint_url.clone(),
        max_attempts: None,
        concurrency: cutover::aws::ConnectOptions::DEFAULT_CONCURRENCY,
        static_credentials: None,
    };
    let snapshot = runtime.block_on(async {
        let clients = cutover::aws::connect(&options).await;
        cutover::aws::snapshot::take(&clients, &scope).await
    });
    let snapshot = match snapshot {
        Ok(snapshot) => snapshot,
        Err(error) => {
            eprintln!("cutover: cannot read the fleet: {error}");
            std::process::exit(1);
        }
    };
    if args.json {
        println!("{}", cutover::status::json(&snapshot));
    } else {
        print!("{}", cutover::status::human(&snapshot));
    }
    if cutover::status::matches(&snapshot, &args.fail_on) {
        std::process::exit(cutover::status::ATTENTION_EXIT);
    }
    Ok(())
}

fn run_sim(args: &cutover::cli::SimArgs) -> Result<()> {
    if let Some(text) = args.printed_world() {
        print!("{text}");
        return Ok(());
    }
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let handle = SimHandle::start(&args.options()).wrap_err("cannot start the simulator")?;
    // The first line is what scripts wait for; keep its form stable.
    println!("listening on {}", handle.endpoint());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(wait_for_signal())?;
    drop(handle);
    Ok(())
}

async fn wait_for_signal() -> Result<()> {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result?,
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    tokio::signal::ctrl_c().await?;
    Ok(())
}
