//! The `cutover` binary: parses the command line and hands over to the library.

use clap::Parser;
use color_eyre::eyre::{Result, WrapErr};

use cutover::cli::{Cli, Command};
use cutover::sim::SimHandle;

fn main() -> Result<()> {
    color_eyre::install()?;
    let cli = Cli::parse();
    match cli.command {
        Command::Sim(args) => run_sim(&args),
    }
}

fn run_sim(args: &cutover::cli::SimArgs) -> Result<()> {
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
