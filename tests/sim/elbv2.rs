use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, ForwardActionConfig, TargetGroupTuple, TargetHealthStateEnum,
};

use crate::common::{Sim, code};

async fn microservices_lb(sim: &Sim) -> aws_sdk_elasticloadbalancingv2::types::LoadBalancer {
    let out = sim
        .elb()
        .describe_load_balancers()
        .names("microservicesLB")
        .send()
        .await
        .expect("describe lb");
    out.load_balancers()[0].clone()
}

#[tokio::test]
async fn the_tutorial_load_balancer_has_its_listeners_rules_and_target_groups() {
    let sim = Sim::start().await;
    let elb = sim.elb();
    let lb = microservices_lb(&sim).await;
    let lb_arn = lb.load_balancer_arn().expect("arn");
    assert!(lb.created_time().is_some());
    let listeners = elb
        .describe_listeners()
        .load_balancer_arn(lb_arn)
        .send()
        .await
        .expect("listeners");
    let ports: Vec<i32> = listeners
        .listeners()
        .iter()
        .filter_map(|l| l.port())
        .collect();
    assert!(ports.contains(&80) && ports.contains(&8080), "{ports:?}");
    let prod = listeners
        .listeners()
        .iter()
        .find(|l| l.port() == Some(80))
        .expect("prod listener");
    let rules = elb
        .describe_rules()
        .listener_arn(prod.listener_arn().expect("arn"))
        .send()
        .await
        .expect("rules");
    let admin = rules
        .rules()
        .iter()
        .find(|r| {
            r.conditions()
                .iter()
                .any(|c| c.values().contains(&"/admin/*".to_owned()))
        })
        .expect("admin rule");
    let default = rules
        .rules()
        .iter()
        .find(|r| r.is_default() == Some(true))
        .expect("default rule");
    assert_eq!(default.priority(), Some("default"));
    let groups = elb
        .describe_target_groups()
        .names("customer-tg-two")
        .names("employee-tg-two")
        .send()
        .await
        .expect("tgs");
    let customer = groups.target_groups()[0].target_group_arn().expect("arn");
    let employee = groups.target_groups()[1].target_group_arn().expect("arn");
    let forward = |rule: &aws_sdk_elasticloadbalancingv2::types::Rule| -> Vec<(String, i32)> {
        rule.actions()[0]
            .forward_config()
            .map(|f| {
                f.target_groups()
                    .iter()
                    .map(|t| {
                        (
                            t.target_group_arn().unwrap_or_default().to_owned(),
                            t.weight().unwrap_or(0),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(forward(default), vec![(customer.to_owned(), 1)]);
    assert_eq!(forward(admin), vec![(employee.to_owned(), 1)]);
    assert_eq!(
        default.actions()[0].target_group_arn(),
        Some(customer),
        "a single-group forward also names it directly"
    );

    let health = elb
        .describe_target_health()
        .target_group_arn(customer)
        .send()
        .await
        .expect("health");
    assert!(!health.target_health_descriptions().is_empty());
    for target in health.target_health_descriptions() {
        assert_eq!(
            target.target_health().and_then(|h| h.state()),
            Some(&TargetHealthStateEnum::Healthy)
        );
    }
    let all = elb.describe_target_groups().send().await.expect("all tgs");
    assert!(all.target_groups().len() >= 4);
    let tags = elb
        .describe_tags()
        .resource_arns(lb_arn)
        .resource_arns(customer)
        .send()
        .await
        .expect("tags");
    assert_eq!(tags.tag_descriptions().len(), 2);
}

#[tokio::test]
async fn describe_calls_page_with_markers_and_refuse_bad_input() {
    let sim = Sim::start().await;
    let elb = sim.elb();
    let all = elb
        .describe_target_groups()
        .send()
        .await
        .expect("all")
        .target_groups()
        .len();
    let mut seen = 0;
    let mut marker: Option<String> = None;
    let mut pages = 0;
    loop {
        let out = elb
            .describe_target_groups()
            .page_size(3)
            .set_marker(marker.clone())
            .send()
            .await
            .expect("page");
        seen += out.target_groups().len();
        pages += 1;
        assert_ne!(
            out.next_marker(),
            marker.as_deref(),
            "never the same marker twice"
        );
        match out.next_marker() {
            Some(next) => marker = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, all);
    assert_eq!(pages, all.div_ceil(3));
    let paginated: Vec<_> = elb
        .describe_target_groups()
        .page_size(2)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .expect("paginator");
    assert_eq!(paginated.len(), all);

    let error = elb
        .describe_target_groups()
        .page_size(401)
        .send()
        .await
        .expect_err("page size");
    assert_eq!(code(&error), "ValidationError");
    let error = elb
        .describe_target_health()
        .target_group_arn(
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/nope/0123456789abcdef",
        )
        .send()
        .await
        .expect_err("unknown tg");
    assert_eq!(code(&error), "TargetGroupNotFound");
    let error = elb
        .describe_rules()
        .rule_arns("arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/x/1/2/3")
        .send()
        .await
        .expect_err("unknown rule");
    assert_eq!(code(&error), "RuleNotFound");
    let error = elb
        .describe_load_balancers()
        .names("nope")
        .send()
        .await
        .expect_err("unknown lb");
    assert_eq!(code(&error), "LoadBalancerNotFound");
    let arns: Vec<String> = (0..21)
        .map(|i| format!("arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/x/{i}"))
        .collect();
    let error = elb
        .describe_load_balancers()
        .set_load_balancer_arns(Some(arns))
        .send()
        .await
        .expect_err("too many");
    assert_eq!(code(&error), "ValidationError");
}

#[tokio::test]
async fn modify_rule_replaces_the_forward_weights() {
    let sim = Sim::start().await;
    let elb = sim.elb();
    let groups = elb
        .describe_target_groups()
        .names("employee-tg-two")
        .names("employee-tg-one")
        .send()
        .await
        .expect("tgs");
    let blue = groups.target_groups()[0]
        .target_group_arn()
        .expect("arn")
        .to_owned();
    let green = groups.target_groups()[1]
        .target_group_arn()
        .expect("arn")
        .to_owned();
    let lb = microservices_lb(&sim).await;
    let listeners = elb
        .describe_listeners()
        .load_balancer_arn(lb.load_balancer_arn().expect("arn"))
        .send()
        .await
        .expect("listeners");
    let test = listeners
        .listeners()
        .iter()
        .find(|l| l.port() == Some(8080))
        .expect("test listener");
    let rules = elb
        .describe_rules()
        .listener_arn(test.listener_arn().expect("arn"))
        .send()
        .await
        .expect("rules");
    let rule = rules
        .rules()
        .iter()
        .find(|r| !r.is_default().unwrap_or(false))
        .expect("admin rule on test listener");
    let action = |blue_weight: i32, green_weight: i32| {
        Action::builder()
            .r#type(ActionTypeEnum::Forward)
            .forward_config(
                ForwardActionConfig::builder()
                    .target_groups(
                        TargetGroupTuple::builder()
                            .target_group_arn(&blue)
                            .weight(blue_weight)
                            .build(),
                    )
                    .target_groups(
                        TargetGroupTuple::builder()
                            .target_group_arn(&green)
                            .weight(green_weight)
                            .build(),
                    )
                    .build(),
            )
            .build()
    };
    let out = elb
        .modify_rule()
        .rule_arn(rule.rule_arn().expect("arn"))
        .actions(action(90, 10))
        .send()
        .await
        .expect("modify");
    let weights: Vec<i32> = out.rules()[0].actions()[0]
        .forward_config()
        .expect("forward")
        .target_groups()
        .iter()
        .filter_map(|t| t.weight())
        .collect();
    assert_eq!(weights, vec![90, 10]);
    let again = elb
        .describe_rules()
        .rule_arns(rule.rule_arn().expect("arn"))
        .send()
        .await
        .expect("rules");
    assert_eq!(
        again.rules()[0].actions()[0]
            .forward_config()
            .expect("fwd")
            .target_groups()
            .len(),
        2
    );

    let error = elb
        .modify_rule()
        .rule_arn(rule.rule_arn().expect("arn"))
        .actions(action(1000, 0))
        .send()
        .await
        .expect_err("weight");
    assert_eq!(code(&error), "ValidationError");
    let ghost = Action::builder().r#type(ActionTypeEnum::Forward).target_group_arn("arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/ghost/0000000000000000").build();
    let error = elb
        .modify_rule()
        .rule_arn(rule.rule_arn().expect("arn"))
        .actions(ghost)
        .send()
        .await
        .expect_err("unknown tg");
    assert_eq!(code(&error), "TargetGroupNotFound");
    let error = elb
        .modify_listener()
        .listener_arn("arn:aws:elasticloadbalancing:us-east-1:1:listener/app/x/1/2")
        .default_actions(action(1, 1))
        .send()
        .await
        .expect_err("listener");
    assert_eq!(code(&error), "ListenerNotFound");
    let out = elb
        .modify_listener()
        .listener_arn(test.listener_arn().expect("arn"))
        .default_actions(action(50, 50))
        .send()
        .await
        .expect("modify listener");
    let weights: Vec<i32> = out.listeners()[0].default_actions()[0]
        .forward_config()
        .expect("fwd")
        .target_groups()
        .iter()
        .filter_map(|t| t.weight())
        .collect();
    assert_eq!(weights, vec![50, 50]);
}

#[tokio::test]
async fn sts_names_the_account_and_principal() {
    let sim = Sim::start().await;
    let identity = sim
        .sts()
        .get_caller_identity()
        .send()
        .await
        .expect("identity");
    assert_eq!(identity.account(), Some("123456789012"));
    assert!(
        identity
            .arn()
            .is_some_and(|a| a.starts_with("arn:aws:sts::123456789012:"))
    );
}
