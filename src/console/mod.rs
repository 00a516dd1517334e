//! `cutover` and `cutover --demo`: sets up logging to a file, the terminal (restored on quit,
//! error, panic and SIGTERM), the AWS clients (or the embedded simulator), and runs the loop.
//! It must not hold screen logic.

pub mod notify;
pub mod runtime;

use std::path::PathBuf;
use std::time::Instant;

use color_eyre::eyre::{Result, WrapErr, eyre};
use crossterm::event::{DisableMouseCapture, EnableMouseCapture, EventStream};

use crate::app::runner::Runner;
use crate::app::{App, Context, Origin};
use crate::aws::{Clients, ConnectOptions, connect};
use crate::cli::{ConsoleArgs, GlobalArgs};
use crate::config::Config;
use crate::sim::{SimHandle, SimOptions};
use crate::sources::SourceSpec;

/// Logs go to a file, never to the terminal the console draws on.
fn log_to_file() -> Option<PathBuf> {
    let dir = crate::paths::state_dir()?;
    std::fs::create_dir_all(&dir).ok()?;
    let path = dir.join("cutover.log");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .ok()?;
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CUTOVER_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::sync::Mutex::new(file))
        .with_ansi(false)
        .try_init();
    Some(path)
}

pub fn run(args: &ConsoleArgs, global: &GlobalArgs) -> Result<()> {
    let log = log_to_file();
    let config = Config::load(global.aws.config.as_deref())?;
    let sources = if args.demo {
        vec![SourceSpec::default()]
    } else {
        global.aws.sources(&config).map_err(|e| eyre!("{e}"))?
    };
    let scope = config.scope.clone().merge(global.scope.scope());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    // The demo's simulator runs on threads of its own, beside the console's.
    let demo = if args.demo {
        let options = SimOptions {
            addr: "127.0.0.1:0".parse()?,
            speed: Some(args.demo_speed),
            ..SimOptions::default()
        };
        Some(SimHandle::start(&options).wrap_err("cannot start the demo's simulator")?)
    } else {
        None
    };
    let options: Vec<ConnectOptions> = sources
        .iter()
        .map(|source| connect_options(source, demo.as_ref(), global, &config))
        .collect();
    // Each source with its own clients and budgets, connected at once.
    let clients = runtime.block_on(futures::future::join_all(options.iter().map(connect)));
    let origins = origins(&sources, &clients, demo.is_some(), &config);
    let context = Context {
        demo: demo.is_some(),
        read_only: global.read_only,
        protected_accounts: config.safety.protected_accounts.clone(),
        releases: config.releases.clone(),
        clock_rate: if demo.is_some() { args.demo_speed } else { 1.0 },
        no_color: std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
    };
    let intervals = args.refresh.intervals();
    let names: Vec<&str> = origins.iter().map(|o| o.label.as_str()).collect();
    tracing::info!(demo = context.demo, sources = ?names, log = ?log, "console starting");
    let started = Instant::now();
    let result = runtime.block_on(async {
        // ratatui's own panic hook leaves raw mode and the alternate screen; the mouse is ours.
        let mut terminal = ratatui::try_init().wrap_err("cannot open the terminal")?;
        let _ = crossterm::execute!(std::io::stdout(), EnableMouseCapture);
        let restore = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let _ = crossterm::execute!(std::io::stdout(), DisableMouseCapture);
            restore(info);
        }));
        restore_on_signals();
        // A panic on purpose, for the test that the terminal is restored after one
        // (tests/console/tmux.rs); nothing else sets it.
        assert!(
            std::env::var_os("CUTOVER_TEST_PANIC").is_none(),
            "CUTOVER_TEST_PANIC is set: a panic on purpose"
        );
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let reach = clients
            .into_iter()
            .zip(origins.iter().map(|o| o.label.clone()))
            .collect();
        let runner = Runner::over(reach, scope, started, tx);
        let mut app = App::over(context, origins, intervals);
        let size = terminal.size().unwrap_or_default();
        app.height = size.height;
        // The bell and desktop notifications go to the terminal between frames.
        let alerts = config.alerts.clone();
        let mut notify = |events: &[crate::model::events::Event]| {
            use std::io::Write;
            let text = notify::sequences(&alerts, events);
            if !text.is_empty() {
                let mut out = std::io::stdout();
                let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
            }
        };
        let outcome = runtime::run(
            &mut terminal,
            &mut app,
            &runner,
            rx,
            EventStream::new(),
            started,
            &mut notify,
        )
        .await;
        let _ = crossterm::execute!(std::io::stdout(), DisableMouseCapture);
        ratatui::restore();
        outcome.wrap_err("the console stopped")
    });
    drop(demo);
    result
}

/// How to reach `source`: the demo's simulator, else its profile and region.
pub(crate) fn connect_options(
    source: &SourceSpec,
    demo: Option<&SimHandle>,
    global: &GlobalArgs,
    config: &Config,
) -> ConnectOptions {
    match demo {
        Some(sim) => ConnectOptions {
            endpoint_url: Some(sim.endpoint()),
            region: Some("us-east-1".to_owned()),
            static_credentials: Some(("cutover-demo".to_owned(), "cutover-demo".to_owned())),
            concurrency: ConnectOptions::CONSOLE_CONCURRENCY,
            // The demo's own simulator shares no account: it is read at full speed.
            budgets: None,
            ..ConnectOptions::default()
        },
        None => ConnectOptions {
            profile: source.profile.clone(),
            region: source.region.clone(),
            endpoint_url: global.aws.endpoint_url.clone(),
            concurrency: ConnectOptions::CONSOLE_CONCURRENCY,
            budgets: Some(config.budgets),
            ..ConnectOptions::default()
        },
    }
}

/// Each source as connected, under its name and its profile's rules. One source keeps the
/// header's old form (`profile/region`); several are told apart by their names.
pub(crate) fn origins(
    sources: &[SourceSpec],
    clients: &[Clients],
    demo: bool,
    config: &Config,
) -> Vec<Origin> {
    let several = sources.len() > 1;
    sources
        .iter()
        .zip(clients)
        .map(|(spec, clients)| {
            let settings = config.profile(spec.profile.as_deref());
            let source = clients.source();
            Origin {
                label: if demo {
                    "demo".to_owned()
                } else if several {
                    spec.name()
                } else {
                    source.label()
                },
                source,
                read_only: settings.read_only,
                protected: settings.protected,
                colour: settings.color.map(|c| c.0),
            }
        })
        .collect()
}

/// SIGTERM and SIGHUP leave the terminal as it was found, then exit as a process killed by
/// them does (128 + the signal's number). The handlers are in place when this returns, before
/// the first frame: a signal from then on is caught.
fn restore_on_signals() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut hangup)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) else {
            return;
        };
        tokio::spawn(async move {
            let status = tokio::select! {
                _ = term.recv() => 143,
                _ = hangup.recv() => 129,
            };
            let _ = crossterm::execute!(std::io::stdout(), DisableMouseCapture);
            ratatui::restore();
            std::process::exit(status);
        });
    }
}
