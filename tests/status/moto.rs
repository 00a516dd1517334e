//! The data layer against moto's server, an AWS implementation nobody here wrote: a world is
//! built through the AWS CLI (cluster, CODE_DEPLOY service, ALB with two target groups,
//! listeners 80/8080 and a weighted `/admin/*` rule, a CodeDeploy application with a
//! blue/green group, a pipeline with a manual approval) and read back. Without moto or the
//! CLI the test says so and skips, unless CUTOVER_REQUIRE_TOOLS is set (CI).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use cutover::aws::snapshot::take;
use cutover::config::Scope;
use cutover::model::status::{ActionCategory, Controller};
use serde_json::Value;

use crate::clients;

struct Moto {
    child: Child,
    endpoint: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        // Stop exactly the server this test started.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn tools_present() -> bool {
    let moto = Command::new("python3")
        .args(["-c", "import moto.server"])
        .output()
        .is_ok_and(|o| o.status.success());
    let cli = Command::new("aws")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !(moto && cli) {
        assert!(
            std::env::var_os("CUTOVER_REQUIRE_TOOLS").is_none(),
            "moto's server and the AWS CLI are required here: pip install 'moto[server]' awscli"
        );
        eprintln!(
            "SKIP moto: moto's server or the AWS CLI is missing (pip install 'moto[server]' awscli); the moto checks did not run"
        );
    }
    moto && cli
}

