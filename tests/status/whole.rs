//! The default world, read whole, against what the simulator holds.

use std::collections::{BTreeMap, BTreeSet};

use cutover::aws::snapshot::take;
use cutover::config::Scope;
use cutover::model::deploy::Revision;
use cutover::model::status::{
    ActionCategory, ExecutionMode, ExecutionStatus, StageStatus, TargetHealthState,
};
use cutover::ops::Op;
use cutover::ops::prepare::{Call, prepare};
use cutover::sim::world::pipeline::ActionStatus as SimActionStatus;

use crate::clients;
use crate::common::Sim;

/// The default world after its six hours of history, on a manual clock.
async fn busy_world() -> Sim {
    Sim::busy().await
}

#[tokio::test]
async fn the_default_world_is_read_whole_and_matches_the_simulator() {
    let sim = busy_world().await;
    let c = clients(&sim.endpoint()).await;
    sim.handle.shared().request_log().clear();
    let s = take(&c, &Scope::default()).await.expect("snapshot");
    assert!(s.gaps.is_empty(), "{:#?}", s.gaps);
    assert_eq!(
        s.identity.as_ref().map(|i| i.account.as_str()),
        Some("123456789012")
    );
    assert_eq!(s.source.account.as_deref(), Some("123456789012"));

    sim.handle.shared().with_world(|w| {
        assert_eq!(
            s.taken_at.0 / 1000,
            w.now / 1000,
            "the snapshot's time is the service's"
        );
        let names: BTreeSet<&str> = s.pipelines.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, w.pipelines.keys().map(String::as_str).collect());
        for p in &s.pipelines {
            let truth = &w.pipelines[&p.name];
            let stages: Vec<&str> = p.stages.iter().map(|s| s.name.as_str()).collect();
            assert_eq!(
                stages,
                truth
                    .stages
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect::<Vec<_>>()
            );
            assert_eq!(
                p.executions.first().map(|e| e.id.as_str()),
                truth.executions.last().map(String::as_str),
                "{}",
                p.name
            );
        }
        let groups: BTreeSet<(String, String)> = s
            .deployment_groups
            .iter()
            .map(|g| (g.application.clone(), g.name.clone()))
            .collect();
        assert_eq!(groups, w.deployment_groups.keys().cloned().collect());
        for g in &s.deployment_groups {
            let truth = &w.deployment_groups[&(g.application.clone(), g.name.clone())];
            assert_eq!(g.service.as_deref(), Some(truth.service.as_str()));
            let arns: Vec<Option<String>> = truth
                .target_groups
                .iter()
                .map(|n| w.target_group_by_name(n).map(|t| t.arn.clone()))
                .collect();
            assert_eq!(
                g.target_group_arns, arns,
                "target group names resolved to ARNs"
            );
            let pair: Vec<&str> = arns.iter().flatten().map(String::as_str).collect();
            let rules = w.rules_for_pair(&truth.prod_listener, [pair[0], pair[1]]);
            assert_eq!(g.production_rules, rules, "{}", g.name);
        }
        let services: BTreeMap<(String, String), (i32, i32, i32)> = s
            .services
            .iter()
            .map(|v| {
                (
                    (v.cluster.clone(), v.name.clone()),
                    (v.desired, v.running, v.pending),
                )
            })
            .collect();
        assert_eq!(services.len(), w.services.len());
        for (key, service) in &w.services {
            assert_eq!(
                services[key],
                (
                    service.desired as i32,
                    service.running() as i32,
                    service.pending() as i32
                ),
                "{key:?}"
            );
        }
        for rule in &s.rules {
            let truth = &w.rules[&rule.arn];
            let forwards: Vec<(String, i32)> = truth
                .actions
                .iter()
                .flat_map(|a| {
                    a.forward
                        .iter()
                        .map(|f| (f.target_group_arn.clone(), f.weight as i32))
                })
                .collect();
            assert_eq!(
                rule.forwards
                    .iter()
                    .map(|f| (f.target_group_arn.clone(), f.weight))
                    .collect::<Vec<_>>(),
                forwards,
                "{}",
                rule.arn
            );
        }
        assert_eq!(s.rules.len(), w.rules.len());
        let mut targets = 0;
        for tg in s.target_groups.iter().filter(|t| t.targets.is_some()) {
            for target in tg.targets.iter().flatten() {
                targets += 1;
                let task = w
                    .services
                    .values()
                    .flat_map(|v| v.tasks.iter())
                    .find(|t| t.ip == target.id && t.registered)
                    .expect("a task");
                let (state, reason, _) = task.health.describe(w.target_groups[&tg.arn].failing);
                assert_eq!(target.state, TargetHealthState::parse(state));
                assert_eq!(target.reason.as_deref(), reason);
            }
        }
        let registered = w
            .services
            .values()
            .flat_map(|v| v.tasks.iter())
            .filter(|t| t.registered)
            .count();
        assert_eq!(targets, registered, "every target read");

        let in_flight: BTreeSet<&str> = w
            .deployments
            .values()
            .filter(|d| !d.status.is_terminal())
            .map(|d| d.id.as_str())
            .collect();
        assert_eq!(
            s.attention
                .in_flight
                .iter()
                .map(|d| d.deployment_id.as_str())
                .collect::<BTreeSet<_>>(),
            in_flight
        );
        let waiting: BTreeSet<String> = w
            .executions
            .values()
            .filter(|e| e.status.as_str() == "InProgress" && e.in_stage)
            .flat_map(|e| {
                e.latest_runs(e.position)
                    .filter(|r| r.status == SimActionStatus::InProgress)
                    .filter_map(|r| r.token.clone())
                    .collect::<Vec<_>>()
            })
            .collect();
        assert!(!waiting.is_empty(), "the busy world has approvals waiting");
        let at_parallel_gate = s
            .attention
            .approvals
            .iter()
            .filter(|a| a.pipeline == "reviews-release")
            .count();
        assert!(
            at_parallel_gate >= 2,
            "several executions wait at the PARALLEL gate: {at_parallel_gate}"
        );
        assert_eq!(
            s.attention
                .approvals
                .iter()
                .map(|a| a.token.clone())
                .collect::<BTreeSet<_>>(),
            waiting
        );
        for d in s.deployments.iter().filter(|d| !d.status.is_terminal()) {
            let truth = &w.deployments[&d.id];
            // GetDeployment names the AppSpec by its sha256; GetApplicationRevision gave
            // its text, and so the task definition it deploys.
            assert_eq!(
                d.task_definition(),
                Some(truth.revision.task_definition.as_str()),
                "{}",
                d.id
            );
            let progress = d
                .progress
                .as_ref()
                .expect("progress of a deployment in flight");
            assert_eq!(
                progress.percent_on_green,
                f64::from(truth.shifted),
                "{}",
                d.id
            );
        }
    });

    // Economy: every batch filled, no call made twice.
    let log = sim.handle.shared().request_log();
    let counts = log.counts();
    let count = |op: &str| counts.get(op).copied().unwrap_or(0) as usize;
    assert_eq!(count("codepipeline:GetPipeline"), s.pipelines.len());
    assert_eq!(count("codepipeline:GetPipelineState"), s.pipelines.len());
    // ListActionExecutions: the failed actions of each pipeline whose latest execution failed,
    // and the approvals of each execution in progress of a PARALLEL pipeline.
    let failure_reads = s
        .pipelines
        .iter()
        .filter(|p| {
            p.latest_execution().is_some_and(|latest| {
                latest.status == ExecutionStatus::Failed
                    || p.stages.iter().any(|st| {
                        st.status == Some(StageStatus::Failed)
                            && st.execution_id.as_deref() == Some(&latest.id)
                    })
            })
        })
        .count();
    let parallel_reads: usize = s
        .pipelines
        .iter()
        .filter(|p| p.execution_mode == ExecutionMode::Parallel)
        .map(|p| {
            p.executions
                .iter()
                .filter(|e| e.status == ExecutionStatus::InProgress)
                .count()
        })
        .sum();
    assert!(
        parallel_reads >= 2,
        "the default world's PARALLEL gate is busy"
    );
    assert_eq!(
        count("codepipeline:ListActionExecutions"),
        failure_reads + parallel_reads
    );
    assert_eq!(count("ecs:ListServices"), s.clusters.len());
    let per_cluster = s
        .services
        .iter()
        .fold(BTreeMap::<&str, usize>::new(), |mut m, v| {
            *m.entry(v.cluster.as_str()).or_default() += 1;
            m
        });
    assert_eq!(
        count("ecs:DescribeServices"),
        per_cluster.values().map(|n| n.div_ceil(10)).sum::<usize>()
    );
    assert_eq!(
        count("codedeploy:BatchGetDeploymentGroups"),
        s.applications.len(),
        "one batch per application"
    );
    assert!(count("codedeploy:BatchGetDeployments") <= s.deployments.len().div_ceil(25) + 1);
    assert_eq!(
        count("codedeploy:GetApplicationRevision"),
        appspecs_to_read(&s).len(),
        "one read per AppSpec revision of the deployments in flight or failed"
    );
    let read = s
        .target_groups
        .iter()
        .filter(|t| t.targets.is_some())
        .count();
    assert_eq!(
        count("elasticloadbalancing:DescribeTargetHealth"),
        read,
        "one call per group read"
    );
    assert_eq!(
        count("elasticloadbalancing:DescribeRules"),
        s.listeners.len()
    );
    assert_eq!(count("sts:GetCallerIdentity"), 1);
    assert_eq!(
        log.since(0).iter().filter(|r| r.mutating).count(),
        0,
        "reading changes nothing"
    );
}

