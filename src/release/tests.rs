//! Gathering a release from the snapshots of its sources.

use super::*;
use crate::model::attention::{ServiceTrouble, WaitingApproval};
use crate::model::ecs::Service;
use crate::model::pipeline::Pipeline;
use crate::model::time::Timestamp;

fn pipeline(name: &str) -> Pipeline {
    Pipeline::example(name)
}

fn service(cluster: &str, name: &str) -> Service {
    Service::example(cluster, name)
}

#[test]
fn members_come_from_every_source_with_where_each_stands() {
    let mut prod = Snapshot {
        taken_at: Timestamp(10_000_000),
        pipelines: vec![pipeline("pay-release"), pipeline("other")],
        services: vec![service("pay", "api"), service("pay", "worker")],
        ..Snapshot::default()
    };
    prod.attention.approvals.push(WaitingApproval {
        pipeline: "pay-release".to_owned(),
        stage: "Prod".to_owned(),
        action: "Approve".to_owned(),
        execution_id: None,
        waiting_since: Some(Timestamp(10_000_000 - 7_200_000)),
        token: "t".to_owned(),
        source: None,
        deploys_to: None,
    });
    prod.attention.services.push(ServiceTrouble {
        cluster: "pay".to_owned(),
        service: "worker".to_owned(),
        desired: 2,
        running: 1,
        pending: 0,
        unhealthy_targets: 0,
        reason: "1 of 2 tasks running".to_owned(),
    });
    let test = Snapshot {
        pipelines: vec![pipeline("pay-release")],
        ..Snapshot::default()
    };
    let def = ReleaseDef {
        name: "payments".to_owned(),
        pipelines: vec!["pay-*".to_owned()],
        services: vec!["pay/*".to_owned()],
        revision: None,
    };
    let source = |label: &str| SourceSpec {
        label: Some(label.to_owned()),
        ..SourceSpec::default()
    };
    let r = gather(&def, &[(source("prod"), &prod), (source("test"), &test)]);
    let names: Vec<(&str, &str)> = r
        .members
        .iter()
        .map(|m| (m.source.as_str(), m.name.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("prod", "pay-release"),
            ("prod", "pay/api"),
            ("prod", "pay/worker"),
            ("test", "pay-release")
        ]
    );
    assert_eq!(
        r.summary,
        Summary {
            pipelines: 2,
            gates_waiting: 1,
            services: 2,
            deploying: 0,
            healthy: 1
        }
    );
    let printed = human(&r);
    assert!(
        printed.starts_with("release payments · 1 gate waiting"),
        "{printed}"
    );
    assert!(
        printed.contains("waiting at Prod/Approve for 2h"),
        "{printed}"
    );
    assert!(printed.contains("1 of 2 tasks running"), "{printed}");
}

mod revision {
    use super::*;
    use crate::model::deploy::DeploymentGroup;
    use crate::model::pipeline::{Action, DeployTarget, ExecutionSummary, SourceRevision, Stage};
    use crate::model::status::{ActionCategory, ExecutionMode, ExecutionStatus};

    const TLS: &str = "9cfbd65a1e0c4d2b8f7a6e5d4c3b2a1908f7e6d5";
    const OLD: &str = "1a2b3c4d5e6f708192a3b4c5d6e7f80912a3b4c5";
    const LONE: &str = "77aa88bb99cc00dd11ee22ff33aa44bb55cc66dd";
    const JOBS: &str = "c0ffee00112233445566778899aabbccddeeff00";

    fn execution(id: &str, status: ExecutionStatus, commits: &[&str]) -> ExecutionSummary {
        ExecutionSummary {
            source_revisions: commits
                .iter()
                .map(|c| SourceRevision {
                    action: "Source".to_owned(),
                    revision_id: (*c).to_owned(),
                    summary: Some(
                        r#"{"ProviderType":"GitHub","CommitMessage":"Upgrade TLS library\n\nOpenSSL 3.5"}"#
                            .to_owned(),
                    ),
                    url: Some(format!("https://github.com/acme/pay/commit/{c}")),
                })
                .collect(),
            ..ExecutionSummary::example(id, status)
        }
    }

