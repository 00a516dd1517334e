//! The line under the header while something is wrong: what to do first (log in again, the
//! IAM action to allow, the network to check), then the call that failed and AWS's code. On
//! 80 columns the fix is what fits. It must not decide what is wrong: `App::trouble` does.

use ratatui::text::{Line, Span};

use crate::model::Gap;
use crate::ui::theme::Theme;

pub fn line(trouble: &Gap, theme: &Theme) -> Line<'static> {
    let on = trouble
        .target
        .as_ref()
        .map_or_else(String::new, |t| format!(" on {t}"));
    let call = format!("{} {}{on}", trouble.service, trouble.operation);
    let what = match &trouble.code {
        Some(code) => format!("{call}: {code}"),
        None => format!("{call}: {}", trouble.message),
    };
    let mut spans = vec![Span::styled(" ✗ ", theme.bad)];
    match &trouble.hint {
        Some(hint) => {
            spans.push(Span::styled(hint.clone(), theme.bad));
            spans.push(Span::styled(format!(" · {what}"), theme.dim));
        }
        None => spans.push(Span::styled(what, theme.bad)),
    }
    Line::from(spans)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(line: &Line<'_>) -> String {
        line.spans.iter().map(|s| s.content.as_ref()).collect()
    }

    #[test]
    fn the_fix_comes_first_and_the_call_after() {
        let denied = Gap {
            service: "elasticloadbalancing".into(),
            operation: "DescribeTargetHealth".into(),
            target: None,
            kind: "access_denied".into(),
            code: Some("AccessDenied".into()),
            message: "not authorized".into(),
            request_id: None,
            hint: Some("allow elasticloadbalancing:DescribeTargetHealth for this principal".into()),
        };
        assert_eq!(
            text(&line(&denied, &Theme::new(false))),
            " ✗ allow elasticloadbalancing:DescribeTargetHealth for this principal · \
             elasticloadbalancing DescribeTargetHealth: AccessDenied"
        );
        let failed = Gap {
            hint: None,
            code: Some("InternalFailure".into()),
            kind: "service".into(),
            target: Some("ledger-release".into()),
            service: "codepipeline".into(),
            operation: "GetPipelineState".into(),
            ..denied
        };
        assert_eq!(
            text(&line(&failed, &Theme::new(false))),
            " ✗ codepipeline GetPipelineState on ledger-release: InternalFailure"
        );
    }
}
