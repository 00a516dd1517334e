//! Generated worlds, for benchmarks of a big fleet: `services=1000,pipelines=300,in-flight=50`
//! becomes the TOML of a world file, which then goes through the same loader and checks as
//! any file. It must not build a `World` itself: a generated world that the loader would
//! refuse is a bug here, not a world.

use std::fmt::Write as _;
use std::str::FromStr;

use thiserror::Error;

use crate::sim::rng::Rng;

/// The most services a generated world may have: past it, loading stops being quick.
pub const MAX_SERVICES: usize = 5_000;

/// Services per cluster on average; each cluster holds 25–50 once there are enough of them.
/// One ALB per cluster with one path rule per service keeps each listener well under the
/// ALB's limit of 100 rules.
const PER_CLUSTER: usize = 40;
const CLUSTER_MIN: usize = 25;
const CLUSTER_MAX: usize = 50;

const ACCOUNT: &str = "123456789012";
const REGION: &str = "us-east-1";

/// Deployment configs with the share of services that use each, in percent.
const CONFIGS: [(&str, i64); 7] = [
    ("CodeDeployDefault.ECSAllAtOnce", 35),
    ("CodeDeployDefault.ECSCanary10Percent5Minutes", 20),
    ("CodeDeployDefault.ECSCanary10Percent15Minutes", 10),
    ("CodeDeployDefault.ECSLinear10PercentEvery1Minutes", 15),
    ("CodeDeployDefault.ECSLinear10PercentEvery3Minutes", 10),
    ("GenCanary20Percent10Minutes", 5),
    ("GenLinear25PercentEvery2Minutes", 5),
];

/// What to generate: `services=N,pipelines=N,in-flight=N`, any order, each key optional.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenerateSpec {
    pub services: usize,
    /// Pipelines over the first services, one per service.
    pub pipelines: usize,
    /// Deployments running when the world starts.
    pub in_flight: usize,
}

impl Default for GenerateSpec {
    fn default() -> Self {
        Self {
            services: 1_000,
            pipelines: 300,
            in_flight: 50,
        }
    }
}

impl std::fmt::Display for GenerateSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "services={},pipelines={},in-flight={}",
            self.services, self.pipelines, self.in_flight
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SpecError {
    #[error("'{0}' is not key=value; write e.g. services=1000,pipelines=300,in-flight=50")]
    NotKeyValue(String),
    #[error("unknown key '{0}'; the keys are services, pipelines and in-flight")]
    UnknownKey(String),
    #[error("'{key}' is given twice")]
    Repeated { key: String },
    #[error("{key}={value}: '{value}' is not a whole number")]
    NotANumber { key: String, value: String },
    #[error("services={0}: give from 1 to {MAX_SERVICES} services")]
    Services(usize),
    #[error(
        "pipelines={pipelines} is more than services={services}: each pipeline deploys a service of its own"
    )]
    Pipelines { pipelines: usize, services: usize },
    #[error(
        "in-flight={in_flight} is more than services={services}: each deployment in flight needs a group of its own"
    )]
    InFlight { in_flight: usize, services: usize },
}

impl FromStr for GenerateSpec {
    type Err = SpecError;

    fn from_str(text: &str) -> Result<Self, SpecError> {
        let mut spec = Self::default();
        let mut seen: Vec<&str> = Vec::new();
        for item in text.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let Some((key, value)) = item.split_once('=') else {
                return Err(SpecError::NotKeyValue(item.to_owned()));
            };
            let (key, value) = (key.trim(), value.trim());
            let slot = match key {
                "services" => &mut spec.services,
                "pipelines" => &mut spec.pipelines,
                "in-flight" => &mut spec.in_flight,
                other => return Err(SpecError::UnknownKey(other.to_owned())),
            };
            if seen.contains(&key) {
                return Err(SpecError::Repeated {
                    key: key.to_owned(),
                });
            }
            seen.push(key);
            // Digits only: `usize::from_str` would take "+5" too.
            if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
                return Err(SpecError::NotANumber {
                    key: key.to_owned(),
                    value: value.to_owned(),
                });
            }
            *slot = value.parse().map_err(|_| SpecError::NotANumber {
                key: key.to_owned(),
                value: value.to_owned(),
            })?;
        }
        spec.check()?;
        Ok(spec)
    }
}

