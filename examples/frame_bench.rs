//! Frame benchmark for the console: the time to build and draw one frame of each screen from
//! a snapshot of a generated fleet (1,000 services, 300 pipelines, 50 deployments in flight
//! by default), read through the SDK from an in-process simulator.
//!
//! ```text
//! cargo run --release --example frame_bench -- [services=1000,pipelines=300,in-flight=50] [frames]
//! ```

use std::time::{Duration, Instant};

use cutover::app::{App, Context, Intervals, Msg, Screen, Subject, View, update};
use cutover::aws::snapshot::take;
use cutover::aws::{ConnectOptions, connect};
use cutover::config::Scope;
use cutover::sim::{SimHandle, SimOptions};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let spec = args
        .next()
        .unwrap_or_else(|| "services=1000,pipelines=300,in-flight=50".to_owned());
    let frames: usize = args.next().map_or(Ok(300), |f| f.parse())?;
    let options = SimOptions {
        addr: "127.0.0.1:0".parse()?,
        speed: None,
        autopilot: Some(false),
        generate: Some(spec.parse()?),
        ..SimOptions::default()
    };
    let started = Instant::now();
    let sim = SimHandle::start(&options)?;
    println!(
        "world {spec}: simulator ready in {:.2} s",
        started.elapsed().as_secs_f64()
    );
    let clients = connect(&ConnectOptions {
        endpoint_url: Some(sim.endpoint()),
        region: Some("us-east-1".into()),
        static_credentials: Some(("bench".into(), "bench".into())),
        ..ConnectOptions::default()
    })
    .await;
    let started = Instant::now();
    let snapshot = take(&clients, &Scope::default()).await?;
    println!(
        "snapshot: {:.2} s, {} services, {} pipelines, {} deployments ({} in flight), {} target groups",
        started.elapsed().as_secs_f64(),
        snapshot.services.len(),
        snapshot.pipelines.len(),
        snapshot.deployments.len(),
        snapshot.attention.in_flight.len(),
        snapshot.target_groups.len()
    );
    let in_flight = snapshot
        .attention
        .in_flight
        .first()
        .map(|d| d.deployment_id.clone())
        .unwrap_or_default();
    let pipeline = snapshot
        .pipelines
        .first()
        .map(|p| p.name.clone())
        .unwrap_or_default();
    let deployment = cutover::model::DeploymentRef::CodeDeploy(in_flight.clone());
    let screens = [
        ("overview", Screen::new(View::Overview)),
        ("pipelines", Screen::new(View::Pipelines)),
        ("pipeline", Screen::of(0, Subject::Pipeline(pipeline))),
        ("deployments", Screen::new(View::Deployments)),
        ("deployment", Screen::of(0, Subject::Deployment(deployment))),
        ("services", Screen::new(View::Services)),
        ("traffic", Screen::new(View::Traffic)),
    ];
    let mut all = Vec::new();
    for (name, screen) in screens {
        let context = Context {
            clock_rate: 1.0,
            ..Context::default()
        };
        let mut app = App::on(context, snapshot.source.clone(), Intervals::default());
        update(
            &mut app,
            Msg::SnapshotTaken {
                at: 0,
                feed: 0,
                result: Ok(Box::new(snapshot.clone())),
                budgets: Vec::new(),
            },
        );
        app.stack.push(screen);
        app.height = 48;
        let mut terminal = Terminal::new(TestBackend::new(160, 48))?;
        let mut times: Vec<Duration> = Vec::with_capacity(frames);
        for i in 0..frames {
            // Move the cursor so each frame differs, as it would while someone browses.
            if let Some(screen) = app.stack.last_mut() {
                screen.selected = i % 40;
            }
            let start = Instant::now();
            terminal.draw(|frame| cutover::ui::draw(frame, &app))?;
            times.push(start.elapsed());
        }
        times.sort();
        report(name, &times);
        all.extend(times);
    }
    all.sort();
    report("all screens", &all);
    drop(sim);
    Ok(())
}

fn report(name: &str, times: &[Duration]) {
    let pick = |q: f64| {
        times[((times.len() as f64 * q) as usize).min(times.len() - 1)].as_secs_f64() * 1000.0
    };
    println!(
        "{name:<12} p50 {:.2} ms  p99 {:.2} ms  max {:.2} ms  ({} frames)",
        pick(0.5),
        pick(0.99),
        pick(1.0),
        times.len()
    );
}
