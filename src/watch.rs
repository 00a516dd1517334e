//! `cutover watch`: the console's refresh without a screen. The same feeds, scheduler and
//! runner read every source; each event the refreshes bring (see [`crate::model::events`]) is
//! printed once, as a line or a JSON object, and handed to `--exec`'s command on its standard
//! input. What was emitted is saved after each event (`$XDG_STATE_HOME/cutover/watch.json`,
//! or `--state FILE`), so a restart replays nothing; a first run announces what waits for a
//! person now, not what ended before it. It must not draw or act.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use color_eyre::eyre::{Result, eyre};

use crate::app::runner::Runner;
use crate::app::{App, Context, Msg, update};
use crate::aws::connect;
use crate::cli::{GlobalArgs, WatchArgs};
use crate::config::Config;
use crate::model::events::{Event, Kind, Tracker};

/// How long `--exec`'s command may take for one event before it is killed.
const EXEC_LIMIT: Duration = Duration::from_secs(30);
/// How often time is told to the refresh scheduler.
const TICK: Duration = Duration::from_millis(250);

/// What each source emitted so far, by its name.
type State = BTreeMap<String, Tracker>;

/// Runs until interrupted (SIGINT, SIGTERM); the process's exit status: 0, or 2 when the
/// command line, the config file or the state file cannot be used (nothing is read then).
pub fn run(args: &WatchArgs, global: &GlobalArgs) -> i32 {
    match follow_sources(args, global) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("cutover watch: {error}");
            crate::ops::cli::EXIT_INVALID
        }
    }
}

fn follow_sources(args: &WatchArgs, global: &GlobalArgs) -> Result<i32> {
    let config = Config::load(global.aws.config.as_deref())?;
    let sources = global.aws.sources(&config).map_err(|e| eyre!("{e}"))?;
    let kinds = args.kinds().map_err(|e| eyre!("{e}"))?;
    let state_path = args
        .state
        .clone()
        .or_else(|| crate::paths::state_dir().map(|d| d.join("watch.json")));
    let state = match &state_path {
        Some(path) => load(path)?,
        None => State::new(),
    };
    let scope = config.scope.clone().merge(global.scope.scope());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let options: Vec<_> = sources
        .iter()
        .map(|source| crate::console::connect_options(source, None, global, &config))
        .collect();
    let clients = runtime.block_on(futures::future::join_all(options.iter().map(connect)));
    let origins = crate::console::origins(&sources, &clients, false, &config);
    let context = Context {
        read_only: true,
        clock_rate: 1.0,
        ..Context::default()
    };
    let mut app = App::over(context, origins, args.refresh.intervals());
    for feed in &mut app.feeds {
        let tracker = state.get(&feed.origin.label).cloned();
        feed.events = Some(tracker.unwrap_or_else(Tracker::fresh));
    }
    let names: Vec<&str> = app.feeds.iter().map(|f| f.origin.label.as_str()).collect();
    eprintln!(
        "cutover watch: following {}; Ctrl-C stops",
        names.join(", ")
    );
    let mut out = Output {
        json: args.json,
        exec: args.exec.clone(),
        kinds,
        state_path,
        state,
    };
    runtime.block_on(async {
        let started = Instant::now();
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let reach = clients
            .into_iter()
            .zip(app.feeds.iter().map(|f| f.origin.label.clone()))
            .collect();
        let runner = Runner::over(reach, scope, started, tx);
        follow(&mut app, &runner, rx, started, &mut out).await
    })
}

/// Where the events go.
struct Output {
    json: bool,
    exec: Option<String>,
    kinds: Vec<Kind>,
    state_path: Option<PathBuf>,
    state: State,
}

