//! Request budgets against the simulator throttling one service with that service's own
//! code, as AWS does (aws-apis.md section 6.1): ELBv2 answers `Throttling` in its XML error,
//! HTTP 400, which the simulator copies (src/sim/faults.rs, `throttled`). The budget of that
//! service backs off; the others keep their rate.

use cutover::aws::snapshot::take;
use cutover::aws::{Clients, ConnectOptions, connect, elbv2};
use cutover::config::{Allowance, Budgets, Scope};
use cutover::model::budget::{Api, BudgetState};
use cutover::sim::SimOptions;
use cutover::sim::faults::Faults;

use crate::common::{Sim, options};

/// The default world with ELBv2 throttling `share` of its requests.
async fn elb_throttling(share: f64) -> Sim {
    Sim::start_with(SimOptions {
        speed: None,
        autopilot: Some(false),
        faults: Faults {
            throttle_rate: share,
            services: vec!["elasticloadbalancing".into()],
            ..Faults::default()
        },
        ..options()
    })
    .await
}

/// ELB's default budget; the others generous, so that the default world's 28 pipelines are
/// read at once (at the default 5 calls a second they take 15 s): what is tested of them is
/// that they do not back off, not their pace.
fn budgets() -> Budgets {
    let generous = Allowance {
        rate: 1000.0,
        burst: 1000.0,
    };
    Budgets {
        elb: Budgets::default().elb,
        ecs: generous,
        codedeploy: generous,
        codepipeline: generous,
    }
}

/// Clients with those budgets; `max_attempts` as the SDK counts them.
async fn budgeted(sim: &Sim, max_attempts: u32) -> Clients {
    connect(&ConnectOptions {
        endpoint_url: Some(sim.endpoint()),
        region: Some("us-east-1".to_owned()),
        static_credentials: Some(("AKIDTEST".to_owned(), "secret".to_owned())),
        max_attempts: Some(max_attempts),
        budgets: Some(budgets()),
        ..ConnectOptions::default()
    })
    .await
}

fn budget(clients: &Clients, api: Api) -> BudgetState {
    clients
        .budgets()
        .into_iter()
        .find(|b| b.api == api)
        .expect("a budget per service")
}

#[tokio::test]
async fn a_throttled_service_backs_off_and_the_others_keep_their_rate() {
    let sim = elb_throttling(1.0).await;
    let clients = budgeted(&sim, 1).await;
    let snapshot = take(&clients, &Scope::default())
        .await
        .expect("the other services are read");
    assert!(
        snapshot
            .gaps
            .iter()
            .any(|g| g.service == "elasticloadbalancing" && g.kind == "throttled"),
        "{:?}",
        snapshot.gaps
    );
    assert!(!snapshot.services.is_empty() && !snapshot.pipelines.is_empty());
    let elb = budget(&clients, Api::Elb);
    assert!(elb.is_backing_off(), "{elb:?}");
    assert!(elb.current < elb.configured, "{elb:?}");
    assert!(elb.current >= elb.configured / 10.0, "{elb:?}");
    for api in [Api::Ecs, Api::CodeDeploy, Api::CodePipeline] {
        let other = budget(&clients, api);
        assert!(!other.is_backing_off(), "{other:?}");
        assert!(
            (other.current - other.configured).abs() < f64::EPSILON,
            "{other:?}"
        );
    }
}

/// The reads keep the SDK's retries: a throttle the SDK retried into a success never reaches
/// the caller as an error, and still slows the budget.
#[tokio::test]
async fn a_throttle_the_sdk_retried_away_still_slows_the_budget() {
    let sim = elb_throttling(0.5).await;
    // The simulator's faults are drawn from a seeded generator, so the calls below meet the
    // same throttles on every run; the loop stops at the first call that was throttled and
    // then answered. Each call gets fresh clients, whose budget only that call can have moved.
    for _ in 0..30 {
        let clients = budgeted(&sim, 3).await;
        let seq = sim.handle.shared().request_log().last_seq();
        let answered = elbv2::load_balancers(&clients).await;
        let throttles = sim
            .handle
            .shared()
            .request_log()
            .since(seq)
            .iter()
            .filter(|r| r.error.as_deref() == Some("Throttling"))
            .count();
        if answered.is_ok() && throttles > 0 {
            let elb = budget(&clients, Api::Elb);
            assert!(elb.is_backing_off(), "{throttles} throttles: {elb:?}");
            assert!(!budget(&clients, Api::Ecs).is_backing_off());
            return;
        }
        assert!(
            answered.is_err() || !budget(&clients, Api::Elb).is_backing_off(),
            "backing off with no throttle"
        );
    }
    panic!("no call was throttled and then answered");
}
