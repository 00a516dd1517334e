//! Request budgets: a token bucket per AWS service, so that polling for hours never eats the
//! account's shared rate limits, and AIMD when AWS throttles anyway: a throttle halves the
//! rate in force (not below a floor) and empties the bucket; every quiet 10 s gives back a
//! tenth of the configured rate, up to all of it. [`Bucket`] is the arithmetic, with time
//! passed in; [`Budget`] shares one between the tasks that call a service and waits with
//! tokio. It must not decide what a throttle is: `throttles` reads the answers and tells it.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::config::Allowance;
use crate::model::budget::{Api, BudgetState};

/// What a throttle leaves of the rate in force.
const CUT: f64 = 0.5;
/// A throttle this soon after a halving answers a call sent before it (the calls in flight
/// then, and the SDK's retries of them, which come 0–2 s apart with its jittered 1 s
/// backoff): the same overload, not a new one, so the rate is not halved again for it.
const HOLD: Duration = Duration::from_secs(2);
/// How long without a throttle earns one step back towards the configured rate.
const STEP: Duration = Duration::from_secs(10);
/// One step back, as a share of the configured rate: from the floor, full speed returns in
/// a minute and a half.
const STEP_SHARE: f64 = 0.1;
/// The floor, as a share of the configured rate, and never below 0.1 calls a second (unless
/// the configured rate is itself lower): slow enough to let the account recover, fast
/// enough that the screen still moves.
const FLOOR_SHARE: f64 = 0.1;
const FLOOR_MIN: f64 = 0.1;

/// What a throttle did to the rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Throttled {
    /// Halved, to this many calls a second.
    Halved(f64),
    /// Unchanged: a halving for the same overload came less than [`HOLD`] ago.
    Held,
}

/// A token bucket whose rate backs off on throttles. Time is passed in: every rule here is
/// tested with made-up instants.
#[derive(Debug, Clone)]
pub struct Bucket {
    api: Api,
    allowance: Allowance,
    /// Calls a second in force.
    rate: f64,
    /// Calls that may go now; below zero after retries the SDK sent on its own (a debt).
    tokens: f64,
    /// When `tokens` was last brought up to date.
    at: Instant,
    /// When the throttle that started the current backoff came; `None` at full rate.
    since: Option<Instant>,
    /// The last throttle or the last step back: the next step is [`STEP`] after it.
    quiet_since: Instant,
    /// The last halving.
    cut_at: Option<Instant>,
    /// The allowance of the first read, until [`Bucket::settle`]; see [`Bucket::starting`].
    start: Option<Allowance>,
}

impl Bucket {
    /// A full bucket: the first `burst` calls go at once.
    pub fn new(api: Api, allowance: Allowance, now: Instant) -> Self {
        Self {
            api,
            allowance,
            rate: allowance.rate,
            tokens: allowance.burst,
            at: now,
            since: None,
            quiet_since: now,
            cut_at: None,
            start: None,
        }
    }

    /// A bucket that first allows `start`, until [`Bucket::settle`]: the first snapshot of a
    /// fleet reads everything at once (some 70 ELB calls for 60 target groups), which the
    /// sustained budget would stretch over half a minute before the first screen; `start`
    /// is near AWS's own rate and bucket, which a one-off read may use. A throttle ends it.
    pub fn starting(api: Api, allowance: Allowance, start: Allowance, now: Instant) -> Self {
        Self {
            tokens: start.burst.max(allowance.burst),
            start: Some(start),
            ..Self::new(api, allowance, now)
        }
    }

    /// The first read is done: from now on, the sustained budget.
    pub fn settle(&mut self, now: Instant) {
        self.advance(now);
        self.start = None;
        self.tokens = self.tokens.min(self.allowance.burst);
    }

