//! `[service.ecs_deployment]` into an ECS-native blue/green configuration: the strategy with
//! its limits (AWS API docs: `stepPercent` 3.0–100.0, `canaryPercent` 0.1–100.0, bake times
//! 0–1440 minutes, hook timeouts 1–20160 minutes), the hooks and their stages; once the load
//! balancers' rules exist, the production and test rules the service's route claimed. It must
//! not accept a value AWS would refuse.

use toml::Spanned;

use super::build::Builder;
use super::schema::{EcsDeploymentSection, HookSection, ServiceSection};
use super::{BuildResult, Fault};
use crate::sim::world::Stream;
use crate::sim::world::ecs::Controller;
use crate::sim::world::native::{
    Advanced, BlueGreen, HookAction, HookStage, HookTarget, LifecycleHook, Strategy,
};

const MAX_BAKE: u32 = 1_440;
const MAX_HOOK_TIMEOUT: u32 = 20_160;

/// A blue/green configuration waiting for its load balancer's rules.
pub(super) struct Pending {
    pub cluster: String,
    pub service: String,
    pub lb: usize,
    /// `[primary, alternate]`.
    pub target_groups: Vec<String>,
    pub config: BlueGreen,
}

/// Checks `[service.ecs_deployment]`; the configuration without its rules.
pub(super) fn resolve(
    b: &Builder,
    spec: &ServiceSection,
    controller: Controller,
    has_lb: bool,
) -> BuildResult<Option<BlueGreen>> {
    let Some(section) = &spec.ecs_deployment else {
        return Ok(None);
    };
    let field = "service.ecs_deployment.strategy";
    if controller != Controller::Ecs {
        return Err(Fault::at(
            &section.strategy,
            field,
            "an ECS-native deployment needs controller = \"ECS\"",
        ));
    }
    if !has_lb {
        return Err(Fault::at(
            &section.strategy,
            field,
            "a blue/green deployment needs the service behind a load_balancer",
        ));
    }
    let strategy = strategy(section)?;
    let bake_minutes = minutes(
        section.bake_time_minutes.as_ref(),
        "service.ecs_deployment.bake_time_minutes",
        0,
    )?;
    let hooks = section
        .hook
        .iter()
        .map(|h| hook(b, h))
        .collect::<BuildResult<Vec<_>>>()?;
    Ok(Some(BlueGreen {
        strategy,
        bake_minutes,
        hooks,
        advanced: Advanced {
            alternate_target_group: String::new(),
            production_rule: String::new(),
            test_rule: None,
            role_arn: b
                .world
                .arn("iam", "role/ecsInfrastructureRoleForLoadBalancers")
                .replace(&format!(":{}:", b.world.region), "::"),
        },
    }))
}

fn strategy(section: &EcsDeploymentSection) -> BuildResult<Strategy> {
    let percent = |given: Option<&Spanned<f64>>, name: &str, range: (f64, f64), default: f64| {
        let Some(given) = given else {
            return Ok(default);
        };
        let value = *given.get_ref();
        let tenths = (value * 10.0).round();
        if !(range.0..=range.1).contains(&value) || (value * 10.0 - tenths).abs() > 1e-9 {
            return Err(Fault::at(
                given,
                format!("service.ecs_deployment.{name}"),
                format!(
                    "expected {:.1} to {:.1} in steps of 0.1, found {value}",
                    range.0, range.1
                ),
            ));
        }
        Ok(value)
    };
    match section.strategy.get_ref().as_str() {
        "BLUE_GREEN" => Ok(Strategy::BlueGreen),
        "LINEAR" => Ok(Strategy::Linear {
            step_percent: percent(
                section.step_percent.as_ref(),
                "step_percent",
                (3.0, 100.0),
                10.0,
            )?,
            step_bake_minutes: minutes(
                section.step_bake_time_minutes.as_ref(),
                "service.ecs_deployment.step_bake_time_minutes",
                6,
            )?,
        }),
        "CANARY" => Ok(Strategy::Canary {
            percent: percent(
                section.canary_percent.as_ref(),
                "canary_percent",
                (0.1, 100.0),
                5.0,
            )?,
            bake_minutes: minutes(
                section.canary_bake_time_minutes.as_ref(),
                "service.ecs_deployment.canary_bake_time_minutes",
                10,
            )?,
        }),
        other => Err(Fault::at(
            &section.strategy,
            "service.ecs_deployment.strategy",
            format!("expected BLUE_GREEN, LINEAR or CANARY, found \"{other}\""),
        )),
    }
}

