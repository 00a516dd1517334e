//! What the terminal is sent when events arrive: the bell, and a desktop notification through
//! the escape sequence the config file names (`[alerts]`). Built here as text, written by the
//! console between frames; it must not decide what is an event.

use crate::config::{Alerts, Desktop};
use crate::model::events::Event;

/// The bytes to write for `events`, under `alerts`: empty when none of them alerts.
pub fn sequences(alerts: &Alerts, events: &[Event]) -> String {
    let alerting: Vec<&Event> = events.iter().filter(|e| alerts.alerts_on(e.kind)).collect();
    let Some(first) = alerting.first() else {
        return String::new();
    };
    let mut out = String::new();
    if alerts.bell {
        out.push('\x07');
    }
    // One notification for a burst: the first event, and how many came with it.
    let body = match alerting.len() {
        1 => clean(&first.message),
        n => format!("{} (+{} more)", clean(&first.message), n - 1),
    };
    match alerts.desktop {
        Desktop::Off => {}
        Desktop::Osc9 => out.push_str(&format!("\x1b]9;cutover: {body}\x1b\\")),
        Desktop::Osc777 => out.push_str(&format!("\x1b]777;notify;cutover;{body}\x1b\\")),
    }
    out
}

/// The text without anything a terminal would take for a control: an event's message holds
/// names from AWS, which could hold an escape.
fn clean(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Timestamp;
    use crate::model::events::Kind;

    fn event(kind: Kind, message: &str) -> Event {
        Event {
            kind,
            key: format!("k/{message}"),
            at: Timestamp(0),
            source: "prod".to_owned(),
            account: None,
            region: "us-east-1".to_owned(),
            subject: "s".to_owned(),
            message: message.to_owned(),
            pipeline: None,
            execution_id: None,
            deployment_id: None,
            service: None,
            reason: None,
            revision: None,
        }
    }

    #[test]
    fn the_bell_and_each_desktop_sequence_as_configured() {
        let gate = [event(Kind::GateWaiting, "gate waits")];
        let mut alerts = Alerts::default();
        assert_eq!(sequences(&alerts, &gate), "\x07");
        alerts.desktop = Desktop::Osc9;
        assert_eq!(
            sequences(&alerts, &gate),
            "\x07\x1b]9;cutover: gate waits\x1b\\"
        );
        alerts.bell = false;
        alerts.desktop = Desktop::Osc777;
        assert_eq!(
            sequences(&alerts, &gate),
            "\x1b]777;notify;cutover;gate waits\x1b\\"
        );
    }

    #[test]
    fn only_the_kinds_asked_for_alert_and_a_burst_alerts_once() {
        let alerts = Alerts {
            desktop: Desktop::Osc9,
            on: vec![Kind::DeploymentFailed],
            ..Alerts::default()
        };
        assert_eq!(sequences(&alerts, &[event(Kind::GateWaiting, "g")]), "");
        let burst = [
            event(Kind::DeploymentFailed, "d-1 failed"),
            event(Kind::GateWaiting, "g"),
            event(Kind::DeploymentFailed, "d-2 failed"),
        ];
        assert_eq!(
            sequences(&alerts, &burst),
            "\x07\x1b]9;cutover: d-1 failed (+1 more)\x1b\\"
        );
    }

    #[test]
    fn an_escape_in_a_name_from_aws_reaches_the_terminal_as_a_space() {
        let alerts = Alerts {
            bell: false,
            desktop: Desktop::Osc9,
            ..Alerts::default()
        };
        let sneaky = [event(Kind::GateWaiting, "web\x1b]0;pwned\x07 waits")];
        assert_eq!(
            sequences(&alerts, &sneaky),
            "\x1b]9;cutover: web ]0;pwned  waits\x1b\\"
        );
    }
}