impl GenerateSpec {
    pub fn check(&self) -> Result<(), SpecError> {
        if !(1..=MAX_SERVICES).contains(&self.services) {
            return Err(SpecError::Services(self.services));
        }
        if self.pipelines > self.services {
            return Err(SpecError::Pipelines {
                pipelines: self.pipelines,
                services: self.services,
            });
        }
        if self.in_flight > self.services {
            return Err(SpecError::InFlight {
                in_flight: self.in_flight,
                services: self.services,
            });
        }
        Ok(())
    }
}

fn service_name(index: usize) -> String {
    format!("svc-{:04}", index + 1)
}

fn application(cluster: usize) -> String {
    format!("gen-app-{cluster:02}")
}

/// Services per cluster: about [`PER_CLUSTER`] each, unevenly (25–50) where there are enough
/// services for it, so that clusters do not all look alike.
fn cluster_sizes(services: usize, rng: &mut Rng) -> Vec<usize> {
    let count = services.div_ceil(PER_CLUSTER).max(1);
    let mut sizes: Vec<usize> = (0..count)
        .map(|i| services / count + usize::from(i < services % count))
        .collect();
    for pair in sizes.chunks_exact_mut(2) {
        let room = pair[0]
            .saturating_sub(CLUSTER_MIN)
            .min(CLUSTER_MAX.saturating_sub(pair[1]));
        let moved = rng.between(0, room as i64) as usize;
        pair[0] -= moved;
        pair[1] += moved;
    }
    sizes
}

fn generator_rng(seed: u64) -> Rng {
    // Apart from the loader's stream, so the same seed does not make the two echo each other.
    Rng::new(seed ^ 0x6E4E_5241_7465_0001)
}

/// The world as TOML in the documented format; the same spec and seed give the same text.
pub fn generate(spec: &GenerateSpec, seed: u64) -> String {
    let mut rng = generator_rng(seed);
    let sizes = cluster_sizes(spec.services, &mut rng);
    // About 330 bytes a service; growing the string as it goes costs more than guessing.
    let mut out = String::with_capacity(4_096 + spec.services * 400 + spec.pipelines * 120);
    let _ = write!(
        out,
        "# Generated by `cutover sim --generate {spec}`: {clusters} clusters, one ALB and one \
         CodeDeploy application each.\n\n\
         [world]\nname = \"generated\"\naccount_id = \"{ACCOUNT}\"\nregion = \"{REGION}\"\n\n\
         [[deployment_config]]\nname = \"GenCanary20Percent10Minutes\"\ntype = \"canary\"\n\
         percent = 20\nminutes = 10\n\n\
         [[deployment_config]]\nname = \"GenLinear25PercentEvery2Minutes\"\ntype = \"linear\"\n\
         percent = 25\nminutes = 2\n",
        clusters = sizes.len()
    );
    for c in 1..=sizes.len() {
        let environment = if c % 5 == 0 { "staging" } else { "production" };
        let _ = write!(
            out,
            "\n[[cluster]]\nname = \"gen-cluster-{c:02}\"\n\
             tags = {{ environment = \"{environment}\", team = \"team-{c:02}\" }}\n"
        );
    }
    for c in 1..=sizes.len() {
        let scheme = if c % 3 == 0 {
            "internal"
        } else {
            "internet-facing"
        };
        let _ = write!(
            out,
            "\n[[load_balancer]]\nname = \"gen-alb-{c:02}\"\nscheme = \"{scheme}\"\n\
             production_port = 80\ntest_port = 8080\n"
        );
    }
    // The cluster (1-based) of each service, in file order.
    let clusters: Vec<usize> = sizes
        .iter()
        .enumerate()
        .flat_map(|(c, &size)| std::iter::repeat_n(c + 1, size))
        .collect();
    for (index, &cluster) in clusters.iter().enumerate() {
        write_service(&mut out, &mut rng, cluster, index);
    }
    for (index, &cluster) in clusters.iter().enumerate().take(spec.pipelines) {
        let name = service_name(index);
        let template = if rng.chance(2.0 / 3.0) {
            "gated"
        } else {
            "source-deploy"
        };
        let _ = write!(
            out,
            "\n[[pipeline]]\nname = \"{name}-release\"\nrepository = \"gen/{name}\"\n\
             template = \"{template}\"\ndeploy = \"{app}/{name}\"\n",
            app = application(cluster)
        );
    }
    out
}

