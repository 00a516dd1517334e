//! The `cutover` binary: parses the command line and hands over to the library.

use clap::Parser;
use color_eyre::eyre::{Result, WrapErr};

use cutover::cli::{Cli, Command};
use cutover::sim::SimHandle;

fn main() -> Result<()> {
    color_eyre::install()?;
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Sim(args)) => run_sim(&args),
        Some(Command::Status(args)) => run_status(&args),
        None => cutover::console::run(&cli.console),
    }
}

fn run_status(args: &cutover::cli::StatusArgs) -> Result<()> {
    let config = cutover::config::Config::load(args.aws.config.as_deref())?;
    let scope = config.scope.merge(args.scope.scope());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let options = cutover::aws::ConnectOptions {
        profile: args.aws.profile.clone(),
        region: args.aws.region.clone(),
        endpoint_url: args.aws.endpoint_url.clone(),
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
