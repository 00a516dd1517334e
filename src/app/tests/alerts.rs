//! The notification area: what a refresh brings that needs a person joins it once, the line
//! under the header tells the newest until `N` lists them, and lost credentials are told once.

use crossterm::event::KeyCode;

use super::{app_with_fleet, fleet, key};
use crate::app::{Mode, Msg, update};
use crate::model::attention::WaitingApproval;
use crate::model::events::Kind;
use crate::model::time::Timestamp;

fn second_gate() -> WaitingApproval {
    WaitingApproval {
        pipeline: "billing-release".into(),
        stage: "Approval".into(),
        action: "ApproveProduction".into(),
        execution_id: Some("e-2".into()),
        waiting_since: Some(Timestamp(90_000)),
        token: "t2".into(),
        source: None,
        deploys_to: None,
    }
}

#[test]
fn what_the_console_opened_on_is_not_news_and_a_gate_that_opens_later_is_once() {
    let mut app = app_with_fleet();
    assert!(app.alerts.notices.is_empty(), "the first screen shows it");
    assert!(app.alerts.take_outbox().is_empty());
    let lines = app.trouble_lines();

    let mut later = fleet();
    later.taken_at = Timestamp(120_000);
    later.attention.approvals.push(second_gate());
    for at in [2_000, 3_000] {
        update(
            &mut app,
            Msg::SnapshotTaken {
                at,
                feed: 0,
                result: Ok(Box::new(later.clone())),
                budgets: Vec::new(),
            },
        );
    }
    let out = app.alerts.take_outbox();
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(out[0].kind, Kind::GateWaiting);
    assert_eq!(out[0].subject, "billing-release/Approval/ApproveProduction");
    assert_eq!(app.trouble_lines(), lines + 1, "the notice's line");
    assert!(app.alerts.newest_unread().is_some());

    key(&mut app, KeyCode::Char('N'));
    assert_eq!(app.mode, Mode::Notices);
    assert!(app.alerts.newest_unread().is_none(), "read");
    assert_eq!(app.trouble_lines(), lines);
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.mode, Mode::Normal);
    assert_eq!(app.alerts.notices.len(), 1, "kept for the list");
}

#[test]
fn lost_credentials_are_told_once_while_they_stay_lost() {
    let mut app = app_with_fleet();
    for at in [2_000, 3_000] {
        update(
            &mut app,
            Msg::SnapshotTaken {
                at,
                feed: 0,
                result: Err(crate::aws::AwsError {
                    kind: crate::aws::ErrorKind::ExpiredCredentials,
                    ..crate::aws::AwsError::local("sts", "GetCallerIdentity", "token expired")
                }),
                budgets: Vec::new(),
            },
        );
    }
    let out = app.alerts.take_outbox();
    assert_eq!(
        out.iter().map(|e| e.kind).collect::<Vec<_>>(),
        [Kind::CredentialsLost]
    );
    assert!(
        out[0].message.contains("token expired"),
        "{}",
        out[0].message
    );
}

#[test]
fn p_on_a_deployment_asks_for_its_report_and_elsewhere_says_what_to_open() {
    use crate::app::{Command, Screen, Subject};
    use crate::model::DeploymentRef;
    let mut app = app_with_fleet();
    assert!(key(&mut app, KeyCode::Char('P')).is_empty());
    assert_eq!(
        app.message.as_deref(),
        Some("open a deployment to write its report")
    );
    let deployment = DeploymentRef::CodeDeploy("d-INFLIGHT1".into());
    app.stack
        .push(Screen::of(0, Subject::Deployment(deployment.clone())));
    assert_eq!(
        key(&mut app, KeyCode::Char('P')),
        vec![Command::WriteReport(0, deployment)]
    );
    update(
        &mut app,
        Msg::ReportWritten(Ok("/tmp/reports/d-INFLIGHT1.md".into())),
    );
    assert_eq!(
        app.message.as_deref(),
        Some("report written to /tmp/reports/d-INFLIGHT1.md")
    );
}