#[tokio::test]
async fn a_pipeline_links_through_to_rules_weights_and_target_health() {
    let sim = busy_world().await;
    let s = take(&clients(&sim.endpoint()).await, &Scope::default())
        .await
        .expect("snapshot");
    let pipeline = s
        .pipeline("update-customer-microservice")
        .expect("pipeline");
    let (_, deploy) = pipeline
        .actions()
        .find(|(_, a)| a.deploys_to.is_some())
        .expect("deploy action");
    let target = deploy.deploys_to.as_ref().expect("target");
    let group = s
        .group(&target.application, &target.deployment_group)
        .expect("group");
    let service = s.service_of(group).expect("service");
    assert_eq!(service.name, "customer-microservice");
    let rule = s.rule(&group.production_rules[0]).expect("production rule");
    assert_eq!(rule.label(), "default");
    let serving: Vec<&str> = group
        .target_group_arns
        .iter()
        .flatten()
        .filter(|arn| rule.share_of(arn) > 0.0)
        .map(String::as_str)
        .collect();
    assert_eq!(
        serving.len(),
        1,
        "production serves one group of the pair at rest"
    );
    let tg = s.target_group(serving[0]).expect("target group");
    assert!(
        tg.targets.as_ref().is_some_and(|t| !t.is_empty()),
        "target health read"
    );
    let test_rule = s.rule(&group.test_rules[0]).expect("test rule");
    assert!(
        group
            .target_group_arns
            .iter()
            .flatten()
            .any(|arn| test_rule.forwards_to(arn))
    );
    for p in &s.pipelines {
        for (_, action) in p
            .actions()
            .filter(|(_, a)| a.category == ActionCategory::Deploy)
        {
            if let (Some(run), Some(target)) = (&action.latest, &action.deploys_to)
                && let Some(d) = run.external_id.as_ref().and_then(|id| s.deployment(id))
            {
                assert_eq!(
                    (d.application.as_str(), d.deployment_group.as_str()),
                    (
                        target.application.as_str(),
                        target.deployment_group.as_str()
                    )
                );
            }
        }
    }
    for d in s.deployments.iter().filter(|d| d.rolled_back_by.is_some()) {
        let rollback = s
            .deployment(d.rolled_back_by.as_deref().unwrap_or_default())
            .expect("rollback read");
        assert_eq!(
            rollback.rollback_of.as_deref(),
            Some(d.id.as_str()),
            "linked both ways"
        );
    }
}

