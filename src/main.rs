//! The `cutover` binary: parses the command line and hands over to the library.

use color_eyre::eyre::{Result, WrapErr};

use cutover::cli::{Cli, Command, GlobalArgs};
use cutover::ops::verbs::VerbCommand;
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
        Some(Command::Act(verb)) => act(verb, &cli.global),
    }
}

/// An action command: its verb parsed and run with its checks; the process exits with the
/// action's status.
fn act(verb: VerbCommand, global: &GlobalArgs) -> ! {
    let name = verb.spec().name;
    match verb.into_op() {
        Ok((op, confirm)) => {
            std::process::exit(cutover::ops::cli::run(&op, &global.reach(), &confirm))
        }
        Err(error) => {
            eprintln!("cutover {name}: {error}");
            std::process::exit(cutover::ops::cli::EXIT_INVALID);
        }
    }
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
        // One shot, but against the same account as everything else: as much restraint as
        // the console's.
        budgets: Some(config.budgets),
        timeouts: None,
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
