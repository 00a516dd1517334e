//! The engine on the manual clock, driven and observed through the SDK clients: traffic
//! shifting per config, the Ready and termination waits, stop and rollback, failed hooks,
//! unhealthy targets, approvals and the pipeline's deploy action. This module holds the
//! helpers the topics share; it must not hold tests of its own.

mod approvals;
mod failures;
pub mod native;
mod shifting;

use aws_sdk_codedeploy::types::{AppSpecContent, RevisionLocation, RevisionLocationType};
use cutover::sim::SimOptions;
use cutover::sim::world::World;
use cutover::sim::world::codedeploy::{DeploymentStatus, LifecycleEventName, Phase};

use crate::common::{Sim, options};

pub async fn lab() -> Sim {
    let world = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/worlds/lab.toml");
    Sim::start_with(SimOptions {
        world: Some(world),
        speed: None,
        autopilot: Some(false),
        ..options()
    })
    .await
}

/// Steps the clock one second at a time until `done` holds; the seconds it took.
pub fn advance_until(sim: &Sim, limit: i64, done: impl Fn(&World) -> bool) -> i64 {
    for second in 0..=limit {
        if sim.handle.shared().with_world(|w| done(w)) {
            return second;
        }
        sim.advance(1);
    }
    panic!("condition not reached within {limit} virtual seconds");
}

fn phase(sim: &Sim, id: &str) -> (DeploymentStatus, Phase, u32) {
    sim.handle.shared().with_world(|w| {
        let d = &w.deployments[id];
        (d.status, d.phase, d.shifted)
    })
}

fn event_running(id: &str, event: LifecycleEventName) -> impl Fn(&World) -> bool + '_ {
    move |w: &World| {
        w.deployments[id].event(event).status
            == cutover::sim::world::codedeploy::EventStatus::InProgress
    }
}

/// The task definition a lab service runs now, as ECS reports it.
async fn task_definition(sim: &Sim, group: &str) -> String {
    let service = sim
        .ecs()
        .describe_services()
        .cluster("lab")
        .services(group)
        .send()
        .await
        .expect("service");
    service.services()[0]
        .task_definition()
        .expect("task definition")
        .to_owned()
}

/// An AppSpecContent revision of `content`.
fn appspec(content: String) -> RevisionLocation {
    RevisionLocation::builder()
        .revision_type(RevisionLocationType::AppSpecContent)
        .app_spec_content(AppSpecContent::builder().content(content).build())
        .build()
}

/// Starts a deployment of the group's current task definition through CreateDeployment.
pub async fn deploy(sim: &Sim, group: &str, config: Option<&str>) -> String {
    let task_definition = task_definition(sim, group).await;
    let content = format!(
        "version: 0.0\nResources:\n  - TargetService:\n      Type: AWS::ECS::Service\n      Properties:\n        TaskDefinition: \"{task_definition}\"\n        LoadBalancerInfo:\n          ContainerName: \"{group}\"\n          ContainerPort: 80\nHooks:\n  - AfterAllowTestTraffic: \"arn:aws:lambda:eu-west-1:111122223333:function:{group}-smoke\"\n"
    );
    let revision = appspec(content);
    let out = sim
        .codedeploy()
        .create_deployment()
        .application_name("lab")
        .deployment_group_name(group)
        .set_deployment_config_name(config.map(str::to_owned))
        .revision(revision)
        .send()
        .await
        .expect("create deployment");
    out.deployment_id().expect("id").to_owned()
}

/// Production weights `(blue, green)` as the rule and as the task sets report them.
async fn weights(sim: &Sim, id: &str, group: &str) -> ((f64, f64), (f64, f64)) {
    let target = sim
        .codedeploy()
        .get_deployment_target()
        .deployment_id(id)
        .target_id(format!("lab:{group}"))
        .send()
        .await
        .expect("target");
    let sets = target
        .deployment_target()
        .and_then(|t| t.ecs_target())
        .expect("ecs")
        .task_sets_info()
        .to_vec();
    let weight_of = |label: &str| {
        sets.iter()
            .find(|s| s.task_set_label().map(|l| l.as_str()) == Some(label))
            .map_or(0.0, |s| s.traffic_weight())
    };
    let task_sets = (weight_of("Blue"), weight_of("Green"));
    let elb = sim.elb();
    let tgs = elb
        .describe_target_groups()
        .names(format!("{group}-blue"))
        .names(format!("{group}-green"))
        .send()
        .await
        .expect("tgs");
    let blue = tgs.target_groups()[0]
        .target_group_arn()
        .expect("arn")
        .to_owned();
    let green = tgs.target_groups()[1]
        .target_group_arn()
        .expect("arn")
        .to_owned();
    let lb = elb
        .describe_load_balancers()
        .names("lab-alb")
        .send()
        .await
        .expect("lb");
    let listeners = elb
        .describe_listeners()
        .load_balancer_arn(lb.load_balancers()[0].load_balancer_arn().expect("arn"))
        .send()
        .await
        .expect("listeners");
    let prod = listeners
        .listeners()
        .iter()
        .find(|l| l.port() == Some(80))
        .expect("prod");
    let rules = elb
        .describe_rules()
        .listener_arn(prod.listener_arn().expect("arn"))
        .send()
        .await
        .expect("rules");
    let rule = rules
        .rules()
        .iter()
        .find(|r| {
            r.actions().iter().any(|a| {
                a.forward_config().is_some_and(|f| {
                    f.target_groups().iter().any(|t| {
                        [blue.as_str(), green.as_str()]
                            .contains(&t.target_group_arn().unwrap_or_default())
                    })
                })
            })
        })
        .expect("the group's production rule");
    let tuples = rule.actions()[0]
        .forward_config()
        .expect("forward")
        .target_groups()
        .to_vec();
    let total: i32 = tuples.iter().filter_map(|t| t.weight()).sum();
    let share = |arn: &str| {
        tuples
            .iter()
            .filter(|t| t.target_group_arn() == Some(arn))
            .filter_map(|t| t.weight())
            .sum::<i32>() as f64
            * 100.0
            / total as f64
    };
    // Blue is whichever group served production before the deployment: web-blue at start.
    ((share(&blue), share(&green)), task_sets)
}

pub async fn control_post(sim: &Sim, body: &str) {
    control(sim, body).await;
}

async fn control(sim: &Sim, body: &str) {
    let response = crate::control::post(&sim.endpoint(), "/_sim/scenario", body).await;
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
}
