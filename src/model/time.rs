//! Instants as the model holds them: milliseconds since the Unix epoch, written as RFC 3339 in
//! JSON. It must not read the clock: "now" is always passed in.

use serde::{Serialize, Serializer};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub fn from_secs_f64(seconds: f64) -> Self {
        Self((seconds * 1000.0).round() as i64)
    }

    pub fn millis(self) -> i64 {
        self.0
    }

    /// Whole seconds from `self` to `later` (negative when `later` is earlier).
    pub fn seconds_until(self, later: Timestamp) -> i64 {
        (later.0 - self.0).div_euclid(1000)
    }

    pub fn plus_minutes(self, minutes: i64) -> Self {
        Self(self.0 + minutes * 60_000)
    }

    pub fn rfc3339(self) -> String {
        let nanos = i128::from(self.0) * 1_000_000;
        time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
            .ok()
            .and_then(|t| {
                t.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            })
            .unwrap_or_else(|| self.0.to_string())
    }

    /// Wall-clock now.
    pub fn now() -> Self {
        Self((time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.rfc3339())
    }
}

/// "3m 20s", "2h 05m", "4d 3h": a duration a person reads at a glance.
pub fn human_duration(seconds: i64) -> String {
    let s = seconds.max(0);
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m {:02}s", s / 60, s % 60),
        3600..=86_399 => format!("{}h {:02}m", s / 3600, (s % 3600) / 60),
        _ => format!("{}d {}h", s / 86_400, (s % 86_400) / 3600),
    }
}

/// `90s`, `30m`, `2h`, `1d`: a span a person types, in seconds; `None` when it is not one
/// (no unit, an unknown unit, a negative or overflowing count).
pub fn parse_span(text: &str) -> Option<i64> {
    let text = text.trim();
    let unit = text.chars().last().filter(char::is_ascii_alphabetic)?;
    let count: i64 = text[..text.len() - 1].parse().ok().filter(|c| *c >= 0)?;
    let per = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        _ => return None,
    };
    count.checked_mul(per)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_read_with_their_unit() {
        assert_eq!(parse_span("90s"), Some(90));
        assert_eq!(parse_span("30m"), Some(1800));
        assert_eq!(parse_span(" 2h"), Some(7200));
        assert_eq!(parse_span("1d"), Some(86_400));
        for bad in ["", "m", "30", "30x", "-5m", "1.5h", "99999999999999999d"] {
            assert_eq!(parse_span(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn durations_read_at_a_glance() {
        assert_eq!(human_duration(42), "42s");
        assert_eq!(human_duration(200), "3m 20s");
        assert_eq!(human_duration(7500), "2h 05m");
        assert_eq!(human_duration(97_200), "1d 3h");
        assert_eq!(human_duration(-5), "0s");
    }

    #[test]
    fn timestamps_serialize_as_rfc3339() {
        assert_eq!(
            Timestamp(1_700_000_000_000).rfc3339(),
            "2023-11-14T22:13:20Z"
        );
        assert_eq!(Timestamp(0).seconds_until(Timestamp(61_500)), 61);
    }
}