fn minutes(given: Option<&Spanned<u32>>, field: &str, default: u32) -> BuildResult<u32> {
    match given {
        Some(m) if *m.get_ref() > MAX_BAKE => Err(Fault::at(
            m,
            field,
            format!("expected 0 to {MAX_BAKE} minutes"),
        )),
        Some(m) => Ok(*m.get_ref()),
        None => Ok(default),
    }
}

fn hook(b: &Builder, section: &HookSection) -> BuildResult<LifecycleHook> {
    let target = match (section.kind.get_ref().as_str(), &section.target) {
        ("AWS_LAMBDA", Some(function)) => {
            let name = function.get_ref();
            let arn = if name.starts_with("arn:") {
                name.clone()
            } else {
                b.world.arn("lambda", &format!("function:{name}"))
            };
            HookTarget::Lambda(arn)
        }
        ("AWS_LAMBDA", None) => {
            return Err(Fault::at(
                &section.kind,
                "service.ecs_deployment.hook.target",
                "an AWS_LAMBDA hook needs target = the function's name or ARN",
            ));
        }
        ("PAUSE", Some(target)) => {
            return Err(Fault::at(
                target,
                "service.ecs_deployment.hook.target",
                "a PAUSE hook has no target",
            ));
        }
        ("PAUSE", None) => HookTarget::Pause,
        (other, _) => {
            return Err(Fault::at(
                &section.kind,
                "service.ecs_deployment.hook.type",
                format!("expected AWS_LAMBDA or PAUSE, found \"{other}\""),
            ));
        }
    };
    let mut stages = Vec::new();
    for stage in section.stages.get_ref() {
        let parsed = HookStage::parse(stage.get_ref()).ok_or_else(|| {
            Fault::at(
                stage,
                "service.ecs_deployment.hook.stages",
                format!(
                    "expected one of {}, found \"{}\"",
                    HookStage::ALL.map(HookStage::as_str).join(", "),
                    stage.get_ref()
                ),
            )
        })?;
        stages.push(parsed);
    }
    if stages.is_empty() {
        return Err(Fault::at(
            &section.stages,
            "service.ecs_deployment.hook.stages",
            "a hook needs at least one stage",
        ));
    }
    let timeout_minutes = match &section.timeout_minutes {
        Some(m) if !(1..=MAX_HOOK_TIMEOUT).contains(m.get_ref()) => {
            return Err(Fault::at(
                m,
                "service.ecs_deployment.hook.timeout_minutes",
                format!("expected 1 to {MAX_HOOK_TIMEOUT} minutes"),
            ));
        }
        Some(m) => *m.get_ref(),
        None => LifecycleHook::DEFAULT_TIMEOUT_MINUTES,
    };
    let timeout_action = match &section.timeout_action {
        Some(a) => HookAction::parse(a.get_ref()).ok_or_else(|| {
            Fault::at(
                a,
                "service.ecs_deployment.hook.timeout_action",
                format!("expected CONTINUE or ROLLBACK, found \"{}\"", a.get_ref()),
            )
        })?,
        None => HookAction::Rollback,
    };
    Ok(LifecycleHook {
        target,
        role_arn: Some(format!(
            "arn:aws:iam::{}:role/ecsLifecycleHookRole",
            b.world.account
        )),
        stages,
        timeout_minutes,
        timeout_action,
    })
}

/// Once the rules exist: each pending service's production and test rules (those its route
/// claimed on its load balancer's listeners), its alternate target group, and the revision
/// it runs.
pub(super) fn finish(b: &mut Builder, pending: Vec<Pending>, lbs: &[super::elb::Lb]) {
    for p in pending {
        let [primary, alternate] = p.target_groups.as_slice() else {
            continue;
        };
        let (primary, alternate) = (primary.clone(), alternate.clone());
        let lb = &lbs[p.lb];
        let pair = [primary.as_str(), alternate.as_str()];
        let production = b
            .world
            .rules_for_pair(&lb.production.0, pair)
            .into_iter()
            .next()
            .unwrap_or_default();
        let test = lb
            .test
            .as_ref()
            .and_then(|(listener, _)| b.world.rules_for_pair(listener, pair).into_iter().next());
        let mut config = p.config;
        config.advanced.alternate_target_group = alternate;
        config.advanced.production_rule = production;
        config.advanced.test_rule = test;
        if let Some(svc) = b.world.service_mut(&p.cluster, &p.service) {
            svc.blue_green = Some(config);
        }
        b.world.in_stream(Stream::Native, |w| {
            crate::sim::engine::native::ensure_revision(w, &p.cluster, &p.service)
        });
    }
}
