//! ECS service deployments in the attention lists and in `cutover status`, against the
//! simulator's `tests/worlds/native.toml`: a pause hook waits beside the approvals with the
//! time left before its timeout action, deployments in flight show their stage and share on
//! green, a rolled-back one is a failure with ECS's reason, and `--fail-on` sees them.

use cutover::model::attention::FailureSource;
use cutover::model::status::{HookAction, HookStatus};
use cutover::sim::faults::Faults;
use cutover::sim::world::native::HookStage;

use crate::command::status;
use crate::native::{deploy, native_world, snapshot, until};

#[tokio::test]
async fn a_waiting_pause_hook_a_canary_and_a_rollback_need_attention() {
    let sim = native_world(Faults::default()).await;
    let pay = deploy(&sim, "pay");
    let shop = deploy(&sim, "shop");
    let search = deploy(&sim, "search");
    sim.handle.shared().with_world(|w| {
        if let Some(d) = w.service_deployments.get_mut(&search) {
            d.fail_hook_at = Some(HookStage::PostTestTrafficShift);
        }
    });
    until(&sim, 900, |w| {
        w.service_deployments[&pay].waiting_hook().is_some()
            && w.service_deployments[&search].status.is_done()
            && w.service_deployments[&shop].production_percent > 0.0
    });
    sim.advance(60);
    let s = snapshot(&sim).await;
    let a = &s.attention;

    // The pause waits for a person: 30 minutes from when it began, less the minute passed.
    assert_eq!(a.hooks.len(), 1, "{:?}", a.hooks);
    let hook = &a.hooks[0];
    assert_eq!(hook.deployment_arn, pay);
    assert_eq!(hook.timeout_action, Some(HookAction::Rollback));
    let left = hook.seconds_left.expect("an expiry");
    assert!((25 * 60..=29 * 60).contains(&left), "{left}");
    let d = s.service_deployment(&pay).expect("read");
    assert!(
        d.hooks
            .iter()
            .any(|h| h.status == Some(HookStatus::AwaitingAction))
    );

    // In flight beside CodeDeploy's: the canary with its stage and 10 % on green.
    let canary = a
        .in_flight_ecs
        .iter()
        .find(|d| d.arn == shop)
        .expect("canary in flight");
    assert_eq!(canary.percent_on_green, Some(10.0));
    assert!(canary.stage.is_some());
    assert!(a.in_flight_ecs.iter().any(|d| d.arn == pay));
    assert!(a.in_flight.is_empty(), "no CodeDeploy deployment here");

    // The failed hook rolled search back: a failure with ECS's reason.
    let failure = a
        .failures
        .iter()
        .find(|f| f.id == search)
        .expect("a failure");
    assert_eq!(failure.source, FailureSource::ServiceDeployment);
    assert_eq!(failure.status, "ROLLBACK_SUCCESSFUL");
    assert_eq!(failure.place, "lab/search");
    assert!(failure.reason.contains("search-smoke-test"), "{failure:?}");

    // `cutover status`: the same, for a person and for a script.
    let endpoint = sim.endpoint();
    let (text, json, approvals, failures) = tokio::task::spawn_blocking(move || {
        (
            status(&endpoint, &[]),
            status(&endpoint, &["--json"]),
            status(&endpoint, &["--fail-on", "approvals"]),
            status(&endpoint, &["--fail-on", "failures"]),
        )
    })
    .await
    .expect("ran");
    let text = String::from_utf8_lossy(&text.stdout).into_owned();
    assert!(text.contains("PAUSE HOOKS WAITING (1)"), "{text}");
    assert!(text.contains("lab/pay"), "{text}");
    assert!(text.contains("left, then ROLLBACK"), "{text}");
    assert!(text.contains("ECS SERVICE DEPLOYMENTS IN FLIGHT"), "{text}");
    assert!(text.contains(" 10% green"), "{text}");
    assert!(text.contains("ecs deployment"), "{text}");
    assert!(text.contains("search-smoke-test"), "{text}");
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(value["schema_version"], 2);
    assert_eq!(value["attention"]["hooks"][0]["timeout_action"], "ROLLBACK");
    assert_eq!(
        value["attention"]["hooks"][0]["hook_id"],
        hook.hook_id.as_str()
    );
    assert!(
        value["attention"]["in_flight_ecs"]
            .as_array()
            .is_some_and(|l| l.len() == 2)
    );
    assert!(
        value["service_deployments"]
            .as_array()
            .is_some_and(|l| l.len() == 3)
    );
    assert!(value["service_revisions"].as_array().is_some());
    assert_eq!(
        value["attention"]["failures"][0]["source"],
        "service_deployment"
    );
    assert_eq!(approvals.status.code(), Some(3));
    assert_eq!(failures.status.code(), Some(3));
}
