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
        Some(Command::Release(args)) => run_release(&args, &cli.global),
        Some(Command::Wait(args)) => std::process::exit(cutover::wait::run(&args, &cli.global)),
        Some(Command::Watch(args)) => std::process::exit(cutover::watch::run(&args, &cli.global)),
        Some(Command::Evidence(args)) => std::process::exit(run_evidence(&args, &cli.global)),
        Some(Command::Report(args)) => {
            std::process::exit(cutover::report::cli::run(&args, &cli.global))
        }
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
    match verb.release() {
        Some(Ok(request)) => act_on_release(&request, global),
        Some(Err(error)) => {
            eprintln!("cutover {name}: {error}");
            std::process::exit(cutover::ops::cli::EXIT_INVALID);
        }
        None => {}
    }
    let reach = cutover::config::Config::load(global.aws.config.as_deref())
        .map_err(|e| e.to_string())
        .and_then(|config| global.reach(&config));
    match (verb.into_op(), reach) {
        (Ok((op, confirm)), Ok(reach)) => {
            std::process::exit(cutover::ops::cli::run(&op, &reach, &confirm))
        }
        (Err(error), _) => {
            eprintln!("cutover {name}: {error}");
            std::process::exit(cutover::ops::cli::EXIT_INVALID);
        }
        (_, Err(error)) => {
            eprintln!("cutover {name}: {error}: nothing was sent");
            std::process::exit(cutover::ops::cli::EXIT_INVALID);
        }
    }
}

/// `cutover approve|rollback --release NAME`: the release read in every source, then acted
/// on in each member's source; the process exits with the whole's status.
fn act_on_release(request: &cutover::ops::release::Request, global: &GlobalArgs) -> ! {
    let config = match cutover::config::Config::load(global.aws.config.as_deref()) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("cutover: {error}: nothing was sent");
            std::process::exit(cutover::ops::cli::EXIT_INVALID);
        }
    };
    let read = match read_sources(global, &config) {
        Ok(read) => read,
        Err(error) => {
            eprintln!("cutover: {error}: nothing was sent");
            std::process::exit(cutover::ops::cli::EXIT_FAILED);
        }
    };
    let read: Vec<_> = read
        .iter()
        .map(|(source, r)| (source.clone(), r.as_ref().ok()))
        .collect();
    let snapshots: Vec<_> = read
        .iter()
        .filter_map(|(source, s)| s.map(|s| (source.clone(), s)))
        .collect();
    let def = release_def(&config, &request.release, &snapshots);
    let reach = cutover::ops::cli::Reach {
        endpoint_url: global.aws.endpoint_url.clone(),
        config: global.aws.config.clone(),
        read_only: global.read_only,
        scope: global.scope.scope(),
        ..cutover::ops::cli::Reach::default()
    };
    std::process::exit(cutover::ops::release::run(
        request, &def, &read, &reach, &config,
    ))
}

/// The release `name` names: the config file's, else a group of a shared revision in the
/// snapshots read; exits 2 naming the releases there are when there is none.
fn release_def(
    config: &cutover::config::Config,
    name: &str,
    read: &[(cutover::sources::SourceSpec, &cutover::model::Snapshot)],
) -> cutover::release::ReleaseDef {
    let groups = cutover::release::by_revision(read);
    cutover::release::find(name, &config.releases, &groups).unwrap_or_else(|error| {
        eprintln!("cutover: {error}");
        std::process::exit(2);
    })
}

