use super::*;
use crate::model::attention::{Failure, FailureSource, InFlight, WaitingApproval, WaitingHook};
use crate::model::pipeline::SourceRevision;
use crate::model::status::Severity;

fn origin() -> Origin {
    Origin {
        source: "prod".to_owned(),
        account: Some("444455556666".to_owned()),
        region: "us-east-1".to_owned(),
    }
}

fn at(minutes: i64) -> Snapshot {
    Snapshot {
        taken_at: Timestamp(1_800_000_000_000 + minutes * 60_000),
        ..Snapshot::default()
    }
}

fn gate(execution: &str, since_minute: i64) -> WaitingApproval {
    WaitingApproval {
        pipeline: "web".to_owned(),
        stage: "Prod".to_owned(),
        action: "Approve".to_owned(),
        execution_id: Some(execution.to_owned()),
        waiting_since: Some(Timestamp(1_800_000_000_000 + since_minute * 60_000)),
        token: "t-1".to_owned(),
        source: Some(SourceRevision {
            action: "Source".to_owned(),
            revision_id: "9cfbd65aa0".to_owned(),
            summary: Some("fix login\n\nlong body".to_owned()),
            url: None,
        }),
        deploys_to: None,
    }
}

fn failure(id: &str, minute: i64) -> Failure {
    Failure {
        source: FailureSource::Deployment,
        id: id.to_owned(),
        place: "web/prod".to_owned(),
        status: "Failed".to_owned(),
        severity: Severity::Bad,
        at: Some(Timestamp(1_800_000_000_000 + minute * 60_000)),
        reason: "HEALTH_CONSTRAINTS: too many unhealthy".to_owned(),
        rolled_back_by: None,
    }
}

#[test]
fn a_gate_is_news_once_per_execution_that_waits_at_it() {
    let mut tracker = Tracker::default();
    let mut s = at(0);
    s.attention.approvals.push(gate("e-1", -5));
    let first = tracker.observe(&s, &origin());
    assert_eq!(first.len(), 1);
    let e = &first[0];
    assert_eq!(e.kind, Kind::GateWaiting);
    assert_eq!(e.subject, "web/Prod/Approve");
    assert_eq!(e.revision.as_deref(), Some("9cfbd65aa0"));
    assert_eq!(
        e.message,
        "prod: gate Approve of web waits for approval at 9cfbd65 \"fix login\""
    );
    // The next refresh finds it still waiting: nothing new.
    let mut s = at(1);
    s.attention.approvals.push(gate("e-1", -5));
    assert!(tracker.observe(&s, &origin()).is_empty());
    // A later execution waits at the same gate: news again.
    let mut s = at(2);
    s.attention.approvals.push(gate("e-2", 2));
    let again = tracker.observe(&s, &origin());
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].execution_id.as_deref(), Some("e-2"));
}

#[test]
fn what_a_gap_hid_for_a_while_is_not_news_when_it_shows_again() {
    let mut tracker = Tracker::default();
    let mut with = at(0);
    with.attention.approvals.push(gate("e-1", 0));
    with.attention.failures.push(failure("d-1", 0));
    assert_eq!(tracker.observe(&with, &origin()).len(), 2);
    // CodePipeline and CodeDeploy denied for a refresh: the snapshot lacks both.
    assert!(tracker.observe(&at(1), &origin()).is_empty());
    with.taken_at = at(2).taken_at;
    assert!(tracker.observe(&with, &origin()).is_empty());
}

#[test]
fn a_failed_refresh_loses_nothing_that_happened_meanwhile() {
    let mut tracker = Tracker::default();
    assert!(tracker.observe(&at(0), &origin()).is_empty());
    // Refreshes fail for a while (a 5xx is not lost credentials: no event) …
    assert!(
        tracker
            .failed(at(1).taken_at, "service", "HTTP 503", &origin())
            .is_none()
    );
    // … and a deployment failed in between: the next snapshot brings it.
    let mut s = at(5);
    s.attention.failures.push(failure("d-7", 3));
    let news = tracker.observe(&s, &origin());
    assert_eq!(news.len(), 1);
    assert_eq!(news[0].kind, Kind::DeploymentFailed);
    assert_eq!(news[0].key, "failed/d-7");
    assert_eq!(
        news[0].reason.as_deref(),
        Some("HEALTH_CONSTRAINTS: too many unhealthy")
    );
}