fn start_moto() -> Moto {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let child = Command::new("python3")
        .args([
            "-m",
            "moto.server",
            "-H",
            "127.0.0.1",
            "-p",
            &port.to_string(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start moto");
    let moto = Moto {
        child,
        endpoint: format!("http://127.0.0.1:{port}"),
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "moto did not start within 30 s");
        std::thread::sleep(Duration::from_millis(100));
    }
    moto
}

fn aws(endpoint: &str, args: &[&str]) -> Value {
    let out = Command::new("aws")
        .args([
            "--endpoint-url",
            endpoint,
            "--region",
            "us-east-1",
            "--output",
            "json",
        ])
        .args(args)
        .env("AWS_ACCESS_KEY_ID", "AKIDTEST")
        .env("AWS_SECRET_ACCESS_KEY", "secret")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_MAX_ATTEMPTS", "1")
        .env("AWS_PAGER", "")
        .env_remove("AWS_PROFILE")
        .output()
        .expect("run aws");
    assert!(
        out.status.success(),
        "aws {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
}

fn text(v: &Value, pointer: &str) -> String {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{pointer} in {v}"))
        .to_owned()
}

struct Built {
    tg_one: String,
    tg_two: String,
    prod: String,
    test: String,
}

fn build(e: &str) -> Built {
    let vpc = text(
        &aws(e, &["ec2", "create-vpc", "--cidr-block", "10.0.0.0/16"]),
        "/Vpc/VpcId",
    );
    let s1 = text(
        &aws(
            e,
            &[
                "ec2",
                "create-subnet",
                "--vpc-id",
                &vpc,
                "--cidr-block",
                "10.0.1.0/24",
                "--availability-zone",
                "us-east-1a",
            ],
        ),
        "/Subnet/SubnetId",
    );
    let s2 = text(
        &aws(
            e,
            &[
                "ec2",
                "create-subnet",
                "--vpc-id",
                &vpc,
                "--cidr-block",
                "10.0.2.0/24",
                "--availability-zone",
                "us-east-1b",
            ],
        ),
        "/Subnet/SubnetId",
    );
    let lb = text(
        &aws(
            e,
            &[
                "elbv2",
                "create-load-balancer",
                "--name",
                "microservicesLB",
                "--subnets",
                &s1,
                &s2,
            ],
        ),
        "/LoadBalancers/0/LoadBalancerArn",
    );
    let tg = |name: &str| {
        text(
            &aws(
                e,
                &[
                    "elbv2",
                    "create-target-group",
                    "--name",
                    name,
                    "--protocol",
                    "HTTP",
                    "--port",
                    "80",
                    "--vpc-id",
                    &vpc,
                    "--target-type",
                    "ip",
                ],
            ),
            "/TargetGroups/0/TargetGroupArn",
        )
    };
    let (tg_one, tg_two) = (tg("customer-tg-one"), tg("customer-tg-two"));
    let listener = |port: &str, target: &str| {
        text(
            &aws(
                e,
                &[
                    "elbv2",
                    "create-listener",
                    "--load-balancer-arn",
                    &lb,
                    "--protocol",
                    "HTTP",
                    "--port",
                    port,
                    "--default-actions",
                    &format!("Type=forward,TargetGroupArn={target}"),
                ],
            ),
            "/Listeners/0/ListenerArn",
        )
    };
    let (prod, test) = (listener("80", &tg_two), listener("8080", &tg_one));
    let weighted = format!(
        r#"[{{"Type":"forward","ForwardConfig":{{"TargetGroups":[{{"TargetGroupArn":"{tg_two}","Weight":80}},{{"TargetGroupArn":"{tg_one}","Weight":20}}]}}}}]"#
    );
    aws(
        e,
        &[
            "elbv2",
            "create-rule",
            "--listener-arn",
            &prod,
            "--priority",
            "1",
            "--conditions",
            "Field=path-pattern,Values=/admin/*",
            "--actions",
            &weighted,
        ],
    );

    aws(
        e,
        &[
            "ecs",
            "create-cluster",
            "--cluster-name",
            "microservices-serverlesscluster",
        ],
    );
    aws(
        e,
        &[
            "ecs",
            "register-task-definition",
            "--family",
            "customer",
            "--network-mode",
            "awsvpc",
            "--requires-compatibilities",
            "FARGATE",
            "--cpu",
            "256",
            "--memory",
            "512",
            "--container-definitions",
            r#"[{"name":"customer","image":"nginx:1.27","portMappings":[{"containerPort":80}]}]"#,
        ],
    );
    aws(
        e,
        &[
            "ecs",
            "create-service",
            "--cluster",
            "microservices-serverlesscluster",
            "--service-name",
            "customer-microservice",
            "--task-definition",
            "customer",
            "--desired-count",
            "2",
            "--launch-type",
            "FARGATE",
            "--deployment-controller",
            "type=CODE_DEPLOY",
            // No network configuration: moto's CreateService fails on one (an HTTP 500).
            "--load-balancers",
            &format!("targetGroupArn={tg_two},containerName=customer,containerPort=80"),
        ],
    );
    aws(
        e,
        &[
            "deploy",
            "create-application",
            "--application-name",
            "microservices",
            "--compute-platform",
            "ECS",
        ],
    );
    let lb_info = format!(
        r#"{{"targetGroupPairInfoList":[{{"targetGroups":[{{"name":"customer-tg-two"}},{{"name":"customer-tg-one"}}],"prodTrafficRoute":{{"listenerArns":["{prod}"]}},"testTrafficRoute":{{"listenerArns":["{test}"]}}}}]}}"#
    );
    aws(
        e,
        &[
            "deploy",
            "create-deployment-group",
            "--application-name",
            "microservices",
            "--deployment-group-name",
            "microservices-customer",
            "--service-role-arn",
            "arn:aws:iam::123456789012:role/CodeDeployServiceRole",
            "--deployment-config-name",
            "CodeDeployDefault.ECSCanary10Percent5Minutes",
            "--deployment-style",
            "deploymentType=BLUE_GREEN,deploymentOption=WITH_TRAFFIC_CONTROL",
            "--ecs-services",
            "serviceName=customer-microservice,clusterName=microservices-serverlesscluster",
            "--load-balancer-info",
            &lb_info,
            "--blue-green-deployment-configuration",
            r#"{"terminateBlueInstancesOnDeploymentSuccess":{"action":"TERMINATE","terminationWaitTimeInMinutes":5},"deploymentReadyOption":{"actionOnTimeout":"STOP_DEPLOYMENT","waitTimeInMinutes":30}}"#,
        ],
    );
    // moto checks that CodePipeline may assume the pipeline's role.
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"codepipeline.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    aws(
        e,
        &[
            "iam",
            "create-role",
            "--role-name",
            "CodePipelineServiceRole",
            "--assume-role-policy-document",
            trust,
        ],
    );
    let pipeline = r#"{"name":"update-customer-microservice","roleArn":"arn:aws:iam::123456789012:role/CodePipelineServiceRole","artifactStore":{"type":"S3","location":"codepipeline-artifacts"},"stages":[
        {"name":"Source","actions":[{"name":"Source","actionTypeId":{"category":"Source","owner":"AWS","provider":"ECR","version":"1"},"configuration":{"RepositoryName":"customer"},"outputArtifacts":[{"name":"SourceArtifact"}]}]},
        {"name":"Approval","actions":[{"name":"ApproveProduction","actionTypeId":{"category":"Approval","owner":"AWS","provider":"Manual","version":"1"}}]},
        {"name":"Deploy","actions":[{"name":"Deploy","actionTypeId":{"category":"Deploy","owner":"AWS","provider":"CodeDeployToECS","version":"1"},"configuration":{"ApplicationName":"microservices","DeploymentGroupName":"microservices-customer"},"inputArtifacts":[{"name":"SourceArtifact"}]}]}]}"#;
    aws(
        e,
        &["codepipeline", "create-pipeline", "--pipeline", pipeline],
    );
    Built {
        tg_one,
        tg_two,
        prod,
        test,
    }
}

