//! `[service.ecs_deployment]` values AWS would refuse are refused with the file, the line and
//! the field, one test per rule the loader checks.

use super::*;

use super::tests::{BASE as CLUSTER_AND_BALANCER, START};

/// The world of `super::tests` with one service, `c/shop`, whose table the tests extend.
const SHOP: &str = r#"
[[service]]
cluster = "c"
name = "shop"
desired = 1
"#;

/// A service behind `lb` on the ECS controller, then `table`.
fn behind_lb(table: &str) -> String {
    format!(
        "controller = \"ECS\"\nload_balancer = \"lb\"\ntarget_groups = [\"shop-blue\", \"shop-green\"]\n{table}"
    )
}

/// Asserts that `extra` is refused on the line holding `needle`, naming `field`.
fn assert_refused(extra: &str, needle: &str, field: &str) {
    let text = format!("{CLUSTER_AND_BALANCER}{SHOP}{extra}");
    let error = parse("t.toml", &text, START, 7).expect_err("the file should be refused");
    let line = text
        .lines()
        .position(|l| l.contains(needle))
        .map(|i| i + 1)
        .expect("the needle is in the file");
    assert_eq!(error.field(), Some(field), "{error}");
    assert_eq!(error.line(), Some(line), "{error}");
    assert!(
        error
            .to_string()
            .starts_with(&format!("t.toml: line {line}: field `{field}`: ")),
        "{error}"
    );
}

#[test]
fn a_valid_table_builds_its_blue_green_configuration() {
    let text = format!(
        "{CLUSTER_AND_BALANCER}{SHOP}{}",
        behind_lb("[service.ecs_deployment]\nstrategy = \"LINEAR\"\nstep_percent = 12.5\n")
    );
    let world = parse("t.toml", &text, START, 7).expect("valid world");
    let config = world
        .service("c", "shop")
        .and_then(|s| s.blue_green.clone());
    assert!(config.is_some_and(|c| c.strategy.as_str() == "LINEAR"));
}

#[test]
fn an_unknown_strategy_is_refused() {
    assert_refused(
        &behind_lb("[service.ecs_deployment]\nstrategy = \"ROLLING\"\n"),
        "ROLLING",
        "service.ecs_deployment.strategy",
    );
}

#[test]
fn the_table_is_refused_on_a_service_not_on_the_ecs_controller() {
    let extra = "load_balancer = \"lb\"\n[service.ecs_deployment]\nstrategy = \"BLUE_GREEN\"\n";
    assert_refused(extra, "BLUE_GREEN", "service.ecs_deployment.strategy");
    let code_deploy = format!("controller = \"CODE_DEPLOY\"\n{extra}");
    assert_refused(
        &code_deploy,
        "BLUE_GREEN",
        "service.ecs_deployment.strategy",
    );
}

#[test]
fn the_table_is_refused_on_a_service_without_a_load_balancer() {
    assert_refused(
        "controller = \"ECS\"\n[service.ecs_deployment]\nstrategy = \"CANARY\"\n",
        "CANARY",
        "service.ecs_deployment.strategy",
    );
}

#[test]
fn percents_outside_their_range_or_steps_of_a_tenth_are_refused() {
    for (key, value) in [
        ("step_percent", "2.9"),
        ("step_percent", "100.5"),
        ("step_percent", "12.25"),
        ("canary_percent", "0.0"),
        ("canary_percent", "101.0"),
        ("canary_percent", "5.05"),
    ] {
        let strategy = if key == "step_percent" {
            "LINEAR"
        } else {
            "CANARY"
        };
        let table =
            format!("[service.ecs_deployment]\nstrategy = \"{strategy}\"\n{key} = {value}\n");
        assert_refused(
            &behind_lb(&table),
            &format!("{key} = {value}"),
            &format!("service.ecs_deployment.{key}"),
        );
    }
}

#[test]
fn bake_times_over_a_day_are_refused() {
    for (strategy, key) in [
        ("BLUE_GREEN", "bake_time_minutes"),
        ("LINEAR", "step_bake_time_minutes"),
        ("CANARY", "canary_bake_time_minutes"),
    ] {
        let table = format!("[service.ecs_deployment]\nstrategy = \"{strategy}\"\n{key} = 1441\n");
        assert_refused(
            &behind_lb(&table),
            &format!("{key} = 1441"),
            &format!("service.ecs_deployment.{key}"),
        );
    }
}

