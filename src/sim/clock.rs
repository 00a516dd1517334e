//! The simulator's virtual clock: either scaled real time (`--speed`) or a manual clock that
//! moves only when told to (tests). It must never go backwards.

use std::sync::Mutex;

use super::lock;
use std::time::Instant;

use time::OffsetDateTime;

/// Milliseconds since the Unix epoch, in virtual time.
pub type Millis = i64;

#[derive(Debug)]
enum Mode {
    Manual {
        now: Millis,
    },
    Scaled {
        origin: Instant,
        start: Millis,
        speed: f64,
        offset: Millis,
    },
}

#[derive(Debug)]
pub struct Clock {
    mode: Mutex<Mode>,
}

impl Clock {
    pub fn manual(start: Millis) -> Self {
        Self {
            mode: Mutex::new(Mode::Manual { now: start }),
        }
    }

    pub fn scaled(start: Millis, speed: f64) -> Self {
        Self {
            mode: Mutex::new(Mode::Scaled {
                origin: Instant::now(),
                start,
                speed,
                offset: 0,
            }),
        }
    }

    pub fn now(&self) -> Millis {
        match &*lock(&self.mode) {
            Mode::Manual { now } => *now,
            Mode::Scaled {
                origin,
                start,
                speed,
                offset,
            } => {
                let elapsed = origin.elapsed().as_secs_f64() * speed * 1000.0;
                start + offset + elapsed as Millis
            }
        }
    }

    /// Moves the clock forward; on a scaled clock this jumps ahead of real time.
    pub fn advance(&self, millis: Millis) {
        match &mut *lock(&self.mode) {
            Mode::Manual { now } => *now += millis.max(0),
            Mode::Scaled { offset, .. } => *offset += millis.max(0),
        }
    }

    pub fn is_manual(&self) -> bool {
        matches!(&*lock(&self.mode), Mode::Manual { .. })
    }

    pub fn speed(&self) -> f64 {
        match &*lock(&self.mode) {
            Mode::Manual { .. } => 0.0,
            Mode::Scaled { speed, .. } => *speed,
        }
    }
}

/// Wall-clock now in milliseconds.
pub fn wall_now() -> Millis {
    (OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as Millis
}

/// ISO-8601 with milliseconds and `Z`, as ELBv2 writes timestamps.
pub fn iso8601(millis: Millis) -> String {
    let nanos = i128::from(millis) * 1_000_000;
    match OffsetDateTime::from_unix_timestamp_nanos(nanos) {
        Ok(t) => format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second(),
            t.millisecond()
        ),
        Err(_) => "1970-01-01T00:00:00.000Z".to_owned(),
    }
}

/// An HTTP `Date` header value (`Sun, 22 Nov 2026 02:18:28 GMT`). The simulator stamps its
/// answers with virtual time, so clients see the world's "now" as they would AWS's.
pub fn http_date(millis: Millis) -> String {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let nanos = i128::from(millis) * 1_000_000;
    match OffsetDateTime::from_unix_timestamp_nanos(nanos) {
        Ok(t) => format!(
            "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
            DAYS[t.weekday().number_days_from_monday() as usize],
            t.day(),
            MONTHS[usize::from(u8::from(t.month())) - 1],
            t.year(),
            t.hour(),
            t.minute(),
            t.second()
        ),
        Err(_) => "Thu, 01 Jan 1970 00:00:00 GMT".to_owned(),
    }
}

/// Epoch seconds as the JSON protocols send them.
pub fn epoch_seconds(millis: Millis) -> f64 {
    millis as f64 / 1000.0
}

/// Parses `2026-11-02T09:00:00Z` (RFC 3339) into milliseconds.
pub fn parse_rfc3339(text: &str) -> Option<Millis> {
    let t = OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()?;
    Some((t.unix_timestamp_nanos() / 1_000_000) as Millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_advanced() {
        let clock = Clock::manual(1_000);
        assert_eq!(clock.now(), 1_000);
        clock.advance(500);
        assert_eq!(clock.now(), 1_500);
        clock.advance(-10);
        assert_eq!(clock.now(), 1_500);
    }

    #[test]
    fn iso8601_has_milliseconds_and_zulu() {
        assert_eq!(iso8601(1_700_000_000_123), "2023-11-14T22:13:20.123Z");
        assert_eq!(
            parse_rfc3339("2023-11-14T22:13:20.123Z"),
            Some(1_700_000_000_123)
        );
    }
}
