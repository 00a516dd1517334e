//! The fleet as cutover understands it: domain types with the links between the four
//! services resolved, statuses as enums that keep unknown values, and the facts derived from
//! them (percent on green, phase, time to the next step, what needs attention). It must not
//! know the AWS SDK or do I/O; the `aws` adapters build it.

pub mod attention;
pub mod budget;
pub mod carry;
pub mod deploy;
pub mod ecs;
pub mod elb;
pub mod events;
pub mod evidence;
pub mod observed;
pub mod pipeline;
pub mod progress;
pub mod refs;
pub mod service_deployment;
pub mod snapshot;
pub mod source;
pub mod status;
pub mod time;

pub use refs::{DeploymentRef, ServiceRef};
pub use snapshot::{Gap, Identity, Snapshot};
pub use source::{Source, SourceId};
pub use time::Timestamp;