    /// The rate and burst in force: the first read's while it lasts and nothing was
    /// throttled.
    fn limit(&self) -> (f64, f64) {
        match self.start {
            Some(start) if self.since.is_none() => (
                start.rate.max(self.rate),
                start.burst.max(self.allowance.burst),
            ),
            _ => (self.rate, self.allowance.burst),
        }
    }

    /// The lowest rate a throttle can bring it to.
    pub fn floor(&self) -> f64 {
        let configured = self.allowance.rate;
        configured.min((configured * FLOOR_SHARE).max(FLOOR_MIN))
    }

    /// Takes a token, or says how long until the next one at the rate in force.
    pub fn try_take(&mut self, now: Instant) -> Result<(), Duration> {
        self.advance(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            let seconds = (1.0 - self.tokens) / self.limit().0;
            Err(Duration::try_from_secs_f64(seconds).unwrap_or(STEP))
        }
    }

    /// Takes a token whether or not one is there, for a request already sent: an SDK retry,
    /// which cannot wait here. The debt is paid by the calls after it, up to one burst's
    /// worth, so that a storm of retries costs one bucket of waiting, not minutes.
    pub fn spend(&mut self, now: Instant) {
        self.advance(now);
        self.tokens = (self.tokens - 1.0).max(-self.allowance.burst);
    }

    /// AWS said slow down: the bucket is emptied (AWS's is), and the rate halved unless it
    /// was halved for the same overload less than [`HOLD`] ago.
    pub fn throttled(&mut self, now: Instant) -> Throttled {
        self.advance(now);
        self.tokens = self.tokens.min(0.0);
        self.quiet_since = now;
        if self
            .cut_at
            .is_some_and(|at| now.saturating_duration_since(at) < HOLD)
        {
            return Throttled::Held;
        }
        self.rate = (self.rate * CUT).max(self.floor());
        self.cut_at = Some(now);
        self.since.get_or_insert(now);
        Throttled::Halved(self.rate)
    }

    pub fn state(&mut self, now: Instant) -> BudgetState {
        self.advance(now);
        BudgetState {
            api: self.api,
            configured: self.allowance.rate,
            current: self.rate,
            backing_off: self.since.map(|since| now.saturating_duration_since(since)),
        }
    }

    /// Brings the rate (one step per quiet [`STEP`]) and the tokens up to `now`.
    fn advance(&mut self, now: Instant) {
        while self.since.is_some() {
            let step = self.quiet_since + STEP;
            if step > now {
                break;
            }
            self.accrue(step);
            self.rate = (self.rate + self.allowance.rate * STEP_SHARE).min(self.allowance.rate);
            self.quiet_since = step;
            if self.rate >= self.allowance.rate {
                self.since = None;
            }
        }
        self.accrue(now);
    }

    fn accrue(&mut self, to: Instant) {
        // Tasks read the clock before taking the lock, so `to` may be a little behind.
        if to > self.at {
            let seconds = (to - self.at).as_secs_f64();
            let (rate, burst) = self.limit();
            self.tokens = (self.tokens + seconds * rate).min(burst);
            self.at = to;
        }
    }
}

/// One service's bucket, shared by the tasks that call it.
#[derive(Debug)]
pub struct Budget {
    // A plain mutex: it is held for a few float operations and never across an await.
    bucket: Mutex<Bucket>,
}

impl Budget {
    pub fn new(api: Api, allowance: Allowance) -> Self {
        Self {
            bucket: Mutex::new(Bucket::new(api, allowance, Instant::now())),
        }
    }

    /// A budget that allows `start` for the first read: see [`Bucket::starting`].
    pub fn starting(api: Api, allowance: Allowance, start: Allowance) -> Self {
        Self {
            bucket: Mutex::new(Bucket::starting(api, allowance, start, Instant::now())),
        }
    }

    pub fn settle(&self) {
        self.with(Bucket::settle);
    }

