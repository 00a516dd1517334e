//! The real binary in tmux: `cutover --demo` starts, the palette reaches a deployment in
//! flight, its percent on green changes on screen, and `q` leaves the terminal as it was.
//! Without tmux the test says so and skips, unless CUTOVER_REQUIRE_TOOLS is set (CI).

use std::process::Command;
use std::time::{Duration, Instant};

pub(crate) struct Session(pub(crate) String);

impl Drop for Session {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.0])
            .output();
    }
}

pub(crate) fn tmux(args: &[&str]) -> String {
    let out = Command::new("tmux").args(args).output().expect("tmux runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A detached session of `width` × `height` running `command`.
pub(crate) fn new_session(name: &str, width: u16, height: u16, command: &str) {
    tmux(&[
        "new-session",
        "-d",
        "-s",
        name,
        "-x",
        &width.to_string(),
        "-y",
        &height.to_string(),
        command,
    ]);
}

fn screen(session: &str) -> String {
    tmux(&["capture-pane", "-p", "-t", session])
}

/// Waits until the screen satisfies `done`; the screen then.
pub(crate) fn wait_for(
    session: &str,
    what: &str,
    limit: Duration,
    done: impl Fn(&str) -> bool,
) -> String {
    let start = Instant::now();
    loop {
        let text = screen(session);
        if done(&text) {
            return text;
        }
        assert!(
            start.elapsed() < limit,
            "waited {limit:?} for {what}; the screen:\n{text}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn percent_in(text: &str) -> Option<u32> {
    let at = text.find("% green")?;
    let digits: String = text[..at]
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_digit() || *c == ' ')
        .collect::<String>()
        .chars()
        .rev()
        .collect();
    digits.trim().parse().ok()
}

/// One tmux test at a time: they share the tmux server, which exits when its last session
/// is killed, and a session started meanwhile would go with it.
pub(crate) fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    static TMUX: std::sync::Mutex<()> = std::sync::Mutex::new(());
    TMUX.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Whether tmux is here; without it, a test says so and skips, unless CI requires it.
pub(crate) fn have_tmux() -> bool {
    if Command::new("tmux").arg("-V").output().is_ok() {
        return true;
    }
    assert!(
        std::env::var_os("CUTOVER_REQUIRE_TOOLS").is_none(),
        "tmux is required here: apt-get install tmux"
    );
    eprintln!("SKIP tmux: tmux is not installed; the end-to-end console test did not run");
    false
}

#[test]
fn the_demo_reaches_a_deployment_in_flight_and_its_traffic_moves_on_screen() {
    if !have_tmux() {
        return;
    }
    let _tmux = one_at_a_time();
    let name = format!("cutover-test-{}", std::process::id());
    let state = std::env::temp_dir().join(format!("{name}-state"));
    let command = format!(
        "XDG_STATE_HOME={} {} --demo --demo-speed 60 --hot-seconds 1; echo CUTOVER-EXITED; sleep 60",
        state.display(),
        env!("CARGO_BIN_EXE_cutover")
    );
    new_session(&name, 120, 36, &command);
    let session = Session(name.clone());
    let overview = wait_for(&session.0, "the overview", Duration::from_secs(30), |t| {
        t.contains("Deployments in flight")
    });
    let id = overview
        .lines()
        .find(|l| l.contains("% green") && !l.contains("100% green"))
        .and_then(|l| {
            l.split_whitespace()
                .find(|w| w.starts_with("d-") && w.len() == 11)
        })
        .map(str::to_owned)
        .or_else(|| {
            overview
                .lines()
                .find(|l| l.contains("% green"))
                .and_then(|l| {
                    l.split_whitespace()
                        .find(|w| w.starts_with("d-"))
                        .map(str::to_owned)
                })
        })
        .unwrap_or_else(|| panic!("no deployment in flight on the overview:\n{overview}"));
    tmux(&["send-keys", "-t", &session.0, ":"]);
    tmux(&["send-keys", "-t", &session.0, "-l", &id]);
    tmux(&["send-keys", "-t", &session.0, "Enter"]);
    let detail = wait_for(
        &session.0,
        "the deployment screen",
        Duration::from_secs(10),
        |t| t.contains(&format!("Deployment {id}")),
    );
    let first = percent_in(&detail);
    let moved = wait_for(
        &session.0,
        "the percent on green to change",
        Duration::from_secs(60),
        |t| percent_in(t) != first || !t.contains("InProgress"),
    );
    assert!(
        moved.contains(&format!("Deployment {id}")),
        "still on the deployment:\n{moved}"
    );
    tmux(&["send-keys", "-t", &session.0, "q"]);
    let after = wait_for(
        &session.0,
        "the console to quit",
        Duration::from_secs(10),
        |t| t.contains("CUTOVER-EXITED"),
    );
    assert!(
        !after.contains("Deployment d-"),
        "the alternate screen is gone:\n{after}"
    );
    assert!(
        state.join("cutover").join("cutover.log").exists(),
        "logs went to the state directory, not the screen"
    );
    let _ = std::fs::remove_dir_all(&state);
}

/// A format of the pane's state (`#{alternate_on}`, `#{pane_dead_status}`, …).
fn pane(session: &str, format: &str) -> String {
    tmux(&["display-message", "-p", "-t", session, format])
        .trim()
        .to_owned()
}

/// The console on the demo under a shell that prints its exit status; the console's PID.
fn console_in(name: &str, environment: &str) -> u32 {
    let state = std::env::temp_dir().join(format!("{name}-state"));
    let command = format!(
        "env XDG_STATE_HOME={} {environment} {} --demo; echo CUTOVER-EXIT $?; sleep 60",
        state.display(),
        env!("CARGO_BIN_EXE_cutover")
    );
    new_session(name, 100, 30, &command);
    let shell = pane(name, "#{pane_pid}");
    let start = Instant::now();
    loop {
        let out = Command::new("ps")
            .args(["--ppid", &shell, "-o", "pid="])
            .output()
            .expect("ps runs");
        if let Some(pid) = String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .next()
            .and_then(|p| p.parse().ok())
        {
            return pid;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "no console under {shell}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The exit status the shell printed once the console ended.
fn exit_status(session: &str) -> String {
    let text = wait_for(
        session,
        "the console to exit",
        Duration::from_secs(20),
        |t| t.contains("CUTOVER-EXIT"),
    );
    text.lines()
        .find_map(|l| l.trim().strip_prefix("CUTOVER-EXIT "))
        .unwrap_or_default()
        .trim()
        .to_owned()
}

/// After a panic, SIGTERM or SIGHUP the terminal is left as it was found: out of the
/// alternate screen, the mouse no longer reported; and the exit status says why (101 for a
/// panic, 128 + the signal's number).
#[test]
fn a_panic_sigterm_and_sighup_leave_the_terminal_as_it_was() {
    if !have_tmux() {
        return;
    }
    let _tmux = one_at_a_time();
    for (how, environment, signal, status) in [
        ("panic", "CUTOVER_TEST_PANIC=1", None, "101"),
        ("term", "", Some("-TERM"), "143"),
        ("hup", "", Some("-HUP"), "129"),
    ] {
        let name = format!("cutover-restore-{how}-{}", std::process::id());
        let pid = console_in(&name, environment);
        let session = Session(name.clone());
        if let Some(signal) = signal {
            wait_for(&session.0, "the console", Duration::from_secs(30), |t| {
                t.contains("cutover │")
            });
            assert_eq!(pane(&session.0, "#{alternate_on}"), "1", "{how}: running");
            let killed = Command::new("kill")
                .args([signal, &pid.to_string()])
                .status()
                .expect("kill runs");
            assert!(killed.success());
        }
        assert_eq!(exit_status(&session.0), status, "{how}");
        assert_eq!(
            pane(&session.0, "#{alternate_on} #{mouse_any_flag}"),
            "0 0",
            "{how}: the terminal is back:\n{}",
            screen(&session.0)
        );
    }
}