fn write_service(out: &mut String, rng: &mut Rng, cluster: usize, index: usize) {
    let name = service_name(index);
    let desired = rng.between(1, 4);
    let _ = write!(
        out,
        "\n[[service]]\ncluster = \"gen-cluster-{cluster:02}\"\nname = \"{name}\"\n\
         desired = {desired}\nload_balancer = \"gen-alb-{cluster:02}\"\n\
         route = \"/{name}/*\"\ntags = {{ team = \"team-{cluster:02}\" }}\n\
         [service.deployment]\napplication = \"{app}\"\nconfig = \"{config}\"\n",
        app = application(cluster),
        config = pick_config(rng)
    );
    if rng.chance(0.04) {
        out.push_str("ready = \"stop\"\n");
    }
    if rng.chance(0.3) {
        let _ = writeln!(
            out,
            "hooks = {{ AfterAllowTestTraffic = \
             \"arn:aws:lambda:{REGION}:{ACCOUNT}:function:team-{cluster:02}-smoke-test\" }}"
        );
    }
}

fn pick_config(rng: &mut Rng) -> &'static str {
    let mut roll = rng.between(0, 99);
    for (name, share) in CONFIGS {
        if roll < share {
            return name;
        }
        roll -= share;
    }
    CONFIGS[0].0
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::sim::MANUAL_START;
    use crate::sim::world::codedeploy::DeploymentStatus;
    use crate::sim::worldfile::generated_world;

    fn spec(text: &str) -> Result<GenerateSpec, SpecError> {
        text.parse()
    }

    #[test]
    fn spec_takes_keys_in_any_order_and_defaults_the_rest() {
        assert_eq!(
            spec("in-flight=5, services=200,pipelines=20"),
            Ok(GenerateSpec {
                services: 200,
                pipelines: 20,
                in_flight: 5
            })
        );
        assert_eq!(spec(""), Ok(GenerateSpec::default()));
        assert_eq!(
            spec("pipelines=0"),
            Ok(GenerateSpec {
                pipelines: 0,
                ..GenerateSpec::default()
            })
        );
        let defaults = GenerateSpec::default();
        assert_eq!(spec(&defaults.to_string()), Ok(defaults));
    }

    #[test]
    fn spec_refuses_what_it_cannot_generate() {
        let cases = [
            ("services=10,color=red", "unknown key 'color'"),
            ("services", "is not key=value"),
            ("services=lots", "'lots' is not a whole number"),
            ("services=-3", "'-3' is not a whole number"),
            ("services=", "'' is not a whole number"),
            ("services=10,services=20", "'services' is given twice"),
            ("services=0", "give from 1 to 5000 services"),
            (
                "services=5001,pipelines=0,in-flight=0",
                "give from 1 to 5000",
            ),
            (
                "services=10,pipelines=11,in-flight=0",
                "pipelines=11 is more than services=10",
            ),
            (
                "services=10,pipelines=0,in-flight=11",
                "in-flight=11 is more than services=10",
            ),
            // The defaults of the other keys count too.
            ("services=100", "pipelines=300 is more than services=100"),
        ];
        for (text, expected) in cases {
            let message = spec(text).map_or_else(|e| e.to_string(), |s| format!("accepted {s}"));
            assert!(message.contains(expected), "{text}: {message}");
        }
    }

    #[test]
    fn clusters_hold_25_to_50_services() {
        let mut rng = generator_rng(1);
        for services in [50, 99, 1_000, 1_234, 5_000] {
            let sizes = cluster_sizes(services, &mut rng);
            assert_eq!(sizes.iter().sum::<usize>(), services);
            assert!(
                sizes
                    .iter()
                    .all(|s| (CLUSTER_MIN..=CLUSTER_MAX).contains(s)),
                "{services}: {sizes:?}"
            );
        }
        assert_eq!(cluster_sizes(7, &mut rng), vec![7]);
    }

    #[test]
    fn a_big_generated_world_loads_with_its_deployments_in_flight() {
        let spec = GenerateSpec::default();
        let world = generated_world(&spec, MANUAL_START, 7).expect("the generated world loads");
        assert_eq!(world.now, MANUAL_START);
        assert_eq!(world.services.len(), 1_000);
        assert_eq!(world.deployment_groups.len(), 1_000);
        assert_eq!(world.pipelines.len(), 300);
        assert!(!world.autopilot.enabled);
        let running: Vec<_> = world
            .deployments
            .values()
            .filter(|d| !d.status.is_terminal())
            .collect();
        assert_eq!(running.len(), 50);
        let statuses: BTreeSet<&str> = running.iter().map(|d| d.status.as_str()).collect();
        assert!(
            statuses.contains(DeploymentStatus::InProgress.as_str()),
            "{statuses:?}"
        );
        let phases: BTreeSet<String> = running.iter().map(|d| format!("{:?}", d.phase)).collect();
        assert!(phases.len() >= 3, "all in few phases: {phases:?}");
        let shifting = running.iter().filter(|d| d.shifted > 0).count();
        assert!(shifting > 0 && shifting < 50, "{shifting} shifting");
        let clusters: BTreeSet<&str> = running.iter().map(|d| d.cluster.as_str()).collect();
        assert!(
            clusters.len() > 10,
            "in flight in {} clusters",
            clusters.len()
        );
        assert_eq!(world.check_invariants(), Vec::<String>::new());
    }

    #[test]
    fn the_same_seed_generates_and_loads_the_same_world() {
        let spec = GenerateSpec {
            services: 120,
            pipelines: 40,
            in_flight: 12,
        };
        assert_eq!(generate(&spec, 3), generate(&spec, 3));
        assert_ne!(generate(&spec, 3), generate(&spec, 4));
        let a = generated_world(&spec, MANUAL_START, 3).expect("loads");
        let b = generated_world(&spec, MANUAL_START, 3).expect("loads");
        assert_eq!(format!("{a:?}"), format!("{b:?}"));
    }

    #[test]
    fn listeners_stay_under_the_alb_rule_limit() {
        let spec = GenerateSpec {
            services: 5_000,
            pipelines: 0,
            in_flight: 0,
        };
        let text = generate(&spec, 1);
        let world = crate::sim::worldfile::parse("generated", &text, MANUAL_START, 1)
            .expect("the largest generated world loads");
        assert_eq!(world.services.len(), 5_000);
        for listener in world.listeners.values() {
            let rules = listener.rules.len();
            assert!(rules <= 100, "{} has {rules} rules", listener.arn);
        }
        assert!(world.target_groups.values().all(|t| t.name.len() <= 32));
    }

    #[test]
    fn the_simulator_serves_a_generated_world_and_refuses_it_beside_a_file() {
        use crate::sim::{Shared, SimError, SimOptions};
        let generate = Some(GenerateSpec {
            services: 60,
            pipelines: 10,
            in_flight: 4,
        });
        let options = SimOptions {
            generate,
            speed: None,
            ..SimOptions::default()
        };
        let shared = Shared::new(&options).expect("the simulator starts");
        let (services, running) = shared.with_world(|w| {
            let running = w.deployments.values().filter(|d| !d.status.is_terminal());
            (w.services.len(), running.count())
        });
        assert_eq!((services, running), (60, 4));
        let both = SimOptions {
            world: Some("assets/worlds/default.toml".into()),
            ..options
        };
        assert!(matches!(Shared::new(&both), Err(SimError::WorldConflict)));
    }
}
