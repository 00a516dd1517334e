//! ECS service deployments acted on from the console, end to end: the update loop's commands
//! run by the real runner against the simulator's default world (seed 3, where
//! payments-prod/payment-methods waits at its pause hook before production). `a` on the hook
//! row goes on with a plain yes; `B` on the deployment's row rolls it back once the service's
//! name is typed. What the simulator then reports is read through the SDK: ECS's own answer,
//! as AWS's API reference describes ContinueServiceDeployment and StopServiceDeployment.

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use cutover::app::actions::Step;
use cutover::app::rows::{Row, rows};
use cutover::app::{App, Command, Context, Intervals, Mode, update};
use cutover::audit::Audit;
use cutover::config::Scope;
use cutover::ops::Op;
use tokio::sync::mpsc::UnboundedReceiver;

use crate::common::Sim;

/// The ops a `Prepare` asks for, without their sources.
fn ops_of(ops: &[(usize, Op)]) -> Vec<Op> {
    ops.iter().map(|(_, op)| op.clone()).collect()
}
use crate::screens::default_world;

fn press(app: &mut App, code: KeyCode) -> Vec<Command> {
    update(
        app,
        cutover::app::Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)),
    )
}

/// Runs the commands and folds each answer in, until none is left.
async fn settle(
    app: &mut App,
    runner: &cutover::app::runner::Runner,
    rx: &mut UnboundedReceiver<cutover::app::Msg>,
    mut commands: Vec<Command>,
) {
    while !commands.is_empty() {
        let pending = commands.len();
        for c in commands.drain(..) {
            runner.run(c);
        }
        for _ in 0..pending {
            let msg = tokio::time::timeout(std::time::Duration::from_secs(30), rx.recv())
                .await
                .expect("the runner answers")
                .expect("a message");
            // Progress lines come before the answer they are about.
            let progress = matches!(msg, cutover::app::Msg::ActionProgress(_));
            commands.extend(update(app, msg));
            if progress {
                let msg = rx.recv().await.expect("the answer");
                commands.extend(update(app, msg));
            }
        }
    }
}

/// `enter` on a confirmed dialog: the one call is sent and it ends well.
async fn send_confirmed(
    app: &mut App,
    runner: &cutover::app::runner::Runner,
    rx: &mut UnboundedReceiver<cutover::app::Msg>,
) {
    let commands = press(app, KeyCode::Enter);
    assert!(
        matches!(commands.as_slice(), [Command::Execute(_)]),
        "{commands:?}"
    );
    settle(app, runner, rx, commands).await;
    let results = match &app.mode {
        Mode::Dialog(d) => match &d.step {
            Step::Done { results } => results.clone(),
            other => panic!("the dialog is at {other:?}"),
        },
        other => panic!("no dialog: {other:?}"),
    };
    assert!(
        matches!(&results[..], [(_, cutover::ops::Ended::Done(_))]),
        "{results:?}"
    );
}

async fn status_of(sim: &Sim, arn: &str) -> String {
    let out = sim
        .ecs()
        .describe_service_deployments()
        .service_deployment_arns(arn)
        .send()
        .await
        .expect("described");
    out.service_deployments()[0]
        .status()
        .map(|s| s.as_str().to_owned())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pause_hook_is_answered_and_the_deployment_rolled_back_from_the_console() {
    let (sim, clients) = default_world().await;
    let audit =
        std::env::temp_dir().join(format!("cutover-console-ecs-{}.jsonl", std::process::id()));
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let source = clients.source();
    let runner = cutover::app::runner::Runner::new(clients, Scope::default(), Instant::now(), tx)
        .with_audit(Audit::at(audit.clone()));
    let mut app = App::on(
        Context {
            clock_rate: 1.0,
            ..Context::default()
        },
        source,
        Intervals::default(),
    );
    settle(&mut app, &runner, &mut rx, vec![Command::TakeSnapshot(0)]).await;

    // The hook row in the waiting list: `a` asks for a plain yes, focus on "no".
    let all: Vec<Row> = rows(&app).into_iter().map(|e| e.row).collect();
    let (at, arn, hook) = all
        .iter()
        .enumerate()
        .find_map(|(i, r)| match r {
            Row::Hook { deployment, hook } => Some((i, deployment.clone(), hook.clone())),
            _ => None,
        })
        .expect("a pause hook waits in the overview");
    assert!(arn.contains("/payments-prod/payment-methods/"), "{arn}");
    app.screen_mut().selected = at;
    let commands = press(&mut app, KeyCode::Char('a'));
    assert!(
        matches!(commands.as_slice(), [Command::Prepare(ops)] if matches!(&ops_of(ops)[..], [Op::Continue(c)] if c.hook.as_deref() == Some(hook.as_str()) && !c.rollback)),
        "{commands:?}"
    );
    settle(&mut app, &runner, &mut rx, commands).await;
    assert!(
        matches!(&app.mode, Mode::Dialog(d) if matches!(d.step, Step::Confirm { yes: false, .. })),
        "a plain yes, focus on no: {:?}",
        app.mode
    );
    press(&mut app, KeyCode::Char('y'));
    send_confirmed(&mut app, &runner, &mut rx).await;
    assert_eq!(status_of(&sim, &arn).await, "IN_PROGRESS", "it goes on");
    press(&mut app, KeyCode::Esc);

    // The deployment's row: `B` rolls it back once `CLUSTER/SERVICE` is typed.
    settle(&mut app, &runner, &mut rx, vec![Command::TakeSnapshot(0)]).await;
    let all: Vec<Row> = rows(&app).into_iter().map(|e| e.row).collect();
    let at = all
        .iter()
        .position(|r| matches!(r, Row::Deployment { id } if id.id() == arn))
        .expect("the deployment is in flight on the overview");
    app.screen_mut().selected = at;
    let commands = press(&mut app, KeyCode::Char('B'));
    settle(&mut app, &runner, &mut rx, commands).await;
    assert!(
        press(&mut app, KeyCode::Enter).is_empty(),
        "nothing typed yet"
    );
    for c in "payments-prod/payment-methods".chars() {
        press(&mut app, KeyCode::Char(c));
    }
    send_confirmed(&mut app, &runner, &mut rx).await;
    let status = status_of(&sim, &arn).await;
    assert!(status.starts_with("ROLLBACK_"), "{status}");
    let _ = std::fs::remove_file(&audit);
}