#[test]
fn lost_credentials_are_said_once_until_they_work_again() {
    let mut tracker = Tracker::default();
    let lost = tracker.failed(
        at(0).taken_at,
        "expired_credentials",
        "token expired",
        &origin(),
    );
    assert_eq!(lost.map(|e| e.kind), Some(Kind::CredentialsLost));
    assert!(
        tracker
            .failed(
                at(1).taken_at,
                "expired_credentials",
                "token expired",
                &origin()
            )
            .is_none()
    );
    tracker.observe(&at(2), &origin());
    assert!(
        tracker
            .failed(at(3).taken_at, "no_credentials", "no profile", &origin())
            .is_some()
    );
}

#[test]
fn a_first_run_announces_what_waits_but_not_what_ended_before_it() {
    let mut tracker = Tracker::since(at(0).taken_at);
    let mut s = at(0);
    s.attention.approvals.push(gate("e-1", -90));
    s.attention.failures.push(failure("d-old", -60));
    let news = tracker.observe(&s, &origin());
    assert_eq!(
        news.iter().map(|e| e.kind).collect::<Vec<_>>(),
        [Kind::GateWaiting]
    );
    let mut s = at(1);
    s.attention.failures.push(failure("d-old", -60));
    s.attention.failures.push(failure("d-new", 1));
    let news = tracker.observe(&s, &origin());
    assert_eq!(news.len(), 1);
    assert_eq!(news[0].deployment_id.as_deref(), Some("d-new"));
}

#[test]
fn a_fresh_tracker_takes_its_first_snapshot_s_time_as_its_start() {
    let mut tracker = Tracker::fresh();
    let mut s = at(0);
    s.attention.failures.push(failure("d-old", -1));
    assert!(tracker.observe(&s, &origin()).is_empty());
    let mut s = at(1);
    s.attention.failures.push(failure("d-new", 1));
    assert_eq!(tracker.observe(&s, &origin()).len(), 1);
}

#[test]
fn a_tracker_saved_and_loaded_replays_nothing() {
    let mut tracker = Tracker::since(at(0).taken_at);
    let mut s = at(0);
    s.attention.approvals.push(gate("e-1", 0));
    assert_eq!(tracker.observe(&s, &origin()).len(), 1);
    let saved = serde_json::to_string(&tracker).expect("serializes");
    let mut loaded: Tracker = serde_json::from_str(&saved).expect("loads");
    assert_eq!(loaded, tracker);
    s.taken_at = at(10).taken_at;
    assert!(loaded.observe(&s, &origin()).is_empty());
}

#[test]
fn ready_waits_and_pause_hooks_are_news() {
    let mut s = at(0);
    s.attention.in_flight.push(InFlight {
        deployment_id: "d-R".to_owned(),
        application: "web".to_owned(),
        deployment_group: "prod".to_owned(),
        status: DeploymentStatus::Ready,
        phase: Phase::ReadyWait,
        percent_on_green: 0.0,
        next_at: None,
        rollback: false,
    });
    s.attention.hooks.push(WaitingHook {
        deployment_arn: "arn:sd/1".to_owned(),
        cluster: "main".to_owned(),
        service: "api".to_owned(),
        hook_id: "h-1".to_owned(),
        stage: None,
        expires_at: None,
        seconds_left: None,
        timeout_action: None,
    });
    let news = Tracker::default().observe(&s, &origin());
    let kinds: Vec<_> = news.iter().map(|e| (e.kind, e.key.as_str())).collect();
    assert_eq!(
        kinds,
        [
            (Kind::ReadyWait, "ready/d-R"),
            (Kind::HookWaiting, "hook/arn:sd/1/h-1")
        ]
    );
    assert_eq!(news[1].service.as_deref(), Some("main/api"));
}

#[test]
fn the_console_starts_knowing_what_its_first_snapshot_shows() {
    let mut s = at(0);
    s.attention.approvals.push(gate("e-1", 0));
    let mut tracker = Tracker::known(&s);
    assert!(tracker.observe(&s, &origin()).is_empty());
}

#[test]
fn keys_are_forgotten_a_day_after_their_thing_went() {
    let mut tracker = Tracker::default();
    let mut s = at(0);
    s.attention.approvals.push(gate("e-1", 0));
    tracker.observe(&s, &origin());
    tracker.observe(&at(60), &origin());
    assert_eq!(tracker.remembered(), 1);
    tracker.observe(&at(24 * 60 + 1), &origin());
    assert_eq!(tracker.remembered(), 0);
}

#[test]
fn kinds_read_back_from_their_names() {
    for kind in Kind::ALL {
        assert_eq!(Kind::parse(kind.name()), Some(kind));
        let json = serde_json::to_string(&kind).expect("serializes");
        assert_eq!(json, format!("\"{}\"", kind.name()));
    }
    assert_eq!(Kind::parse("gate"), None);
}
