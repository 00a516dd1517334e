//! Elastic Load Balancing v2 (awsQuery, XML answers). Error codes are the query codes, without
//! the `Exception` suffix (`RuleNotFound`, `TargetGroupNotFound`). ModifyListener and
//! ModifyRule replace the action list whole, as the service does.
//!
//! This file routes each operation and holds what the operations share: `Marker`/`PageSize`
//! paging and the not-found errors. The Describe operations are in `describe`, the XML writers
//! for actions and rules in `xml`, and ModifyListener and ModifyRule with the reading of an
//! action list in `modify`. It must not hold an operation's own logic, only the routing to it.

mod describe;
mod modify;
mod xml;

use super::unknown_operation;
use crate::sim::error::{ApiError, ApiResult};
use crate::sim::wire::json::page;
use crate::sim::wire::query::{Params, Xml};
use crate::sim::world::World;

use describe::{
    describe_listeners, describe_load_balancers, describe_rules, describe_tags,
    describe_target_groups, describe_target_health,
};
use modify::{modify_listener, modify_rule};

const INVALID: &str = "ValidationError";
const MAX_PAGE: usize = 400;

pub fn handle(world: &mut World, operation: &str, params: &Params) -> ApiResult<String> {
    match operation {
        "DescribeLoadBalancers" => describe_load_balancers(world, params),
        "DescribeListeners" => describe_listeners(world, params),
        "DescribeRules" => describe_rules(world, params),
        "DescribeTargetGroups" => describe_target_groups(world, params),
        "DescribeTargetHealth" => describe_target_health(world, params),
        "DescribeTags" => describe_tags(world, params),
        "ModifyListener" => modify_listener(world, params),
        "ModifyRule" => modify_rule(world, params),
        other => Err(unknown_operation("ELBv2", other).with_code("InvalidAction")),
    }
}

impl ApiError {
    fn with_code(mut self, code: &str) -> Self {
        code.clone_into(&mut self.code);
        self
    }
}

/// `Marker`/`PageSize` paging; the page's `NextMarker` when more remain.
fn paged<T: Clone>(items: &[T], params: &Params) -> ApiResult<(Vec<T>, Option<String>)> {
    let size = match params.int("PageSize")? {
        None => MAX_PAGE,
        Some(n) if (1..=MAX_PAGE as i64).contains(&n) => n as usize,
        Some(n) => {
            return Err(ApiError::new(
                INVALID,
                format!("PageSize must be between 1 and {MAX_PAGE}, not {n}"),
            ));
        }
    };
    let p = page(items.len(), params.get("Marker"), size, INVALID)?;
    Ok((items[p.start..p.end].to_vec(), p.next))
}

fn finish(mut xml: Xml, next: Option<&str>) -> String {
    xml.leaf_opt("NextMarker", next);
    xml.into_string()
}

fn lb_not_found(name: &str) -> ApiError {
    ApiError::new(
        "LoadBalancerNotFound",
        format!("One or more load balancers not found: {name}"),
    )
}

fn listener_not_found(arn: &str) -> ApiError {
    ApiError::new(
        "ListenerNotFound",
        format!("One or more listeners not found: {arn}"),
    )
}

fn rule_not_found(arn: &str) -> ApiError {
    ApiError::new(
        "RuleNotFound",
        format!("One or more rules not found: {arn}"),
    )
}

fn tg_not_found(name: &str) -> ApiError {
    ApiError::new(
        "TargetGroupNotFound",
        format!("One or more target groups not found: {name}"),
    )
}
