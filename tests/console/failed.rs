//! The deployment screen of a failed deployment that rolled back, drawn from the default
//! world's history: its status, CodeDeploy's reason, the lifecycle event that failed and the
//! link to the rollback. It must not pick the deployment by its place in a list.

use cutover::app::{Screen, Subject};
use cutover::model::deploy::Deployment;
use cutover::model::status::DeploymentStatus;

use crate::screens::{app, fleet, render, settings, text};

/// The one place a deployment becomes a screen's subject (its id is about to be typed).
fn subject_of(d: &Deployment) -> Subject {
    Subject::Deployment(d.reference())
}

/// A failed hook says the most (CodeDeploy's error, the event, the script and its log): the
/// latest deployment failed by one and rolled back, found by its fields.
fn failed_hook_rolled_back(deployments: &[Deployment]) -> &Deployment {
    deployments
        .iter()
        .filter(|d| d.status == DeploymentStatus::Failed)
        .filter(|d| {
            d.error
                .as_ref()
                .is_some_and(|e| e.code == "HOOK_EXECUTION_FAILURE")
        })
        .filter(|d| d.failed_event().is_some_and(|e| e.diagnostics.is_some()))
        .filter(|d| d.rolled_back_by.is_some())
        .max_by_key(|d| (d.created, d.id.clone()))
        .expect("the default world's history has a failed hook that rolled back")
}

#[tokio::test]
async fn a_failed_deployment_screen_shows_why_and_links_its_rollback() {
    let snapshot = fleet().await;
    let d = failed_hook_rolled_back(&snapshot.deployments);
    let error = d.error.as_ref().expect("an error");
    let event = d.failed_event().expect("a failed event");
    let rollback = d.rolled_back_by.as_deref().expect("a rollback");
    assert!(
        snapshot
            .deployment(rollback)
            .is_some_and(|r| r.rollback_of.as_deref() == Some(&d.id)),
        "the rollback is in the snapshot and links back"
    );
    let screen_at = |width, height| {
        let mut app = app(&snapshot, false);
        app.stack.push(Screen::of(0, subject_of(d)));
        text(&render(&mut app, width, height))
    };
    let settings = settings();
    for (width, height) in [(80, 24), (160, 48)] {
        let screen = screen_at(width, height);
        for shown in ["status Failed", &error.code, &event.name] {
            assert!(
                screen.contains(shown),
                "{width}x{height} shows {shown}:\n{screen}"
            );
        }
        settings.bind(|| {
            insta::assert_snapshot!(format!("deployment_failed_{width}x{height}"), screen)
        });
    }
    // At 80 columns the summary line is cut before the rollback link, the message wraps and
    // the lifecycle panel ends above the failed event: the whole story needs the wide screen.
    let screen = screen_at(160, 48);
    let failed_row = format!("✗ {:<22}Failed", event.name);
    let link = format!("rolled back by {rollback}");
    for shown in [&error.message, &failed_row, &link] {
        assert!(
            screen.contains(shown.as_str()),
            "160x48 shows {shown}:\n{screen}"
        );
    }
}
