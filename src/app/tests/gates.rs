//! Approval gates in the console: each execution waiting at a PARALLEL gate is its own row,
//! answered alone; marks are typed; read-only holds in the code path.

use super::actions::{plan_for, typed_keys};
use super::*;

/// Two executions of one PARALLEL pipeline waiting at its gate, as the snapshot reads them.
fn parallel_gate() -> Snapshot {
    use crate::model::pipeline::PendingApproval;
    let waiting = |execution: &str, since: i64| WaitingApproval {
        pipeline: "reviews-release".into(),
        stage: "Approval".into(),
        action: "ApproveProduction".into(),
        execution_id: Some(execution.into()),
        waiting_since: Some(Timestamp(since)),
        token: format!("token-{execution}"),
        source: None,
        deploys_to: None,
    };
    let mut p = pipeline("reviews-release");
    p.execution_mode = crate::model::status::ExecutionMode::Parallel;
    p.stages = vec![crate::model::pipeline::Stage {
        name: "Approval".into(),
        inbound_enabled: true,
        disabled_reason: None,
        status: None,
        execution_id: None,
        inbound_execution_id: None,
        inbound_execution_ids: Vec::new(),
        actions: vec![crate::model::pipeline::Action {
            name: "ApproveProduction".into(),
            category: crate::model::status::ActionCategory::Approval,
            provider: "Manual".into(),
            run_order: 1,
            configuration: std::collections::BTreeMap::default(),
            deploys_to: None,
            latest: None,
        }],
    }];
    p.pending = ["exec-one", "exec-two"]
        .iter()
        .zip([0, 1_000])
        .map(|(id, since)| PendingApproval {
            stage: "Approval".into(),
            action: "ApproveProduction".into(),
            execution_id: Some((*id).into()),
            token: format!("token-{id}"),
            since: Some(Timestamp(since)),
        })
        .collect();
    Snapshot {
        taken_at: Timestamp(60_000),
        pipelines: vec![p],
        attention: Attention {
            approvals: vec![waiting("exec-one", 0), waiting("exec-two", 1_000)],
            ..Attention::default()
        },
        ..Snapshot::default()
    }
}

/// The approval the dialog's comment is sent to.
fn approve_with(app: &mut App, comment: &str) -> Vec<crate::ops::Op> {
    key(app, KeyCode::Char('a'));
    typed(app, comment);
    match key(app, KeyCode::Enter).as_slice() {
        [Command::Prepare(ops)] => ops_of(ops),
        other => panic!("expected a fresh-state check, got {other:?}"),
    }
}

#[test]
fn each_execution_waiting_at_a_parallel_gate_is_its_own_row_and_a_answers_that_one() {
    use crate::ops::{Op, Verdict};
    let mut app = app_with(parallel_gate());
    let rows = super::plain_rows(&app);
    let executions: Vec<Option<&str>> = rows
        .iter()
        .filter_map(|r| match r {
            Row::Approval { execution, .. } => Some(execution.as_deref()),
            _ => None,
        })
        .collect();
    assert_eq!(executions, vec![Some("exec-one"), Some("exec-two")]);
    key(&mut app, KeyCode::Down);
    let ops = approve_with(&mut app, "ship two");
    assert_eq!(
        ops,
        vec![Op::Approve(crate::ops::verbs::approve::Approve {
            pipeline: "reviews-release".into(),
            stage: Some("Approval".into()),
            action: Some("ApproveProduction".into()),
            execution: Some("exec-two".into()),
            comment: "ship two".into(),
            verdict: Verdict::Approve,
        })],
        "only the execution under the cursor"
    );
}