#[tokio::test]
async fn a_world_built_in_moto_is_read_back() {
    if !tools_present() {
        return;
    }
    let moto = start_moto();
    let endpoint = moto.endpoint.clone();
    let built = tokio::task::spawn_blocking(move || build(&endpoint))
        .await
        .expect("world built");
    let s = take(&clients(&moto.endpoint).await, &Scope::default())
        .await
        .expect("snapshot");

    let service = s
        .service("microservices-serverlesscluster", "customer-microservice")
        .expect("service read");
    assert_eq!(service.controller, Controller::CodeDeploy);
    assert_eq!(service.desired, 2);
    assert_eq!(
        service.load_balancers[0].target_group_arn.as_deref(),
        Some(built.tg_two.as_str())
    );

    assert!(s.load_balancers.iter().any(|l| l.name == "microservicesLB"));
    let ports: Vec<Option<i32>> = s.listeners.iter().map(|l| l.port).collect();
    assert!(
        ports.contains(&Some(80)) && ports.contains(&Some(8080)),
        "{ports:?}"
    );
    let admin = s
        .rules
        .iter()
        .find(|r| r.label() == "/admin/*")
        .expect("admin rule");
    assert_eq!(admin.listener_arn, built.prod);
    assert_eq!(admin.share_of(&built.tg_two), 80.0);
    assert_eq!(admin.share_of(&built.tg_one), 20.0);

    let group = s
        .group("microservices", "microservices-customer")
        .expect("deployment group read");
    assert_eq!(group.service.as_deref(), Some("customer-microservice"));
    assert_eq!(
        group.target_group_arns,
        vec![Some(built.tg_two.clone()), Some(built.tg_one.clone())],
        "names resolved to ARNs"
    );
    assert_eq!(group.production_listeners, vec![built.prod.clone()]);
    assert_eq!(group.test_listeners, vec![built.test.clone()]);
    assert_eq!(
        group.production_rules.len(),
        2,
        "the default rule and /admin/*"
    );
    assert_eq!(group.termination_wait_minutes, 5);
    assert_eq!(
        group.routing,
        Some(cutover::model::deploy::Routing::Canary {
            percent: 10,
            minutes: 5
        })
    );
    assert!(s.applications.iter().any(|a| a.name == "microservices"));

    let pipeline = s
        .pipeline("update-customer-microservice")
        .expect("pipeline read");
    let stages: Vec<&str> = pipeline.stages.iter().map(|st| st.name.as_str()).collect();
    assert_eq!(stages, ["Source", "Approval", "Deploy"]);
    let approval = &pipeline.stages[1].actions[0];
    assert_eq!(approval.category, ActionCategory::Approval);
    assert_eq!(
        pipeline.stages[2].actions[0]
            .deploys_to
            .as_ref()
            .map(|t| t.deployment_group.as_str()),
        Some("microservices-customer")
    );
    // What moto does not serve shows as gaps, never as wrong data.
    for gap in &s.gaps {
        assert!(
            [
                "GetPipelineState",
                "ListPipelineExecutions",
                "DescribeClusters",
                "ListActionExecutions"
            ]
            .contains(&gap.operation.as_str()),
            "unexpected gap: {gap:?}"
        );
    }
}