/// Every source the flags and the config file name, read at once, each with its own clients
/// and budgets: the whole takes about as long as the slowest. Exits 2 when the sources
/// cannot be told apart, 1 when the only one cannot be read.
fn read_sources(
    global: &GlobalArgs,
    config: &cutover::config::Config,
) -> Result<Vec<cutover::status::Read>> {
    let sources = match global.aws.sources(config) {
        Ok(sources) => sources,
        Err(error) => {
            eprintln!("cutover: {error}");
            std::process::exit(2);
        }
    };
    let scope = config.scope.clone().merge(global.scope.scope());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let read = sources.iter().map(|source| {
        let options = cutover::aws::ConnectOptions {
            profile: source.profile.clone(),
            region: source.region.clone(),
            endpoint_url: global.aws.endpoint_url.clone(),
            max_attempts: None,
            concurrency: cutover::aws::ConnectOptions::DEFAULT_CONCURRENCY,
            static_credentials: None,
            // One shot, but against the same account as everything else: as much restraint
            // as the console's.
            budgets: Some(config.budgets),
            timeouts: None,
        };
        let scope = &scope;
        async move {
            let clients = cutover::aws::connect(&options).await;
            cutover::aws::snapshot::take(&clients, scope).await
        }
    });
    let results = runtime.block_on(futures::future::join_all(read));
    if let [Err(error)] = results.as_slice() {
        eprintln!("cutover: cannot read the fleet: {error}");
        std::process::exit(1);
    }
    let read: Vec<_> = sources
        .into_iter()
        .zip(results)
        .map(|(source, result)| (source, result.map_err(|e| e.to_gap())))
        .collect();
    for (source, result) in &read {
        if let Err(gap) = result {
            eprintln!(
                "cutover: cannot read {}: {} {}: {}",
                source.name(),
                gap.service,
                gap.operation,
                gap.message
            );
        }
    }
    Ok(read)
}

fn run_status(args: &cutover::cli::StatusArgs, global: &GlobalArgs) -> Result<()> {
    let config = cutover::config::Config::load(global.aws.config.as_deref())?;
    let read = read_sources(global, &config)?;
    if args.json {
        println!("{}", cutover::status::json_of(&read));
    } else {
        print!("{}", cutover::status::human_of(&read));
    }
    if read.iter().any(|(_, r)| r.is_err()) {
        std::process::exit(1);
    }
    let snapshots = read.iter().filter_map(|(_, r)| r.as_ref().ok());
    if snapshots
        .into_iter()
        .any(|s| cutover::status::matches(s, &args.fail_on))
    {
        std::process::exit(cutover::status::ATTENTION_EXIT);
    }
    Ok(())
}

/// `cutover release [NAME]`: the release's members in every source, or every release at a
/// glance (the config file's, then the groups of a shared revision); exits 1 when a source
/// could not be read (the others shown), 2 when no release has that name.
fn run_release(args: &cutover::cli::ReleaseArgs, global: &GlobalArgs) -> Result<()> {
    let config = cutover::config::Config::load(global.aws.config.as_deref())?;
    let read = read_sources(global, &config)?;
    let snapshots: Vec<_> = read
        .iter()
        .filter_map(|(source, r)| r.as_ref().ok().map(|s| (source.clone(), s)))
        .collect();
    if let Some(name) = &args.name {
        let def = release_def(&config, name, &snapshots);
        let release = cutover::release::gather(&def, &snapshots);
        if args.json {
            print_json(&release);
        } else {
            print!("{}", cutover::release::human(&release));
        }
    } else {
        let releases: Vec<_> = config
            .releases
            .iter()
            .cloned()
            .chain(cutover::release::by_revision(&snapshots))
            .map(|def| cutover::release::gather(&def, &snapshots))
            .collect();
        if args.json {
            print_json(&releases);
        } else {
            print!("{}", cutover::release::glance(&releases));
        }
    }
    if read.iter().any(|(_, r)| r.is_err()) {
        std::process::exit(1);
    }
    Ok(())
}

/// `cutover evidence TARGET`: read in the one source the flags name; its exit code.
fn run_evidence(args: &cutover::evidence::Args, global: &GlobalArgs) -> i32 {
    let source = cutover::config::Config::load(global.aws.config.as_deref())
        .map_err(|e| e.to_string())
        .and_then(|config| {
            let one = cutover::sources::one(global.aws.sources(&config)?, "evidence reads")?;
            Ok((one, config.budgets))
        });
    match source {
        Ok((source, budgets)) => cutover::evidence::run(
            &args.target,
            args.json,
            &cutover::evidence::Reach {
                profile: source.profile,
                region: source.region,
                endpoint_url: global.aws.endpoint_url.clone(),
                budgets: Some(budgets),
            },
        ),
        Err(error) => {
            eprintln!("cutover evidence: {error}");
            cutover::ops::cli::EXIT_INVALID
        }
    }
}

fn print_json<T: serde::Serialize>(value: &T) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    );
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
