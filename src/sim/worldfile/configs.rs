//! Deployment configs: CodeDeploy's five built-in ECS configs, and the custom ones a world
//! file declares with `[[deployment_config]]`. It must not let a file redefine a built-in.

use super::build::{Builder, DAY, NameRule, check_name};
use super::schema::{ConfigKind, ConfigSection};
use super::{BuildResult, Fault};
use crate::sim::world::Millis;
use crate::sim::world::codedeploy::{DeploymentConfig, Routing};

/// When CodeDeploy's ECS configs appeared (2018-11-27), as their creation time.
const BUILT_IN_CREATED: Millis = 1_543_276_800_000;

/// CodeDeploy's limit on the ready and termination waits: two days.
pub(super) const MAX_WAIT_MINUTES: u32 = 2_880;

const BUILT_IN: [(&str, Routing); 5] = [
    ("CodeDeployDefault.ECSAllAtOnce", Routing::AllAtOnce),
    (
        "CodeDeployDefault.ECSCanary10Percent5Minutes",
        Routing::Canary {
            percent: 10,
            minutes: 5,
        },
    ),
    (
        "CodeDeployDefault.ECSCanary10Percent15Minutes",
        Routing::Canary {
            percent: 10,
            minutes: 15,
        },
    ),
    (
        "CodeDeployDefault.ECSLinear10PercentEvery1Minutes",
        Routing::Linear {
            percent: 10,
            minutes: 1,
        },
    ),
    (
        "CodeDeployDefault.ECSLinear10PercentEvery3Minutes",
        Routing::Linear {
            percent: 10,
            minutes: 3,
        },
    ),
];

pub(super) fn add_configs(b: &mut Builder, sections: &[ConfigSection]) -> BuildResult<()> {
    for (name, routing) in BUILT_IN {
        let id = b.world.rng.uuid();
        let created_at = b.start.min(BUILT_IN_CREATED);
        b.world.deployment_configs.insert(
            name.to_owned(),
            DeploymentConfig {
                name: name.to_owned(),
                id,
                routing,
                created_at,
            },
        );
    }
    for section in sections {
        let name = section.name.get_ref();
        check_name(&section.name, "deployment_config.name", NameRule::Named)?;
        if name.starts_with("CodeDeployDefault.") {
            return Err(Fault::at(
                &section.name,
                "deployment_config.name",
                "the prefix CodeDeployDefault. is reserved for AWS",
            ));
        }
        if b.world.deployment_configs.contains_key(name) {
            return Err(Fault::at(
                &section.name,
                "deployment_config.name",
                format!("a deployment config named \"{name}\" is already declared"),
            ));
        }
        let routing = routing_of(section)?;
        let id = b.world.rng.uuid();
        let created_at = b.ago(30 * DAY, 600 * DAY);
        b.world.deployment_configs.insert(
            name.clone(),
            DeploymentConfig {
                name: name.clone(),
                id,
                routing,
                created_at,
            },
        );
    }
    Ok(())
}

fn routing_of(section: &ConfigSection) -> BuildResult<Routing> {
    let kind = *section.kind.get_ref();
    if kind == ConfigKind::AllAtOnce {
        if let Some(extra) = section.percent.as_ref().or(section.minutes.as_ref()) {
            return Err(Fault::at(
                extra,
                "deployment_config.type",
                "an all_at_once config takes no percent or minutes",
            ));
        }
        return Ok(Routing::AllAtOnce);
    }
    let Some(percent) = &section.percent else {
        return Err(Fault::at(
            &section.kind,
            "deployment_config.percent",
            "a canary or linear config needs percent (1 to 99)",
        ));
    };
    let Some(minutes) = &section.minutes else {
        return Err(Fault::at(
            &section.kind,
            "deployment_config.minutes",
            "a canary or linear config needs minutes",
        ));
    };
    if !(1..=99).contains(percent.get_ref()) {
        return Err(Fault::at(
            percent,
            "deployment_config.percent",
            "expected a percentage from 1 to 99",
        ));
    }
    if !(1..=MAX_WAIT_MINUTES).contains(minutes.get_ref()) {
        return Err(Fault::at(
            minutes,
            "deployment_config.minutes",
            format!("expected 1 to {MAX_WAIT_MINUTES} minutes"),
        ));
    }
    let (percent, minutes) = (*percent.get_ref(), *minutes.get_ref());
    Ok(match kind {
        ConfigKind::Canary => Routing::Canary { percent, minutes },
        _ => Routing::Linear { percent, minutes },
    })
}