    /// A pipeline deploying to CodeDeploy group `app/group`, its executions newest first.
    fn pipeline(name: &str, deploys: &str, executions: Vec<ExecutionSummary>) -> Pipeline {
        let (application, group) = deploys.split_once('/').expect("app/group");
        Pipeline {
            stages: vec![Stage {
                name: "Deploy".to_owned(),
                inbound_enabled: true,
                disabled_reason: None,
                status: None,
                execution_id: None,
                inbound_execution_id: None,
                inbound_execution_ids: Vec::new(),
                actions: vec![Action {
                    name: "Deploy".to_owned(),
                    category: ActionCategory::Deploy,
                    provider: "CodeDeployToECS".to_owned(),
                    run_order: 1,
                    configuration: std::collections::BTreeMap::new(),
                    deploys_to: Some(DeployTarget {
                        application: application.to_owned(),
                        deployment_group: group.to_owned(),
                    }),
                    latest: None,
                }],
            }],
            executions,
            ..Pipeline::example(name)
        }
    }

    /// A pipeline at `commit`, in progress.
    fn at(name: &str, deploys: &str, commit: &str) -> Pipeline {
        pipeline(
            name,
            deploys,
            vec![execution(
                &format!("{name}-{commit}"),
                ExecutionStatus::InProgress,
                &[commit],
            )],
        )
    }

    /// CodeDeploy group `app/group` deploying `cluster/service`.
    fn group(deploys: &str, service: &str) -> DeploymentGroup {
        let (application, name) = deploys.split_once('/').expect("app/group");
        let (cluster, service) = service.split_once('/').expect("cluster/service");
        DeploymentGroup {
            application: application.to_owned(),
            name: name.to_owned(),
            config: "CodeDeployDefault.ECSAllAtOnce".to_owned(),
            routing: None,
            cluster: Some(cluster.to_owned()),
            service: Some(service.to_owned()),
            target_group_names: Vec::new(),
            target_group_arns: Vec::new(),
            production_listeners: Vec::new(),
            test_listeners: Vec::new(),
            ready_action: None,
            ready_wait_minutes: 0,
            termination_wait_minutes: 0,
            auto_rollback: false,
            auto_rollback_events: Vec::new(),
            last_successful_deployment: None,
            last_attempted_deployment: None,
            production_rules: Vec::new(),
            test_rules: Vec::new(),
        }
    }

    fn account(pipelines: Vec<Pipeline>, services: &[(&str, &str)]) -> Snapshot {
        Snapshot {
            pipelines,
            deployment_groups: services.iter().map(|(d, s)| group(d, s)).collect(),
            services: services
                .iter()
                .map(|(_, s)| {
                    let (cluster, name) = s.split_once('/').expect("cluster/service");
                    Service::example(cluster, name)
                })
                .collect(),
            ..Snapshot::default()
        }
    }

    fn source(label: &str) -> SourceSpec {
        SourceSpec {
            label: Some(label.to_owned()),
            ..SourceSpec::default()
        }
    }

    fn names(r: &Release) -> Vec<(&str, &str, &str)> {
        r.members
            .iter()
            .map(|m| (m.source.as_str(), m.kind, m.name.as_str()))
            .collect()
    }

    /// Test and prod at the TLS commit; prod's jobs pipelines at another commit together;
    /// staging's pay-release at an older commit; test's web-release alone at its own.
    fn three() -> (Snapshot, Snapshot, Snapshot) {
        let test = account(
            vec![
                at("pay-release", "pay/api", TLS),
                at("web-release", "web/site", LONE),
            ],
            &[("pay/api", "pay-test/api"), ("web/site", "web/site")],
        );
        let prod = account(
            vec![
                pipeline(
                    "pay-release",
                    "pay/api",
                    vec![
                        execution("p3", ExecutionStatus::Failed, &[OLD]),
                        execution("p2", ExecutionStatus::InProgress, &[TLS]),
                        execution("p1", ExecutionStatus::Succeeded, &[OLD]),
                    ],
                ),
                at("jobs-release", "jobs/a", JOBS),
                at("jobs-canary", "jobs/b", JOBS),
            ],
            &[
                ("pay/api", "pay-prod/api"),
                ("jobs/a", "jobs/a"),
                ("jobs/b", "jobs/b"),
            ],
        );
        let staging = account(
            vec![at("pay-release", "pay/api", OLD)],
            &[("pay/api", "pay-test/api")],
        );
        (test, prod, staging)
    }

