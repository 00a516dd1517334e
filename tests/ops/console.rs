//! Actions from the console, end to end: keys into `update()`, commands through the runner
//! to the simulator, messages back; the simulator's state and the audit log checked after.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use cutover::app::runner::Runner;
use cutover::app::{App, Command, Context, Intervals, Mode, Msg, update};
use cutover::audit::Audit;
use cutover::aws::{ConnectOptions, connect};
use cutover::config::Scope;
use tokio::sync::mpsc::UnboundedReceiver;

use crate::{Lab, lab};

pub(crate) struct Console {
    pub(crate) app: App,
    runner: Runner,
    rx: UnboundedReceiver<Msg>,
    /// The progress lines the runner sent while actions ran.
    pub(crate) progress: Vec<String>,
}

impl Console {
    /// The console as `cutover` opens it: the SDK's standard retries on its reads (its
    /// actions must go out once all the same).
    pub(crate) async fn open(lab: &Lab, read_only: bool) -> Self {
        let clients = connect(&ConnectOptions {
            endpoint_url: Some(lab.sim.endpoint()),
            region: Some("eu-west-1".into()),
            max_attempts: None,
            static_credentials: Some(("AKIDTEST".into(), "secret".into())),
            ..ConnectOptions::default()
        })
        .await;
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let source = clients.source();
        let runner = Runner::new(clients, Scope::default(), std::time::Instant::now(), tx)
            .with_audit(Audit::at(lab.state.join("cutover").join("audit.jsonl")));
        let app = App::on(
            Context {
                clock_rate: 1.0,
                read_only,
                ..Context::default()
            },
            source,
            Intervals::default(),
        );
        let mut console = Self {
            app,
            runner,
            rx,
            progress: Vec::new(),
        };
        console.drive(vec![Command::TakeSnapshot(0)]).await;
        console
    }

    /// Runs commands and folds their messages in until nothing is pending.
    pub(crate) async fn drive(&mut self, commands: Vec<Command>) {
        let mut pending = commands.len();
        for c in commands {
            self.runner.run(c);
        }
        while pending > 0 {
            let msg = tokio::time::timeout(std::time::Duration::from_secs(30), self.rx.recv())
                .await
                .expect("an answer")
                .expect("a message");
            // A progress line is not an answer: the command it comes from still runs.
            if let Msg::ActionProgress(line) = &msg {
                self.progress.push(line.clone());
            } else {
                pending -= 1;
            }
            let more = update(&mut self.app, msg);
            pending += more.len();
            for c in more {
                self.runner.run(c);
            }
        }
    }

    /// Plans actions on fresh state through the runner, as opening a dialog does.
    pub(crate) async fn plan(
        &mut self,
        ops: Vec<cutover::ops::Op>,
    ) -> Vec<Result<cutover::ops::prepare::Plan, cutover::ops::OpError>> {
        self.runner.run(Command::Prepare(
            ops.into_iter().map(|op| (0, op)).collect(),
        ));
        loop {
            let msg = tokio::time::timeout(std::time::Duration::from_secs(30), self.rx.recv())
                .await
                .expect("an answer")
                .expect("a message");
            if let Msg::Prepared { results, .. } = msg {
                return results.into_iter().map(|(_, r)| r).collect();
            }
        }
    }

    /// Sends confirmed plans through the runner, as the dialog's last press does, and
    /// returns how each ended.
    pub(crate) async fn execute(
        &mut self,
        plans: Vec<cutover::ops::prepare::Plan>,
    ) -> Vec<(String, cutover::ops::Ended)> {
        self.runner.run(Command::Execute(
            plans.into_iter().map(|p| (0, p)).collect(),
        ));
        loop {
            let msg = tokio::time::timeout(std::time::Duration::from_secs(30), self.rx.recv())
                .await
                .expect("an answer")
                .expect("a message");
            match msg {
                Msg::ActionProgress(line) => self.progress.push(line),
                Msg::Executed { results, .. } => return results,
                _ => {}
            }
        }
    }

    pub(crate) async fn keys(&mut self, keys: &[KeyCode]) {
        for key in keys {
            let commands = update(
                &mut self.app,
                Msg::Key(KeyEvent::new(*key, KeyModifiers::NONE)),
            );
            self.drive(commands).await;
        }
    }

