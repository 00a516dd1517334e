//! The two wire protocols the simulator speaks: awsJson1_1 (CodePipeline, CodeDeploy, ECS)
//! and awsQuery with XML answers (ELBv2, STS). They must not hold any service logic.

pub mod json;
pub mod query;