#[test]
fn the_pipeline_screen_lists_each_waiting_execution_and_answers_the_selected_one() {
    use crate::ops::Op;
    let mut app = app_with(parallel_gate());
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.screen().view, View::Pipeline);
    let rows = super::plain_rows(&app);
    assert_eq!(rows.len(), 2, "{rows:?}");
    key(&mut app, KeyCode::Enter);
    assert_eq!(
        app.stack.len(),
        2,
        "enter on an approval row stays on the pipeline"
    );
    key(&mut app, KeyCode::Down);
    let ops = approve_with(&mut app, "ship it");
    assert!(
        matches!(&ops[..], [Op::Approve(crate::ops::verbs::approve::Approve { execution: Some(e), .. })] if e == "exec-two"),
        "{ops:?}"
    );
    app.mode = Mode::Normal;
    let commands = key(&mut app, KeyCode::Char('S'));
    assert!(
        matches!(commands.as_slice(), [Command::Prepare(ops)] if matches!(&ops_of(ops)[..], [Op::Stop(crate::ops::verbs::stop::Stop { execution: Some(e), .. })] if e == "exec-two")),
        "stop names the execution under the cursor: {commands:?}"
    );
}

#[test]
fn a_marked_pipeline_named_like_a_deployment_is_approved_not_rolled_back() {
    let mut app = app_with_fleet();
    if let Some(s) = app.feeds[0].snapshot.as_mut() {
        s.pipelines.push(pipeline("d-ploy-release"));
    }
    typed_keys(&mut app, "2");
    let rows = super::plain_rows(&app);
    let at = |name: &str| {
        rows.iter()
            .position(|r| matches!(r, Row::Pipeline { name: n } if n == name))
            .expect("a pipeline row")
    };
    for name in ["d-ploy-release", "billing-release"] {
        app.screen_mut().selected = at(name);
        typed_keys(&mut app, " ");
    }
    app.screen_mut().selected = at("ledger-release");

    // Rollback takes only deployments: no deployment is marked or selected here.
    let commands = typed_keys(&mut app, "B");
    assert!(commands.is_empty(), "{commands:?}");
    assert!(!matches!(app.mode, Mode::Dialog(_)), "{:?}", app.mode);

    typed_keys(&mut app, "a");
    let Mode::Dialog(dialog) = &app.mode else {
        panic!("an approval dialog: {:?}", app.mode);
    };
    let Some(ask) = &dialog.ask else {
        panic!("{:?}", dialog.ask);
    };
    let mut pipelines: Vec<String> = ask.drafts.iter().map(crate::ops::Op::target).collect();
    pipelines.sort_unstable();
    assert_eq!(pipelines, ["billing-release", "d-ploy-release"]);
}

#[test]
fn a_on_a_pipeline_row_does_not_guess_between_executions_waiting_at_one_gate() {
    let mut app = app_with(parallel_gate());
    typed_keys(&mut app, "2");
    let commands = key(&mut app, KeyCode::Char('a'));
    assert!(commands.is_empty(), "{commands:?}");
    assert!(!matches!(app.mode, Mode::Dialog(_)), "{:?}", app.mode);
    assert!(
        app.message
            .as_deref()
            .is_some_and(|m| m.contains("several executions wait")),
        "{:?}",
        app.message
    );
    // Marking the pipeline is choosing every execution waiting in it.
    typed_keys(&mut app, " a");
    assert!(
        matches!(&app.mode, Mode::Dialog(d) if format!("{:?}", d.ask).contains("exec-one") && format!("{:?}", d.ask).contains("exec-two")),
        "{:?}",
        app.mode
    );
}

/// Read-only holds in the code path too, whatever asked for an action: a dialog confirmed
/// after the console turned read-only (a profile's setting read late, a future key that
/// forgets to check) sends nothing.
#[test]
fn read_only_refuses_a_confirmed_action_even_from_an_open_dialog() {
    let mut app = app_with_fleet();
    typed_keys(&mut app, "a");
    typed_keys(&mut app, "ok");
    let commands = key(&mut app, KeyCode::Enter);
    let [Command::Prepare(ops)] = commands.as_slice() else {
        panic!("{commands:?}")
    };
    let ops = ops_of(ops);
    update(
        &mut app,
        Msg::Prepared {
            results: vec![(0, Ok(plan_for(ops[0].clone(), "ledger-release")))],
        },
    );
    app.context.read_only = true;
    key(&mut app, KeyCode::Right);
    let sent = key(&mut app, KeyCode::Enter);
    assert!(
        sent.iter()
            .all(|c| !matches!(c, Command::Prepare(_) | Command::Execute(_))),
        "{sent:?}"
    );
}
