//! The request budget of each AWS service as last read: the rate in force, the rate
//! configured, and whether throttling has slowed it and for how long. Plain values, for the
//! header; it must not know how a budget is kept (that is `aws::budget`).

use std::time::Duration;

/// An AWS service whose calls the console budgets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Api {
    Ecs,
    Elb,
    CodeDeploy,
    CodePipeline,
}

impl Api {
    pub const ALL: [Self; 4] = [Self::Ecs, Self::Elb, Self::CodeDeploy, Self::CodePipeline];

    /// How a person names it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Ecs => "ECS",
            Self::Elb => "ELB",
            Self::CodeDeploy => "CodeDeploy",
            Self::CodePipeline => "CodePipeline",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BudgetState {
    pub api: Api,
    /// Calls per second the configuration allows.
    pub configured: f64,
    /// Calls per second in force: below `configured` while backing off.
    pub current: f64,
    /// How long it has been backing off when read, counted from the throttle that started
    /// it; `None` at the configured rate.
    pub backing_off: Option<Duration>,
}

impl BudgetState {
    pub fn is_backing_off(&self) -> bool {
        self.backing_off.is_some()
    }

    /// Whether `other` reads the same in the header (the time backing off aside).
    pub fn shows_as(&self, other: &Self) -> bool {
        self.api == other.api
            && self.configured.to_bits() == other.configured.to_bits()
            && self.current.to_bits() == other.current.to_bits()
            && self.is_backing_off() == other.is_backing_off()
    }
}
