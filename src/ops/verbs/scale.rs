//! Set an ECS service's desired count (UpdateService), between 0 and ECS's quota of tasks
//! per service, with the counts read fresh as the evidence.

use serde::Serialize;

use super::{ActArgs, Ask, Begin, Here, Prepared, Spec, Starts, Verb, done, split};
use crate::aws::act;
use crate::aws::{AwsError, Clients, ecs};
use crate::config::Scope;
use crate::model::ServiceRef;
use crate::ops::execute::Outcome;
use crate::ops::prepare::gone;
use crate::ops::{MAX_TASKS, OpError, scope};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scale {
    pub cluster: String,
    pub service: String,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Call {
    pub cluster: String,
    pub service: String,
    pub count: i32,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// CLUSTER/SERVICE
    target: String,
    #[arg(allow_negative_numbers = true)]
    count: String,
    #[command(flatten)]
    act: ActArgs,
}

impl Verb for Scale {
    type Call = Call;
    type Args = Args;

    const SPEC: Spec = Spec {
        name: "scale",
        dangerous: false,
        scope: (
            &["clusters", "services"],
            "a service is checked against --cluster and --service only",
        ),
    };

    fn target(&self) -> String {
        format!("{}/{}", self.cluster, self.service)
    }

    fn validate(&self) -> Result<(), OpError> {
        let count = self.count;
        if count < 0 {
            Err(OpError::Invalid(format!(
                "a desired count cannot be negative ({count})"
            )))
        } else if count > MAX_TASKS {
            Err(OpError::Invalid(format!(
                "{count} is above ECS's quota of {MAX_TASKS} tasks per service"
            )))
        } else {
            Ok(())
        }
    }

    fn fill(&mut self, text: &str) -> Result<(), OpError> {
        self.count = text
            .trim()
            .parse()
            .map_err(|_| OpError::Invalid(format!("'{}' is not a whole number", text.trim())))?;
        Ok(())
    }

    async fn scope(&self, _: &Clients, scope: &Scope) -> Result<(), OpError> {
        let target = self.target();
        scope::admit(scope.cluster(&self.cluster), &target, "--cluster")?;
        scope::admit(scope.service(&self.service), &target, "--service")
    }

    async fn prepare(&self, c: &Clients) -> Result<Prepared<Call>, OpError> {
        let Self {
            cluster,
            service,
            count,
        } = self;
        let found = ecs::describe_services(c, cluster, std::slice::from_ref(service)).await?;
        let Some(s) = found.first() else {
            return Err(gone(format!("service {cluster}/{service} does not exist")));
        };
        let count32 =
            i32::try_from(*count).map_err(|_| OpError::Invalid(format!("{count} is too large")))?;
        Ok(Prepared {
            summary: vec![format!(
                "Scale {cluster}/{service}: desired {} → {count} (running {}, pending {}).",
                s.desired, s.running, s.pending
            )],
            typed_name: self.target(),
            call: Call {
                cluster: cluster.clone(),
                service: service.clone(),
                count: count32,
            },
        })
    }

    async fn send(c: &Clients, call: &Call) -> Result<Outcome, AwsError> {
        let Call {
            cluster,
            service,
            count,
        } = call;
        let id = act::scale(c, cluster, service, *count).await?;
        Ok(done(
            id,
            format!("{cluster}/{service}: desired count {count}"),
        ))
    }

    async fn observe(c: &Clients, call: &Call) -> Result<String, OpError> {
        let Call {
            cluster, service, ..
        } = call;
        let found = ecs::describe_services(c, cluster, std::slice::from_ref(service)).await?;
        Ok(found.first().map_or_else(
            || format!("service {cluster}/{service} does not exist"),
            |s| {
                format!(
                    "{cluster}/{service}: desired {}, running {}, pending {}",
                    s.desired, s.running, s.pending
                )
            },
        ))
    }

    fn from_args(args: Args) -> Result<(Self, ActArgs), OpError> {
        let (cluster, service) = split(&args.target, "CLUSTER/SERVICE")?;
        let count = args.count.trim().parse::<i64>().map_err(|_| {
            OpError::Invalid(format!("the count '{}' is not a whole number", args.count))
        })?;
        Ok((
            Self {
                cluster,
                service,
                count,
            },
            args.act,
        ))
    }
}

/// `s`: the service here, or the deployment's; asks for the count.
pub fn begin(here: &Here) -> Result<Begin, String> {
    let ServiceRef { cluster, service } = here
        .service
        .clone()
        .ok_or("select a service or a deployment first")?;
    Ok(Begin {
        title: format!("Scale {cluster}/{service}"),
        start: Starts::Ask(Ask {
            prompt: "New desired count:",
            drafts: vec![
                Scale {
                    cluster,
                    service,
                    count: 0,
                }
                .into(),
            ],
            labels: Vec::new(),
            chosen: None,
        }),
    })
}