#[tokio::test]
async fn a_scope_reads_only_its_corner() {
    let sim = busy_world().await;
    let c = clients(&sim.endpoint()).await;
    sim.handle.shared().request_log().clear();
    let scope = Scope {
        clusters: vec!["payments-prod".into()],
        pipelines: vec!["ledger-*".into()],
        applications: vec!["payments".into()],
        ..Scope::default()
    };
    let s = take(&c, &scope).await.expect("snapshot");
    assert!(s.services.iter().all(|v| v.cluster == "payments-prod"));
    assert_eq!(
        s.pipelines
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>(),
        ["ledger-release"]
    );
    assert!(
        s.deployment_groups
            .iter()
            .all(|g| g.application == "payments")
    );
    assert!(
        s.load_balancers.iter().all(|l| l.name == "payments-alb"),
        "{:?}",
        s.load_balancers.iter().map(|l| &l.name).collect::<Vec<_>>()
    );
    let log = sim.handle.shared().request_log();
    assert_eq!(
        log.counts().get("ecs:ListClusters"),
        None,
        "named clusters need no listing"
    );
    assert_eq!(
        log.counts().get("codepipeline:GetPipeline").copied(),
        Some(1)
    );
}

/// The AppSpec revisions (application, sha256) of the deployments a person looks into.
fn appspecs_to_read(s: &cutover::model::Snapshot) -> BTreeSet<(String, String)> {
    s.deployments
        .iter()
        .filter(|d| d.needs_detail())
        .filter_map(|d| match &d.revision {
            Some(Revision::AppSpec { sha256, .. }) => Some((d.application.clone(), sha256.clone())),
            _ => None,
        })
        .collect()
}

