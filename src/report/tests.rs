use super::*;

#[test]
fn an_id_names_a_codedeploy_deployment_or_an_ecs_service_deployment() {
    assert_eq!(
        parse("d-ABCDEFGHI").ok(),
        Some(DeploymentRef::CodeDeploy("d-ABCDEFGHI".into()))
    );
    let arn = "arn:aws:ecs:eu-west-1:111122223333:service-deployment/lab/shop/r4nD0m";
    assert_eq!(parse(arn).ok(), Some(DeploymentRef::Ecs(arn.into())));
    for bad in [
        "d-abc",
        "web",
        "arn:aws:ecs:eu-west-1:111122223333:service/lab/shop",
    ] {
        assert!(
            matches!(parse(bad), Err(ReportError::Invalid(_))),
            "{bad} is refused"
        );
    }
}

#[test]
fn the_window_widens_the_span_by_the_margin_and_stays_open_while_it_runs() {
    let start = Timestamp(1_000_000_000_000);
    let end = start.plus_minutes(10);
    let now = start.plus_minutes(60);
    let closed = Window::around(start, Some(end), now);
    assert_eq!(closed.from, start.plus_minutes(-MARGIN_MINUTES));
    assert_eq!(closed.to, end.plus_minutes(MARGIN_MINUTES));
    assert!(!closed.open);
    assert!(closed.contains(end.plus_minutes(1)));
    assert!(!closed.contains(end.plus_minutes(MARGIN_MINUTES + 1)));
    let open = Window::around(start, None, now);
    assert_eq!(open.to, now);
    assert!(open.open);
}
