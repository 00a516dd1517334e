//! STS: GetCallerIdentity, so a client can show the account and principal it acts as.

use crate::sim::error::ApiResult;
use crate::sim::wire::query::{Params, Xml};
use crate::sim::world::World;

pub fn handle(world: &mut World, operation: &str, _params: &Params) -> ApiResult<String> {
    match operation {
        "GetCallerIdentity" => {
            let mut xml = Xml::new();
            xml.leaf("UserId", "AROAEXAMPLEROLEID1234:operator")
                .leaf("Account", &world.account)
                .leaf("Arn", &world.principal);
            Ok(xml.into_string())
        }
        other => Err(crate::sim::error::ApiError::new(
            "InvalidAction",
            format!("Could not find operation {other} for version 2011-06-15"),
        )),
    }
}