/// A revision never changes: GetApplicationRevision is asked once per revision for as long as
/// the clients live, across cold snapshots, hot refreshes and action plans.
#[tokio::test]
async fn an_appspec_revision_is_read_once_across_snapshots_refreshes_and_plans() {
    let sim = busy_world().await;
    let c = clients(&sim.endpoint()).await;
    sim.handle.shared().request_log().clear();
    let reads = || {
        let log = sim.handle.shared().request_log();
        let records: Vec<_> = log
            .since(0)
            .into_iter()
            .filter(|r| r.operation == "GetApplicationRevision")
            .collect();
        records
    };
    let first = take(&c, &Scope::default()).await.expect("snapshot");
    let wanted = appspecs_to_read(&first);
    assert!(
        !wanted.is_empty(),
        "the busy world has deployments in flight"
    );
    assert_eq!(reads().len(), wanted.len());
    let digests: BTreeSet<String> = reads().into_iter().map(|r| r.digest).collect();
    assert_eq!(digests.len(), wanted.len(), "no revision asked for twice");

    sim.advance(5);
    let hot = cutover::aws::hot::refresh(&c, &cutover::sync::heat::moving(&first)).await;
    assert!(hot.errors.is_empty(), "{:?}", hot.errors);
    let second = take(&c, &Scope::default()).await.expect("snapshot");
    let now_wanted: BTreeSet<_> = appspecs_to_read(&second).union(&wanted).cloned().collect();
    assert_eq!(
        reads().len(),
        now_wanted.len(),
        "only revisions not read before are asked for"
    );
    for d in hot.deployments.iter().filter(|d| d.needs_detail()) {
        assert!(d.task_definition().is_some(), "{} in the hot refresh", d.id);
    }

    // Two plans of the same redeploy read the group's revision once (or not at all, when a
    // snapshot read it already).
    let group = second
        .deployment_groups
        .iter()
        .find(|g| {
            g.last_successful_deployment.is_some()
                && g.last_attempted_deployment == g.last_successful_deployment
        })
        .expect("a settled group");
    let op = Op::Redeploy(cutover::ops::verbs::redeploy::Redeploy {
        application: group.application.clone(),
        group: group.name.clone(),
        undo: None,
    });
    let before = reads().len();
    let plan = prepare(&c, &op).await.expect("plan");
    let Call::Redeploy(cutover::ops::verbs::redeploy::Call { revision, .. }) = &plan.call else {
        panic!("a redeploy plan: {:?}", plan.call);
    };
    assert!(matches!(
        revision,
        Revision::AppSpec {
            content: Some(_),
            ..
        }
    ));
    let after_one = reads().len();
    assert!(after_one <= before + 1);
    prepare(&c, &op).await.expect("plan again");
    assert_eq!(
        reads().len(),
        after_one,
        "the second plan reads nothing again"
    );

    // Both IAM policies allow every call made here (GetApplicationRevision included).
    let called: BTreeSet<String> = sim
        .handle
        .shared()
        .request_log()
        .counts()
        .keys()
        .filter(|k| !k.starts_with("sts:"))
        .cloned()
        .collect();
    for policy in ["cutover-read-only.json", "cutover-operator.json"] {
        let allowed = policy_actions(policy);
        let missing: Vec<&String> = called.difference(&allowed).collect();
        assert!(missing.is_empty(), "{policy} lacks {missing:?}");
    }
}

/// Every action a policy in `assets/iam/` allows.
fn policy_actions(name: &str) -> BTreeSet<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/iam")
        .join(name);
    let text = std::fs::read_to_string(&path).expect("policy");
    let policy: serde_json::Value = serde_json::from_str(&text).expect("policy JSON");
    policy["Statement"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|s| s["Action"].as_array().cloned().unwrap_or_default())
        .filter_map(|a| a.as_str().map(str::to_owned))
        .collect()
}