/// A BLUE_GREEN table with one hook made of `hook` lines.
fn with_hook(hook: &str) -> String {
    behind_lb(&format!(
        "[service.ecs_deployment]\nstrategy = \"BLUE_GREEN\"\n[[service.ecs_deployment.hook]]\n{hook}"
    ))
}

#[test]
fn a_pause_hook_with_a_target_is_refused() {
    assert_refused(
        &with_hook("type = \"PAUSE\"\ntarget = \"smoke\"\nstages = [\"POST_SCALE_UP\"]\n"),
        "target = \"smoke\"",
        "service.ecs_deployment.hook.target",
    );
}

#[test]
fn a_lambda_hook_without_a_target_is_refused() {
    assert_refused(
        &with_hook("type = \"AWS_LAMBDA\"\nstages = [\"POST_SCALE_UP\"]\n"),
        "AWS_LAMBDA",
        "service.ecs_deployment.hook.target",
    );
}

#[test]
fn an_unknown_hook_type_is_refused() {
    assert_refused(
        &with_hook("type = \"WEBHOOK\"\nstages = [\"POST_SCALE_UP\"]\n"),
        "WEBHOOK",
        "service.ecs_deployment.hook.type",
    );
}

#[test]
fn a_stage_that_is_not_a_hook_stage_is_refused() {
    // BAKE_TIME, SCALE_UP and CLEAN_UP are lifecycle stages, but no hook runs in them.
    for stage in ["BAKE_TIME", "SCALE_UP", "CLEAN_UP", "post_scale_up"] {
        assert_refused(
            &with_hook(&format!("type = \"PAUSE\"\nstages = [\"{stage}\"]\n")),
            stage,
            "service.ecs_deployment.hook.stages",
        );
    }
}

#[test]
fn a_hook_without_stages_is_refused() {
    assert_refused(
        &with_hook("type = \"PAUSE\"\nstages = []\n"),
        "stages = []",
        "service.ecs_deployment.hook.stages",
    );
}

#[test]
fn hook_timeouts_outside_one_minute_to_two_weeks_are_refused() {
    for minutes in ["0", "20161"] {
        assert_refused(
            &with_hook(&format!(
                "type = \"PAUSE\"\nstages = [\"POST_SCALE_UP\"]\ntimeout_minutes = {minutes}\n"
            )),
            &format!("timeout_minutes = {minutes}"),
            "service.ecs_deployment.hook.timeout_minutes",
        );
    }
}

#[test]
fn an_unknown_timeout_action_is_refused() {
    assert_refused(
        &with_hook("type = \"PAUSE\"\nstages = [\"POST_SCALE_UP\"]\ntimeout_action = \"WAIT\"\n"),
        "WAIT",
        "service.ecs_deployment.hook.timeout_action",
    );
}

#[test]
fn a_misspelt_key_is_refused() {
    assert_refused(
        &behind_lb("[service.ecs_deployment]\nstrategy = \"BLUE_GREEN\"\nbake_minutes = 5\n"),
        "bake_minutes",
        "service.ecs_deployment.bake_minutes",
    );
}

#[test]
fn a_blue_green_service_needs_two_target_groups() {
    let extra = "controller = \"ECS\"\nload_balancer = \"lb\"\ntarget_groups = [\"shop-tg\"]\n[service.ecs_deployment]\nstrategy = \"BLUE_GREEN\"\n";
    assert_refused(extra, "shop-tg", "service.target_groups");
}

#[test]
fn autopilot_deploys_services_at_least_a_minute_apart() {
    assert_refused(
        "\n[autopilot]\nservice_deploy_every_minutes = [0, 3]\n",
        "service_deploy_every_minutes",
        "autopilot.service_deploy_every_minutes",
    );
    let text = format!(
        "{CLUSTER_AND_BALANCER}{SHOP}\n[autopilot]\nservice_deploy_every_minutes = [1, 3]\nservice_hook_failure_chance = 0.5\n"
    );
    let world = parse("t.toml", &text, START, 7).expect("valid world");
    assert_eq!(world.autopilot.service_deploy_every, (1, 3));
    assert!((world.autopilot.service_hook_failure_chance - 0.5).abs() < f64::EPSILON);
}
