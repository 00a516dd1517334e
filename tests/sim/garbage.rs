//! Bad input never panics or hangs the simulator: every operation, sent nothing, the wrong
//! types or broken JSON, is answered with a 4xx and the service's error shape, and the
//! simulator keeps serving.

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::common::Sim;
// Every operation each service routes, and one it does not (answered as unknown).
use crate::parsers::{JSON_OPERATIONS, QUERY_OPERATIONS};

/// Every member name the operations read, each given a value of the wrong type.
const WRONG_TYPES: &str = r#"{"name":7,"pipelineName":[],"stageName":{},"actionName":1.5,"token":true,"result":"x","pipelineExecutionId":[1],
"applicationName":3,"applicationNames":"x","deploymentGroupName":[],"deploymentGroupNames":[1,2],"deploymentConfigName":{},
"deploymentId":9,"deploymentIds":[{}],"targetId":[],"targetIds":"x","revision":"x","deploymentWaitType":5,"autoRollbackEnabled":"yes",
"includeOnlyStatuses":"Failed","createTimeRange":{"start":"x"},"cluster":1,"clusters":"x","services":"x","service":[],"desiredCount":"3",
"taskSets":1,"taskDefinition":{},"serviceName":2,"desiredStatus":[],"tasks":{},"maxResults":"ten","nextToken":5,"retryMode":1,
"transitionType":[],"reason":{},"targetPipelineExecutionId":1,"filter":"x","abandon":"true","variables":"x"}"#;

async fn raw(endpoint: &str, head: &str, body: &[u8]) -> String {
    let addr = endpoint.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let request = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\n{head}Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    stream.write_all(body).await.expect("write body");
    let mut response = String::new();
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stream.read_to_string(&mut response),
    )
    .await;
    assert!(read.is_ok(), "no answer within 10 s: {head}");
    response
}

#[tokio::test]
async fn every_json_operation_answers_bad_input_with_a_client_error() {
    let sim = Sim::start().await;
    let endpoint = sim.endpoint();
    for (prefix, operations) in JSON_OPERATIONS {
        for operation in *operations {
            let head = format!(
                "X-Amz-Target: {prefix}.{operation}\r\nContent-Type: application/x-amz-json-1.1\r\n"
            );
            for body in [
                &b"{}"[..],
                b"",
                b"{not json",
                b"[1,2]",
                b"null",
                WRONG_TYPES.as_bytes(),
            ] {
                let response = raw(&endpoint, &head, body).await;
                let status = response.get(9..12).unwrap_or("");
                let fine = status == "200" || status == "400";
                assert!(
                    fine,
                    "{operation} with {:?}: {response}",
                    String::from_utf8_lossy(body)
                );
                if status == "400" {
                    assert!(
                        response.contains("\"__type\""),
                        "{operation}: an AWS error body: {response}"
                    );
                }
            }
        }
    }
    let unknown = raw(
        &endpoint,
        "X-Amz-Target: AmazonEC2ContainerServiceV20141113.Explode\r\n",
        b"{}",
    )
    .await;
    assert!(unknown.contains("UnknownOperationException"), "{unknown}");
    assert!(
        sim.ecs().list_clusters().send().await.is_ok(),
        "still serving"
    );
    assert!(sim.invariants().is_empty());
}

#[tokio::test]
async fn every_query_operation_answers_bad_input_with_a_client_error() {
    let sim = Sim::start().await;
    let endpoint = sim.endpoint();
    let head = "Content-Type: application/x-www-form-urlencoded\r\n";
    for operation in QUERY_OPERATIONS {
        let bodies = [
            format!("Action={operation}&Version=2015-12-01"),
            format!(
                "Action={operation}&Version=2015-12-01&PageSize=abc&Marker=zzz&LoadBalancerArn=x&ListenerArn=x&RuleArn=x&TargetGroupArn=x"
            ),
            format!(
                "Action={operation}&Version=2015-12-01&Actions.member.1.Type=forward&DefaultActions.member.1.ForwardConfig.TargetGroups.member.1.Weight=-4&ResourceArns.member.1=%00"
            ),
            format!("Action={operation}&Version=2015-12-01&%ZZ=%%%&Targets.member.x.Id="),
        ];
        for body in &bodies {
            let response = raw(&endpoint, head, body.as_bytes()).await;
            let status = response.get(9..12).unwrap_or("");
            assert!(status == "200" || status == "400", "{body}: {response}");
            if status == "400" {
                assert!(response.contains("<ErrorResponse"), "{body}: {response}");
            }
        }
    }
    let unknown = raw(
        &endpoint,
        head,
        b"Action=DeleteLoadBalancer&Version=2015-12-01",
    )
    .await;
    assert!(unknown.contains("<Code>InvalidAction</Code>"), "{unknown}");
    assert!(
        sim.elb().describe_load_balancers().send().await.is_ok(),
        "still serving"
    );
}

/// botocore's ECS model: `Secret` requires `name` and `valueFrom`; `KeyValuePair` (an
/// `environment` entry) requires neither, so a value left out is registered as empty.
#[tokio::test]
async fn a_secret_without_value_from_is_refused_an_environment_value_may_be_left_out() {
    let sim = Sim::start().await;
    let target = "X-Amz-Target: AmazonEC2ContainerServiceV20141113.RegisterTaskDefinition\r\nContent-Type: application/x-amz-json-1.1\r\n";
    let body = |container: &str| {
        format!(
            r#"{{"family":"probe","containerDefinitions":[{{"name":"app","image":"app:1",{container}}}]}}"#
        )
    };
    let refused = raw(
        &sim.endpoint(),
        target,
        body(r#""secrets":[{"name":"TOKEN"}]"#).as_bytes(),
    )
    .await;
    assert!(refused.starts_with("HTTP/1.1 400"), "{refused}");
    assert!(refused.contains("valueFrom"), "{refused}");
    let taken = raw(
        &sim.endpoint(),
        target,
        body(r#""environment":[{"name":"FLAG"}]"#).as_bytes(),
    )
    .await;
    assert!(taken.starts_with("HTTP/1.1 200"), "{taken}");
    assert!(taken.contains(r#""name":"FLAG""#), "{taken}");
}
