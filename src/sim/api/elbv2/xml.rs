//! Writing the model's listener actions and rules as ELBv2 XML, shared by the Describe answers
//! and ModifyRule's. An action the simulator does not model is echoed back from the keys it was
//! sent with. They must not look anything up in the world: they write what they are given.

use crate::sim::wire::query::Xml;
use crate::sim::world::elb::{Action, Rule};

pub(super) fn write_rule(x: &mut Xml, rule: &Rule) {
    x.leaf("RuleArn", &rule.arn)
        .leaf("Priority", &rule.priority);
    x.list("Conditions", &rule.conditions, |x, c| {
        x.leaf("Field", &c.field);
        x.list("Values", &c.values, |x, v| x_text(x, v));
        let config = match c.field.as_str() {
            "path-pattern" => Some("PathPatternConfig"),
            "host-header" => Some("HostHeaderConfig"),
            _ => None,
        };
        if let Some(config) = config {
            x.open(config);
            x.list("Values", &c.values, |x, v| x_text(x, v));
            x.close(config);
        }
    });
    write_actions(x, "Actions", &rule.actions);
    x.leaf("IsDefault", if rule.is_default { "true" } else { "false" });
}

pub(super) fn write_actions(x: &mut Xml, name: &str, actions: &[Action]) {
    x.list(name, actions, |x, action| {
        x.leaf("Type", &action.kind);
        if let Some(order) = action.order {
            x.num("Order", order);
        }
        if action.kind == "forward" {
            if let [only] = action.forward.as_slice() {
                x.leaf("TargetGroupArn", &only.target_group_arn);
            }
            x.open("ForwardConfig");
            x.list("TargetGroups", &action.forward, |x, f| {
                x.leaf("TargetGroupArn", &f.target_group_arn)
                    .num("Weight", f.weight);
            });
            let (enabled, duration) = action.stickiness.unwrap_or((false, None));
            x.open("TargetGroupStickinessConfig")
                .leaf("Enabled", if enabled { "true" } else { "false" });
            if let Some(duration) = duration {
                x.num("DurationSeconds", duration);
            }
            x.close("TargetGroupStickinessConfig");
            x.close("ForwardConfig");
        }
        write_tree(x, &action.extra);
    });
}

/// Writes flattened query keys (`FixedResponseConfig.StatusCode`, `X.member.1.Y`) as nested
/// XML, so an action the simulator does not model is echoed back as it was sent.
fn write_tree(x: &mut Xml, pairs: &[(String, String)]) {
    let mut heads: Vec<&str> = pairs
        .iter()
        .map(|(k, _)| k.split('.').next().unwrap_or(k))
        .collect();
    heads.dedup();
    let mut seen = std::collections::BTreeSet::new();
    for head in heads {
        if !seen.insert(head) {
            continue;
        }
        let direct = pairs.iter().find(|(k, _)| k == head);
        if let Some((_, value)) = direct {
            x.leaf(head, value);
            continue;
        }
        let prefix = format!("{head}.");
        let children: Vec<(String, String)> = pairs
            .iter()
            .filter_map(|(k, v)| {
                k.strip_prefix(&prefix)
                    .map(|rest| (rest.to_owned(), v.clone()))
            })
            .collect();
        x.open(head);
        if children.iter().all(|(k, _)| k.starts_with("member.")) {
            let mut indices: Vec<u32> = children
                .iter()
                .filter_map(|(k, _)| k.split('.').nth(1).and_then(|n| n.parse().ok()))
                .collect();
            indices.sort_unstable();
            indices.dedup();
            for index in indices {
                let inner_prefix = format!("member.{index}");
                let member: Vec<(String, String)> = children
                    .iter()
                    .filter_map(|(k, v)| {
                        if k == &inner_prefix {
                            Some((String::new(), v.clone()))
                        } else {
                            k.strip_prefix(&format!("{inner_prefix}."))
                                .map(|rest| (rest.to_owned(), v.clone()))
                        }
                    })
                    .collect();
                x.open("member");
                if let [(key, value)] = member.as_slice()
                    && key.is_empty()
                {
                    x_text(x, value);
                    x.close("member");
                    continue;
                }
                write_tree(x, &member);
                x.close("member");
            }
        } else {
            write_tree(x, &children);
        }
        x.close(head);
    }
}

pub(super) fn x_text(x: &mut Xml, text: &str) {
    x.text(text);
}