    #[test]
    fn the_current_execution_is_the_newest_in_progress_else_the_newest() {
        let (_, prod, staging) = three();
        let pay = prod.pipeline("pay-release").expect("pay");
        assert_eq!(pay.current_execution().map(|e| e.id.as_str()), Some("p2"));
        let done = pipeline(
            "done",
            "pay/api",
            vec![
                execution("d2", ExecutionStatus::Failed, &[OLD]),
                execution("d1", ExecutionStatus::Succeeded, &[TLS]),
            ],
        );
        assert_eq!(done.current_execution().map(|e| e.id.as_str()), Some("d2"));
        assert!(staging.pipeline("pay-release").is_some());
    }

    #[test]
    fn pipelines_at_one_commit_across_sources_and_within_one_are_a_release() {
        let (test, prod, staging) = three();
        let read = [
            (source("test"), &test),
            (source("prod"), &prod),
            (source("staging"), &staging),
        ];
        let groups = by_revision(&read);
        let found: Vec<(&str, &[String], &[String])> = groups
            .iter()
            .map(|g| (g.name.as_str(), &g.pipelines[..], &g.services[..]))
            .collect();
        let strings = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let (jobs_p, jobs_s) = (
            strings(&["jobs-canary", "jobs-release"]),
            strings(&["jobs/a", "jobs/b"]),
        );
        let (tls_p, tls_s) = (
            strings(&["pay-release"]),
            strings(&["pay-prod/api", "pay-test/api"]),
        );
        // No start times: the commit's id orders them. The lone pipeline's commit is none,
        // nor the old commit staging's pay-release alone is at now.
        assert_eq!(
            found,
            [
                ("rev:9cfbd65", &tls_p[..], &tls_s[..]),
                ("rev:c0ffee0", &jobs_p[..], &jobs_s[..]),
            ]
        );
        assert_eq!(groups[0].revision.as_deref(), Some(TLS));
        let tls = gather(&groups[0], &read);
        assert_eq!(
            names(&tls),
            [
                ("test", "pipeline", "pay-release"),
                ("test", "service", "pay-test/api"),
                ("prod", "pipeline", "pay-release"),
                ("prod", "service", "pay-prod/api"),
            ],
            "staging's pay-release (another commit) and its pay-test/api are not members"
        );
        let revision = tls.members[0].revision.as_ref().expect("its commit");
        assert_eq!(revision.summary.as_deref(), Some("Upgrade TLS library"));
        assert_eq!(shared_revision(&tls).map(|v| v.id.as_str()), Some(TLS));
        let printed = human(&tls);
        assert!(
            printed.starts_with("release rev:9cfbd65 · \"Upgrade TLS library\" · 0 gates waiting"),
            "{printed}"
        );
        assert!(printed.contains("latest Failed · at 9cfbd65"), "{printed}");
        let jobs = gather(&groups[1], &read);
        assert_eq!(
            names(&jobs),
            [
                ("prod", "pipeline", "jobs-release"),
                ("prod", "pipeline", "jobs-canary"),
                ("prod", "service", "jobs/a"),
                ("prod", "service", "jobs/b"),
            ]
        );
        // A configured release shows the commit when its pipelines are all at one.
        let configured = ReleaseDef {
            name: "payments".to_owned(),
            pipelines: vec!["pay-*".to_owned()],
            ..ReleaseDef::default()
        };
        let both = [(source("test"), &test), (source("prod"), &prod)];
        let printed = human(&gather(&configured, &both));
        assert!(
            printed.starts_with("release payments · at 9cfbd65 \"Upgrade TLS library\" · "),
            "{printed}"
        );
        let printed = human(&gather(&configured, &read));
        assert!(
            printed.starts_with("release payments · 0 gates"),
            "{printed}"
        );
    }