    /// Waits until a token is there and takes it.
    pub async fn take(&self) {
        // Every waiter wakes when it computed the next token would come; one takes it and
        // the others wait again. They are few: a call waits here holding its service's
        // concurrency slot, so the others queue in order on the semaphore.
        while let Err(wait) = self.with(Bucket::try_take) {
            tokio::time::sleep(wait).await;
        }
    }

    pub fn spend(&self) {
        self.with(Bucket::spend);
    }

    pub fn throttled(&self) {
        let (api, configured, throttled) =
            self.with(|bucket, now| (bucket.api, bucket.allowance.rate, bucket.throttled(now)));
        if let Throttled::Halved(rate) = throttled {
            tracing::warn!(
                api = api.label(),
                rate,
                configured,
                "throttled by AWS: calls slowed down"
            );
        }
    }

    pub fn state(&self) -> BudgetState {
        self.with(Bucket::state)
    }

    fn with<T>(&self, f: impl FnOnce(&mut Bucket, Instant) -> T) -> T {
        let now = Instant::now();
        let mut bucket = self
            .bucket
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut bucket, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ELB: Allowance = Allowance {
        rate: 2.0,
        burst: 10.0,
    };
    /// ELB's first-read allowance.
    const FIRST_READ: Allowance = Allowance {
        rate: 8.0,
        burst: 40.0,
    };

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    /// Rates are sums of tenths: equal to a billionth.
    #[track_caller]
    fn assert_rate(actual: f64, expected: f64) {
        assert!(
            (actual - expected).abs() < 1e-9,
            "{actual} is not {expected}"
        );
    }

    /// Takes every token there is at `now`.
    fn drain(bucket: &mut Bucket, now: Instant) -> usize {
        let mut taken = 0;
        while bucket.try_take(now).is_ok() {
            taken += 1;
        }
        taken
    }

    #[test]
    fn a_full_bucket_lets_a_burst_go_then_the_rate() {
        let t0 = Instant::now();
        let mut bucket = Bucket::new(Api::Elb, ELB, t0);
        assert_eq!(drain(&mut bucket, t0), 10);
        assert_eq!(bucket.try_take(t0), Err(secs(0.5)));
        assert_eq!(drain(&mut bucket, t0 + secs(0.5)), 1);
        // 2 a second from there on, however long the callers wait between asks.
        assert_eq!(drain(&mut bucket, t0 + secs(3.5)), 6);
        assert_eq!(drain(&mut bucket, t0 + secs(4.0)), 1);
        // A quiet spell refills it to the burst, no more.
        assert_eq!(drain(&mut bucket, t0 + secs(600.0)), 10);
    }

    #[test]
    fn a_throttle_halves_the_rate_and_empties_the_bucket() {
        let t0 = Instant::now();
        let mut bucket = Bucket::new(Api::Elb, ELB, t0);
        assert_eq!(bucket.throttled(t0), Throttled::Halved(1.0));
        assert_eq!(bucket.try_take(t0), Err(secs(1.0)));
        assert_eq!(drain(&mut bucket, t0 + secs(3.0)), 3);
    }

    #[test]
    fn throttles_for_the_same_overload_halve_once() {
        let t0 = Instant::now();
        let mut bucket = Bucket::new(Api::Elb, ELB, t0);
        assert_eq!(bucket.throttled(t0), Throttled::Halved(1.0));
        assert_eq!(bucket.throttled(t0 + secs(1.9)), Throttled::Held);
        assert_eq!(bucket.throttled(t0 + secs(2.0)), Throttled::Halved(0.5));
    }

    #[test]
    fn throttles_never_bring_the_rate_below_its_floor() {
        let t0 = Instant::now();
        for (configured, floor) in [(2.0, 0.2), (10.0, 1.0), (0.5, 0.1), (0.05, 0.05)] {
            let allowance = Allowance {
                rate: configured,
                burst: 1.0,
            };
            let mut bucket = Bucket::new(Api::Ecs, allowance, t0);
            for i in 0..20 {
                bucket.throttled(t0 + secs(3.0 * f64::from(i)));
            }
            let state = bucket.state(t0 + secs(57.0));
            assert_rate(state.current, floor);
            assert_rate(bucket.floor(), floor);
        }
    }

    #[test]
    fn the_rate_grows_back_a_tenth_each_quiet_ten_seconds_to_the_configured_rate() {
        let t0 = Instant::now();
        let mut bucket = Bucket::new(Api::Elb, ELB, t0);
        bucket.throttled(t0);
        bucket.throttled(t0 + secs(2.0));
        let rate = |bucket: &mut Bucket, at: f64| bucket.state(t0 + secs(at)).current;
        assert_rate(rate(&mut bucket, 11.9), 0.5);
        assert_rate(rate(&mut bucket, 12.0), 0.7);
        // A throttle during the climb halves what was regained and restarts the quiet count.
        assert_eq!(bucket.throttled(t0 + secs(15.0)), Throttled::Halved(0.35));
        assert_rate(rate(&mut bucket, 24.9), 0.35);
        assert_rate(rate(&mut bucket, 25.0), 0.55);
        // Eight more steps reach 2/s and stop there.
        assert!(rate(&mut bucket, 104.9) < 2.0);
        assert!(bucket.state(t0 + secs(104.9)).is_backing_off());
        assert_rate(rate(&mut bucket, 105.0), 2.0);
        assert!(!bucket.state(t0 + secs(105.0)).is_backing_off());
        assert_rate(rate(&mut bucket, 1000.0), 2.0);
    }

    #[test]
    fn the_state_says_the_rate_in_force_of_which_and_since_when() {
        let t0 = Instant::now();
        let mut bucket = Bucket::new(Api::Elb, ELB, t0);
        assert_eq!(
            bucket.state(t0),
            BudgetState {
                api: Api::Elb,
                configured: 2.0,
                current: 2.0,
                backing_off: None,
            }
        );
        bucket.throttled(t0 + secs(1.0));
        bucket.throttled(t0 + secs(5.0));
        assert_eq!(
            bucket.state(t0 + secs(9.0)),
            BudgetState {
                api: Api::Elb,
                configured: 2.0,
                current: 0.5,
                backing_off: Some(secs(8.0)),
            }
        );
    }

    #[test]
    fn requests_sent_without_a_token_are_paid_for_by_later_calls_up_to_one_burst() {
        let t0 = Instant::now();
        let mut bucket = Bucket::new(Api::Elb, ELB, t0);
        assert_eq!(drain(&mut bucket, t0), 10);
        bucket.spend(t0);
        bucket.spend(t0);
        assert_eq!(bucket.try_take(t0), Err(secs(1.5)));
        for _ in 0..100 {
            bucket.spend(t0);
        }
        assert_eq!(bucket.try_take(t0), Err(secs(5.5)));
    }

    #[test]
    fn the_first_read_goes_at_its_own_allowance_until_it_settles() {
        let t0 = Instant::now();
        let mut bucket = Bucket::starting(Api::Elb, ELB, FIRST_READ, t0);
        assert_eq!(drain(&mut bucket, t0), 40);
        // Refilled at the first read's rate.
        assert_eq!(drain(&mut bucket, t0 + secs(1.0)), 8);
        bucket.settle(t0 + secs(1.0));
        assert_eq!(
            drain(&mut bucket, t0 + secs(2.0)),
            2,
            "then the sustained budget"
        );
        assert_eq!(drain(&mut bucket, t0 + secs(100.0)), 10, "and its burst");
    }

    #[test]
    fn a_throttle_ends_the_first_read_allowance() {
        let t0 = Instant::now();
        let mut bucket = Bucket::starting(Api::Elb, ELB, FIRST_READ, t0);
        bucket.throttled(t0);
        assert_eq!(
            drain(&mut bucket, t0 + secs(1.0)),
            1,
            "the halved sustained rate"
        );
    }
}