/// The refresh loop: messages from the runner, the clock; the events after each, delivered.
async fn follow(
    app: &mut App,
    runner: &Runner,
    mut messages: tokio::sync::mpsc::UnboundedReceiver<Msg>,
    started: Instant,
    out: &mut Output,
) -> Result<i32> {
    let mut ticker = tokio::time::interval(TICK);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let stop = stopped();
    tokio::pin!(stop);
    loop {
        let msg = tokio::select! {
            biased;
            () = &mut stop => break,
            Some(msg) = messages.recv() => msg,
            _ = ticker.tick() => Msg::Tick(started.elapsed().as_millis() as u64),
        };
        let landed = matches!(msg, Msg::SnapshotTaken { .. });
        for command in update(app, msg) {
            runner.run(command);
        }
        let mut events = app.alerts.take_outbox();
        events.retain(|e| out.kinds.contains(&e.kind));
        for event in &events {
            if !out.deliver(event).await {
                // Nobody reads the lines any more.
                out.save(app);
                return Ok(0);
            }
        }
        if landed || !events.is_empty() {
            out.save(app);
        }
    }
    out.save(app);
    Ok(0)
}

impl Output {
    /// Prints `event` and runs `--exec` for it; false when standard output is closed.
    async fn deliver(&mut self, event: &Event) -> bool {
        let json = serde_json::to_string(event).unwrap_or_default();
        let line = if self.json {
            json.clone()
        } else {
            format!(
                "{}  {:<17} {}",
                event.at.rfc3339(),
                event.kind.name(),
                event.message
            )
        };
        let mut stdout = std::io::stdout().lock();
        if writeln!(stdout, "{line}")
            .and_then(|()| stdout.flush())
            .is_err()
        {
            return false;
        }
        drop(stdout);
        if let Some(command) = self.exec.clone() {
            let key = event.key.clone();
            let ran = tokio::task::spawn_blocking(move || exec(&command, &json)).await;
            match ran {
                Ok(Ok(())) => {}
                Ok(Err(why)) => eprintln!("cutover watch: --exec for {key}: {why}"),
                Err(error) => eprintln!("cutover watch: --exec for {key}: {error}"),
            }
        }
        true
    }

    /// Saves every feed's tracker, by its source's name, replacing the file whole.
    fn save(&mut self, app: &App) {
        for feed in &app.feeds {
            if let Some(tracker) = &feed.events {
                self.state
                    .insert(feed.origin.label.clone(), tracker.clone());
            }
        }
        let Some(path) = &self.state_path else {
            return;
        };
        if let Err(error) = save(path, &self.state) {
            eprintln!(
                "cutover watch: cannot save {}: {error}; a restart may repeat events",
                path.display()
            );
        }
    }
}

/// Runs `command` through the shell with `json` on its standard input; its output goes to
/// ours. Killed after [`EXEC_LIMIT`].
fn exec(command: &str, json: &str) -> std::result::Result<(), String> {
    let mut child = std::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run it: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A command that does not read its input is not an error.
        let _ = writeln!(stdin, "{json}");
    }
    let deadline = Instant::now() + EXEC_LIMIT;
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return Ok(()),
            Ok(Some(status)) => return Err(format!("it exited with {status}")),
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "it ran over {} seconds and was killed",
                    EXEC_LIMIT.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(e.to_string()),
        }
    }
}

/// The state file, or nothing yet when there is none; a file that cannot be read as one is
/// an error that names it, and changes nothing.
fn load(path: &Path) -> Result<State> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text).map_err(|e| {
            eyre!(
                "{} is not cutover watch's state ({e}); move it away to start afresh",
                path.display()
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(State::new()),
        Err(e) => Err(eyre!("cannot read {}: {e}", path.display())),
    }
}

/// Writes the state beside its place, then renames it over: a reader never sees half.
fn save(path: &Path, state: &State) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let text = serde_json::to_string(state).map_err(std::io::Error::other)?;
    let tmp = path.with_extension(format!("tmp.{}", std::process::id()));
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}

/// Resolves on SIGINT or SIGTERM.
async fn stopped() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