    #[test]
    fn a_revisions_gates_are_those_of_executions_at_it() {
        let mut pay = pipeline(
            "pay-release",
            "pay/api",
            vec![
                execution("new", ExecutionStatus::InProgress, &[TLS]),
                execution("old", ExecutionStatus::InProgress, &[OLD]),
            ],
        );
        pay.execution_mode = ExecutionMode::Parallel;
        let mut prod = account(vec![pay], &[("pay/api", "pay/api")]);
        for execution in ["new", "old", "unread"] {
            prod.attention.approvals.push(WaitingApproval {
                pipeline: "pay-release".to_owned(),
                stage: "Approval".to_owned(),
                action: "Approve".to_owned(),
                execution_id: Some(execution.to_owned()),
                waiting_since: None,
                token: execution.to_owned(),
                source: None,
                deploys_to: None,
            });
        }
        let test = account(vec![at("pay-release", "pay/api", TLS)], &[]);
        let read = [(source("test"), &test), (source("prod"), &prod)];
        let groups = by_revision(&read);
        assert_eq!(groups.len(), 1);
        let r = gather(&groups[0], &read);
        let gates: Vec<Option<&str>> = r
            .members
            .iter()
            .flat_map(|m| &m.waiting)
            .map(|w| w.execution.as_deref())
            .collect();
        assert_eq!(gates, [Some("new")]);
        assert_eq!(r.summary.gates_waiting, 1);
    }

    #[test]
    fn a_name_finds_the_config_files_release_first_then_a_revisions() {
        let (test, prod, _) = three();
        let read = [(source("test"), &test), (source("prod"), &prod)];
        let groups = by_revision(&read);
        let configured = vec![ReleaseDef {
            name: "rev:c0ffee0".to_owned(),
            pipelines: vec!["web-*".to_owned()],
            ..ReleaseDef::default()
        }];
        let found = |name: &str| find(name, &configured, &groups);
        assert_eq!(
            found("rev:9cfbd65").map(|d| d.revision),
            Ok(Some(TLS.to_owned()))
        );
        assert_eq!(
            found("rev:9CFBD65A1E0").map(|d| d.name),
            Ok("rev:9cfbd65".to_owned()),
            "a longer start of the commit"
        );
        assert_eq!(
            found("rev:c0ffee0").map(|d| d.revision),
            Ok(None),
            "the config file's wins"
        );
        assert_eq!(
            found("rev:c0ffee00").map(|d| d.revision),
            Ok(Some(JOBS.to_owned()))
        );
        let unknown = found("rev:9cf").expect_err("too short");
        assert_eq!(
            unknown,
            "no release rev:9cf in the config file; it has rev:c0ffee0; \
             the revisions pipelines share: rev:9cfbd65, rev:c0ffee0"
        );
        assert_eq!(
            find("nope", &[], &[]).expect_err("none"),
            "no release nope in the config file (it has no [[release]]); \
             no two pipelines' current executions carry the same commit"
        );
    }

    #[test]
    fn commits_that_start_alike_get_longer_names() {
        let twin = "9cfbd65ffff0000000000000000000000000000";
        let test = account(vec![at("a", "x/a", TLS), at("b", "x/b", twin)], &[]);
        let prod = account(vec![at("a", "x/a", TLS), at("b", "x/b", twin)], &[]);
        let read = [(source("test"), &test), (source("prod"), &prod)];
        let groups = by_revision(&read);
        let names: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, ["rev:9cfbd65a", "rev:9cfbd65f"]);
        assert_eq!(
            find("rev:9cfbd65", &[], &groups).expect_err("ambiguous"),
            "rev:9cfbd65 is the start of several shared revisions: rev:9cfbd65a, rev:9cfbd65f"
        );
        assert_eq!(
            find("rev:9cfbd65f", &[], &groups).map(|d| d.pipelines),
            Ok(vec!["b".to_owned()])
        );
    }

    #[test]
    fn every_release_at_a_glance() {
        let (test, prod, _) = three();
        let read = [(source("test"), &test), (source("prod"), &prod)];
        let releases: Vec<Release> = by_revision(&read)
            .iter()
            .map(|d| gather(d, &read))
            .collect();
        let printed = glance(&releases);
        let lines: Vec<&str> = printed.lines().collect();
        assert_eq!(
            lines,
            [
                "rev:9cfbd65  \"Upgrade TLS library\" · 0 gates waiting · 0 of 2 deploying · 2 of 2 healthy · 4 members",
                "rev:c0ffee0  \"Upgrade TLS library\" · 0 gates waiting · 0 of 2 deploying · 2 of 2 healthy · 4 members",
            ]
        );
        assert!(glance(&[]).starts_with("no releases"));
    }
}