    pub(crate) async fn text(&mut self, text: &str) {
        let keys: Vec<KeyCode> = text.chars().map(KeyCode::Char).collect();
        self.keys(&keys).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approval_and_a_rollback_from_the_console_reach_the_simulator_and_the_audit_log() {
    let lab = tokio::task::spawn_blocking(lab).await.expect("lab");
    let execution = lab.sim.handle.shared().with_world(|w| {
        cutover::sim::engine::pipeline::start(
            w,
            "web-release",
            cutover::sim::engine::pipeline::Trigger {
                kind: "StartPipelineExecution",
                detail: "test",
            },
            None,
        )
    });
    let execution = execution.expect("started");
    lab.until(1800, |w| {
        w.executions[&execution]
            .runs
            .iter()
            .any(|r| r.token.is_some())
    });
    let mut console = Console::open(&lab, false).await;
    // The overview's first row is the approval waiting.
    console.text("a").await;
    console.text("ship it").await;
    console
        .keys(&[KeyCode::Enter, KeyCode::Right, KeyCode::Enter])
        .await;
    assert!(
        matches!(&console.app.mode, Mode::Dialog(d) if format!("{:?}", d.step).contains("approved")),
        "{:?}",
        console.app.mode
    );
    let approval = lab
        .world(|w| {
            w.executions[&execution]
                .runs
                .iter()
                .find_map(|r| r.approval.clone())
        })
        .expect("recorded");
    assert_eq!(approval.summary, "ship it");
    console.keys(&[KeyCode::Esc]).await;

    // The pipeline's deploy starts; roll it back from its screen, typing its id.
    lab.until(120, |w| {
        w.deployments
            .values()
            .any(|d| d.group == "web" && !d.status.is_terminal())
    });
    let id = lab
        .world(|w| {
            w.deployments
                .values()
                .find(|d| d.group == "web" && !d.status.is_terminal())
                .map(|d| d.id.clone())
        })
        .expect("in flight");
    // Far enough along that there is something to roll back: the replacement exists.
    lab.until(300, |w| w.deployments[&id].replacement_set.is_some());
    console.drive(vec![Command::TakeSnapshot(0)]).await;
    console.keys(&[KeyCode::Char(':')]).await;
    console.text(&id).await;
    console.keys(&[KeyCode::Enter]).await;
    console.text("B").await;
    console.keys(&[KeyCode::Enter]).await;
    assert!(
        lab.world(|w| w.deployments[&id].rollback_deployment.is_none()),
        "nothing sent without the id typed"
    );
    console.text(&id).await;
    console.keys(&[KeyCode::Enter]).await;
    let rollback = lab
        .world(|w| w.deployments[&id].rollback_deployment.clone())
        .expect("rolled back");
    lab.until(900, |w| w.deployments[&rollback].status.is_terminal());
    let audit = lab.audit();
    // What was answered is recorded, resolved, but never the approval's token.
    assert_eq!(audit[0]["sent"]["call"], "approval");
    assert!(audit[0]["sent"]["stage"].is_string(), "{}", audit[0]);
    assert!(audit[0]["sent"].get("token").is_none(), "{}", audit[0]);
    let actions: Vec<(&str, &str)> = audit
        .iter()
        .map(|r| {
            (
                r["action"].as_str().unwrap_or(""),
                r["phase"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        actions,
        [
            ("approve", "requested"),
            ("approve", "succeeded"),
            ("rollback", "requested"),
            ("rollback", "succeeded")
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_every_action_key_on_every_screen_sends_nothing() {
    let lab = tokio::task::spawn_blocking(lab).await.expect("lab");
    let id = lab.deploy("api", None);
    lab.until(900, |w| w.deployments[&id].status.as_str() == "Ready");
    let mut console = Console::open(&lab, true).await;
    for screen in ["1", "2", "3", "4", "5"] {
        console.text(screen).await;
        for row in 0..4 {
            let _ = row;
            console.keys(&cutover::app::keymap::action_keys()).await;
            console
                .keys(&[
                    KeyCode::Enter,
                    KeyCode::Char('y'),
                    KeyCode::Enter,
                    KeyCode::Esc,
                    KeyCode::Down,
                ])
                .await;
        }
    }
    assert_eq!(lab.mutating(), 0, "zero mutating requests");
    assert!(lab.audit().is_empty());
}

impl Console {
    pub(crate) async fn refresh(&mut self) {
        self.drive(vec![Command::TakeSnapshot(0)]).await;
    }

    /// `:` + text + enter: the palette's first match.
    pub(crate) async fn jump(&mut self, text: &str) {
        self.keys(&[KeyCode::Char(':')]).await;
        self.text(text).await;
        self.keys(&[KeyCode::Enter]).await;
    }

    /// Answers the open confirmation: the typed name, or yes.
    async fn confirm(&mut self, typed: Option<&str>) {
        match typed {
            Some(name) => self.text(name).await,
            None => self.keys(&[KeyCode::Right]).await,
        }
        self.keys(&[KeyCode::Enter]).await;
        let done =
            matches!(&self.app.mode, Mode::Dialog(d) if format!("{:?}", d.step).contains("Done"));
        assert!(done, "the action ran: {:?}", self.app.mode);
        let failed = format!("{:?}", self.app.mode);
        let failed = failed.contains("Failed(") || failed.contains("Unknown(");
        assert!(!failed, "the action failed: {:?}", self.app.mode);
        self.keys(&[KeyCode::Esc]).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_other_action_from_the_console_reaches_the_simulator() {
    use cutover::sim::world::codedeploy::{DeploymentStatus, Phase};
    let lab = tokio::task::spawn_blocking(lab).await.expect("lab");
    let mut console = Console::open(&lab, false).await;

    // Reroute a deployment parked in Ready, then finish its termination wait early.
    let id = lab.deploy("api", None);
    lab.until(900, |w| {
        w.deployments[&id].status == DeploymentStatus::Ready
    });
    console.refresh().await;
    console.jump(&id).await;
    console.text("R").await;
    console.confirm(None).await;
    lab.until(600, |w| w.deployments[&id].phase == Phase::TerminationWait);
    console.refresh().await;
    console.text("F").await;
    console.confirm(Some(&id)).await;
    lab.until(120, |w| {
        w.deployments[&id].status == DeploymentStatus::Succeeded
    });

    // Redeploy the group's last successful revision.
    console.refresh().await;
    console.text("D").await;
    console.confirm(Some("lab/api")).await;
    assert!(
        lab.world(|w| w.active_deployment("lab", "api").is_some()),
        "a new deployment runs"
    );

    // Scale a service from the services screen.
    console.jump("jobs").await;
    console.text("s").await;
    console.text("3").await;
    console.keys(&[KeyCode::Enter]).await;
    console.confirm(None).await;
    assert_eq!(
        lab.world(|w| w.service("lab", "jobs").map(|s| s.desired)),
        Some(3)
    );

    // Shift weights on the rule that sends to a target group (traffic screen, filtered).
    console.text("5/").await;
    console.text("jobs-blue").await;
    console.keys(&[KeyCode::Enter]).await;
    console.text("w").await;
    console.text("jobs-blue=70 jobs-green=30").await;
    console.keys(&[KeyCode::Enter]).await;
    console.confirm(Some("lab-alb")).await;
    let moved = lab.world(|w| {
        w.rules.values().any(|r| {
            r.actions
                .iter()
                .any(|a| a.forward.iter().map(|f| f.weight).collect::<Vec<_>>() == [70, 30])
        })
    });
    assert!(moved, "a rule forwards 70/30");

    // Start a pipeline, stop it, and find nothing to retry.
    console.keys(&[KeyCode::Esc]).await;
    console.jump("web-release").await;
    console.text("n").await;
    console.confirm(None).await;
    let execution = lab
        .world(|w| w.pipelines["web-release"].executions.last().cloned())
        .expect("started");
    console.refresh().await;
    console.text("S").await;
    console.confirm(Some("web-release")).await;
    lab.sim.advance(2);
    let status = lab.world(|w| w.executions[&execution].status.as_str());
    assert!(matches!(status, "Stopping" | "Stopped"), "{status}");
    console.refresh().await;
    console.text("t").await;
    let refused = format!("{:?}", console.app.mode);
    assert!(
        refused.contains("nothing to retry") || refused.contains("has not failed"),
        "{refused}"
    );
    console.keys(&[KeyCode::Esc]).await;

    let audit = lab.audit();
    let done: Vec<&str> = audit
        .iter()
        .filter(|r| r["phase"] == "succeeded")
        .filter_map(|r| r["action"].as_str())
        .collect();
    assert_eq!(
        done,
        [
            "reroute", "finish", "redeploy", "scale", "weights", "start", "stop"
        ]
    );
}
