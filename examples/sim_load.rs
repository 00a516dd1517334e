//! Load test for `cutover sim`: requests per second the simulator serves to the Rust SDK over
//! loopback, for DescribeServices (10 services per call) and DescribeTargetHealth.
//!
//! ```text
//! cargo run --release --example sim_load -- [--endpoint http://127.0.0.1:4566] [--seconds 10] [--concurrency 16]
//! ```
//! Without `--endpoint` it starts a simulator in-process (default world, autopilot on). To
//! measure the simulator alone on one core, start it pinned (`taskset -c 0 cutover sim`) and
//! point this at it from the other core.

use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region};
use aws_credential_types::Credentials;
use cutover::sim::{SimHandle, SimOptions};

struct Args {
    endpoint: Option<String>,
    seconds: u64,
    concurrency: usize,
}

fn args() -> Result<Args, String> {
    let mut out = Args {
        endpoint: None,
        seconds: 10,
        concurrency: 16,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--endpoint" => out.endpoint = Some(value),
            "--seconds" => {
                out.seconds = value
                    .parse()
                    .map_err(|_| format!("bad --seconds {value}"))?;
            }
            "--concurrency" => {
                out.concurrency = value
                    .parse()
                    .map_err(|_| format!("bad --concurrency {value}"))?;
            }
            other => return Err(format!("unknown flag {other}")),
        }
    }
    Ok(out)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = args()?;
    let local = match &args.endpoint {
        Some(_) => None,
        None => Some(SimHandle::start(&SimOptions {
            addr: "127.0.0.1:0".parse()?,
            ..SimOptions::default()
        })?),
    };
    let endpoint = args
        .endpoint
        .clone()
        .or_else(|| local.as_ref().map(SimHandle::endpoint))
        .unwrap_or_default();
    let config = aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(&endpoint)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("AKIDTEST", "secret", None, None, "static"))
        .load()
        .await;
    let ecs = aws_sdk_ecs::Client::new(&config);
    let elb = aws_sdk_elasticloadbalancingv2::Client::new(&config);
    let services: Vec<String> = ecs
        .list_services()
        .cluster("payments-prod")
        .max_results(10)
        .send()
        .await?
        .service_arns()
        .to_vec();
    let groups = elb
        .describe_target_groups()
        .names("customer-tg-two")
        .send()
        .await?;
    let group = groups.target_groups()[0]
        .target_group_arn()
        .unwrap_or_default()
        .to_owned();

    println!(
        "endpoint {endpoint}, {} s per operation, concurrency {}",
        args.seconds, args.concurrency
    );
    let duration = Duration::from_secs(args.seconds);
    let describe = {
        let (ecs, services) = (ecs.clone(), services.clone());
        run(duration, args.concurrency, move || {
            let (ecs, services) = (ecs.clone(), services.clone());
            async move {
                ecs.describe_services()
                    .cluster("payments-prod")
                    .set_services(Some(services))
                    .send()
                    .await
                    .is_ok()
            }
        })
        .await
    };
    report("DescribeServices (10 services)", &describe, duration);
    let health = run(duration, args.concurrency, move || {
        let (elb, group) = (elb.clone(), group.clone());
        async move {
            elb.describe_target_health()
                .target_group_arn(group)
                .send()
                .await
                .is_ok()
        }
    })
    .await;
    report("DescribeTargetHealth", &health, duration);
    Ok(())
}

/// Latencies of the calls that succeeded, and how many failed.
struct Outcome {
    latencies: Vec<Duration>,
    failures: usize,
}

async fn run<F, Fut>(duration: Duration, concurrency: usize, call: F) -> Outcome
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let deadline = Instant::now() + duration;
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let call = call.clone();
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut failures = 0;
            while Instant::now() < deadline {
                let start = Instant::now();
                if call().await {
                    latencies.push(start.elapsed());
                } else {
                    failures += 1;
                }
            }
            (latencies, failures)
        }));
    }
    let mut outcome = Outcome {
        latencies: Vec::new(),
        failures: 0,
    };
    for worker in workers {
        if let Ok((latencies, failures)) = worker.await {
            outcome.latencies.extend(latencies);
            outcome.failures += failures;
        }
    }
    outcome.latencies.sort();
    outcome
}

fn report(name: &str, outcome: &Outcome, duration: Duration) {
    let n = outcome.latencies.len();
    let pick = |q: f64| {
        outcome
            .latencies
            .get(((n as f64 * q) as usize).min(n.saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    println!(
        "{name}: {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, {} ok, {} failed",
        n as f64 / duration.as_secs_f64(),
        pick(0.50).as_secs_f64() * 1000.0,
        pick(0.99).as_secs_f64() * 1000.0,
        n,
        outcome.failures
    );
}
