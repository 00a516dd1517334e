//! A `cutover` process a test starts and follows: killed when dropped, so that a failing test
//! leaves none behind (it would hold what the test's parent holds open, such as the build's
//! lock).

use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::common::Sim;
use crate::sources::CONFIG_HOME;

pub struct Running(pub Child);

impl Running {
    /// `cutover ARGS` against `sim` (fixed keys, no retries, the tests' budgets), its output
    /// into the files `out` and `err`.
    pub fn start(sim: &Sim, args: &[&str], out: std::fs::File, err: std::fs::File) -> Self {
        Command::new(env!("CARGO_BIN_EXE_cutover"))
            .args(args)
            .args(["--endpoint-url", &sim.endpoint()])
            .env("AWS_ACCESS_KEY_ID", "AKIDTEST")
            .env("AWS_SECRET_ACCESS_KEY", "secret")
            .env("AWS_MAX_ATTEMPTS", "1")
            .env("XDG_CONFIG_HOME", CONFIG_HOME)
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_ENDPOINT_URL")
            .env_remove("AWS_REGION")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .map(Running)
            .expect("cutover starts")
    }

    /// Steps the simulator's clock `step` seconds at a time, letting the process read, until
    /// it exits; its status. Panics after two minutes.
    pub fn until_exit(&mut self, sim: &Sim, step: i64) -> ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Some(status) = self.0.try_wait().expect("the process") {
                return status;
            }
            assert!(Instant::now() < deadline, "cutover did not exit");
            sim.advance(step);
            std::thread::sleep(Duration::from_millis(300));
        }
    }

    pub fn stop(mut self) {
        self.0.kill().expect("stop cutover");
        self.0.wait().expect("stopped");
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
