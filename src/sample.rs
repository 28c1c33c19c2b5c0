//! Deterministic synthetic incidents, with their ground truth.
//!
//! # The model
//!
//! A [`Scenario`] describes a tenant for a stretch of time. Logins arrive as a
//! Poisson process (exponential gaps at `logins_per_s`). Each login holds one
//! *extensibility slot* while its custom code runs: first the Custom Database login
//! script (when the scenario has one), then every post-login Action in order. The
//! tenant has `limit` slots, shared by all of them.
//!
//! Arrivals are processed in time order. A min-heap holds the end times of the
//! requests in flight; at each arrival the finished ones (end `<=` arrival, the
//! half-open convention `[start, end)`) are dropped, then:
//!
//! - if `limit` requests are still in flight, the login fails at once: a `f` event
//!   with `description: "resource_exhausted"` at the arrival time, no executions,
//!   no timing;
//! - otherwise the request takes a slot from its arrival until its end, and one
//!   event is written at the end: `s` with `details.actions.executions` and the
//!   seed's seven `details.stats` keys, or, when the work would pass the 20 s Webtask
//!   limit, `f` with "Request to Webtask exceeded allowed execution time" at
//!   arrival + 20 s (the slot is held until then).
//!
//! An Action's run is `boot + code`: `code = base + jitter·u + slowdown`, where a
//! [`Slowdown`] adds up to `extra_ms` (a trapezoid: it ramps up over the first
//! quarter of its window, at most 45 s, holds, and ramps down again) to runs that
//! start inside it, and a [`ColdStart`] window gives a run, with some chance, a
//! fresh container that boots for about `boot_ms`. On top of the runs a request
//! spends a little time on the wire and in the runtime, so for every `s` event
//! `total_request_duration_ms = boot + network + processing + action + external`
//! exactly, and `[date − total_request_duration_ms, date)` is the part of the slot
//! the Actions used (the whole slot when there is no login script). The per-Action
//! times are in the execution objects (`GET /api/v2/actions/executions/{id}`),
//! written to [`Incident::executions_json`] and joined by execution id.
//!
//! Around the logins the generator writes events that never touch extensibility:
//! `seacft` (code exchange after some successful logins), `fp` (wrong password) and
//! `slo` (logout). Every event is shaped like Management-API output and carries
//! synthetic but PII-shaped values (emails, user ids, IPs from the documentation
//! ranges, session ids, `state`/`nonce`, risk assessment IPs), so redaction has real
//! work to do. A pool of users keeps each user's email, id, IP and browser.
//!
//! # Determinism
//!
//! All randomness comes from [`SplitMix64`] seeded by the scenario; the generator
//! reads no clock. Logarithms are computed with basic arithmetic only
//! ([`ln`]), so the same seed gives the same bytes natively and in wasm.
//!
//! # Ground truth
//!
//! [`Truth`] is taken from the simulation, not from re-reading the output: the
//! number of events written, the `resource_exhausted` failures, their windows
//! (clusters split by gaps over 30 s), the Action (or login script) that was made
//! slow in each window, the limit and the peak in-flight count.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// The Webtask execution limit: work that runs longer fails at this point.
pub const WEBTASK_TIMEOUT_MS: i64 = 20_000;

/// Breaches further apart than this start a new window in [`Truth::windows`].
pub const WINDOW_GAP_MS: i64 = 30_000;

/// The description (and error message) of a login script or Action that ran past
/// [`WEBTASK_TIMEOUT_MS`].
pub const WEBTASK_TIMEOUT_TEXT: &str = "Request to Webtask exceeded allowed execution time";

const HOSTNAME: &str = "inflight-demo.eu.auth0.com";
const TENANT: &str = "inflight-demo";
const AUDIENCE: &str = "https://api.inflight-demo.example.com/";
const DEFAULT_CONNECTION: &str = "Username-Password-Authentication";

// ---------------------------------------------------------------------------
// Randomness
// ---------------------------------------------------------------------------

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast, and good enough for synthetic
/// data. Seeded by the caller; never by a clock.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// A generator for one purpose (`salt`) and one item (`index`) of a seed, so
    /// that an event's random values do not depend on what was generated before.
    fn stream(seed: u64, salt: u64, index: u64) -> Self {
        let mut g = SplitMix64(seed ^ salt.wrapping_mul(0xA24B_AED4_963E_E407));
        g.0 ^= g.next_u64() ^ index.wrapping_mul(0x9FB2_1C65_1E98_DF25);
        g
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `0..n` (0 when `n == 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u32, hi: u32) -> u32 {
        lo + self.below(u64::from(hi.saturating_sub(lo)) + 1) as u32
    }

    /// True with probability `p`.
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Exponentially distributed with the given mean.
    pub fn exp(&mut self, mean: f64) -> f64 {
        -mean * ln(1.0 - self.unit())
    }
}

/// Natural logarithm from `+`, `−`, `×`, `÷` only (no platform `libm`), so results
/// are bit-identical everywhere (accurate to about 1e-15 relative). `x <= 0` and NaN
/// give `-745.0` (about `ln` of the smallest positive `f64`) instead of `-inf`.
pub fn ln(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return -745.0;
    }
    if x.is_infinite() {
        return f64::MAX;
    }
    // x = m · 2^e with m in [1, 2) (subnormals are scaled first).
    let (mut x, mut e) = (x, 0i64);
    if x < f64::MIN_POSITIVE {
        x *= (1u64 << 54) as f64;
        e -= 54;
    }
    let bits = x.to_bits();
    e += ((bits >> 52) & 0x7ff) as i64 - 1023;
    let mut m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
    if m > std::f64::consts::SQRT_2 {
        m /= 2.0;
        e += 1;
    }
    // ln m = 2·atanh(s), s = (m−1)/(m+1), |s| < 0.172.
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let mut term = s;
    let mut sum = 0.0;
    let mut k = 1.0;
    while k < 40.0 {
        sum += term / k;
        term *= s2;
        k += 2.0;
    }
    2.0 * sum + e as f64 * std::f64::consts::LN_2
}

// ---------------------------------------------------------------------------
// Scenario
// ---------------------------------------------------------------------------

/// A period during which an Action (or the login script) gets slower, e.g. because
/// the API it calls is slow.
#[derive(Debug, Clone, PartialEq)]
pub struct Slowdown {
    /// Seconds after the scenario start.
    pub from_s: f64,
    pub to_s: f64,
    /// The extra time at the plateau of the slowdown.
    pub extra_ms: u32,
}

impl Slowdown {
    /// The extra time for a run that starts `t_s` seconds after the scenario start:
    /// a trapezoid that ramps up over the first quarter of the window (at most
    /// 45 s), holds `extra_ms`, and ramps down over the last quarter.
    pub fn extra_at(&self, t_s: f64) -> f64 {
        if !(t_s >= self.from_s && t_s < self.to_s) {
            return 0.0;
        }
        let ramp = ((self.to_s - self.from_s) / 4.0).min(45.0);
        let up = (t_s - self.from_s) / ramp;
        let down = (self.to_s - t_s) / ramp;
        f64::from(self.extra_ms) * up.min(down).min(1.0)
    }
}

/// A period during which runs of an Action may land on a fresh container whose
/// boot dominates the request (the "high runtime boot duration" KB article).
#[derive(Debug, Clone, PartialEq)]
pub struct ColdStart {
    pub from_s: f64,
    pub to_s: f64,
    /// Probability that a run inside the window boots a fresh container.
    pub chance: f64,
    /// Typical boot time of a fresh container (varied by ±20 %).
    pub boot_ms: u32,
}

/// One post-login Action. Actions run one after the other for each login.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionSpec {
    pub name: String,
    /// Code time of a normal run.
    pub base_ms: u32,
    /// Uniform extra code time, `0..=jitter_ms`.
    pub jitter_ms: u32,
    /// Boot time of a warm container.
    pub boot_ms: u32,
    pub slow: Vec<Slowdown>,
    pub cold_start: Option<ColdStart>,
}

impl ActionSpec {
    pub fn new(name: &str, base_ms: u32, jitter_ms: u32) -> Self {
        ActionSpec {
            name: name.to_owned(),
            base_ms,
            jitter_ms,
            boot_ms: 2,
            slow: Vec::new(),
            cold_start: None,
        }
    }
}

/// A Custom Database login script. It runs before the Actions and holds the same
/// slot; past [`WEBTASK_TIMEOUT_MS`] the login fails with [`WEBTASK_TIMEOUT_TEXT`].
#[derive(Debug, Clone, PartialEq)]
pub struct ScriptSpec {
    /// Reported as the culprit in [`Truth::culprits`].
    pub name: String,
    /// The custom database connection's name (written as `connection`).
    pub connection: String,
    pub base_ms: u32,
    pub jitter_ms: u32,
    pub slow: Vec<Slowdown>,
}

/// Everything the generator needs; same scenario, same bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub seed: u64,
    /// Epoch milliseconds (UTC) of the first instant.
    pub start_ms: i64,
    pub duration_ms: i64,
    /// Mean login arrivals per second (Poisson).
    pub logins_per_s: f64,
    /// The tenant's extensibility concurrency limit.
    pub limit: u32,
    /// Size of the user pool.
    pub users: u32,
    /// Post-login Actions, in the order they run.
    pub actions: Vec<ActionSpec>,
    pub custom_db: Option<ScriptSpec>,
    /// Fraction of successful logins followed by a `seacft` code exchange.
    pub code_exchange: f64,
    /// `fp` (wrong password) events per login, on average.
    pub wrong_password: f64,
    /// `slo` (logout) events per login, on average.
    pub logout: f64,
    /// Stop writing once the output text reaches this many bytes (benchmarks).
    pub max_bytes: Option<usize>,
}

impl Scenario {
    /// The built-in sample: 15 minutes of a tenant with limit 50 and about four
    /// logins a second. A fast `add-roles` Action and an `enrich-profile` Action
    /// that calls a CRM API. From 5:00 to 9:00 the CRM slows down (up to ~16.5 s
    /// per call), requests pile up past the limit and logins fail with
    /// `resource_exhausted`; then it recovers.
    pub fn sample_incident() -> Self {
        let mut enrich = ActionSpec::new("enrich-profile", 220, 180);
        enrich.boot_ms = 3;
        enrich.slow.push(Slowdown { from_s: 300.0, to_s: 540.0, extra_ms: 16_500 });
        Scenario {
            seed: 0x1F11_6487_2024_0514,
            // 2024-05-14T08:45:00.000Z
            start_ms: 1_715_676_300_000,
            duration_ms: 15 * 60_000,
            logins_per_s: 4.0,
            limit: 50,
            users: 1500,
            actions: vec![ActionSpec::new("add-roles", 35, 30), enrich],
            custom_db: None,
            code_exchange: 0.5,
            wrong_password: 0.02,
            logout: 0.03,
            max_bytes: None,
        }
    }

    /// The sample tenant on a good day: same traffic, nothing slow.
    pub fn no_incident() -> Self {
        let mut s = Self::sample_incident();
        s.seed ^= 0x5EED_0001;
        for a in &mut s.actions {
            a.slow.clear();
            a.cold_start = None;
        }
        s
    }

    /// Two incidents with different culprits: `enrich-profile` (CRM) from 2:30 to
    /// 5:30, then `add-roles` (its roles API) from 10:00 to 13:00.
    pub fn two_culprits() -> Self {
        let mut s = Self::sample_incident();
        s.seed ^= 0x5EED_0002;
        s.actions[0].slow.push(Slowdown { from_s: 600.0, to_s: 780.0, extra_ms: 17_000 });
        s.actions[1].slow = vec![Slowdown { from_s: 150.0, to_s: 330.0, extra_ms: 16_500 }];
        s
    }

    /// Logins through a Custom Database connection whose login script slows down
    /// past the 20 s Webtask limit from 4:00 to 8:00: Webtask timeouts, and
    /// `resource_exhausted` as the timed-out scripts hold their slots.
    pub fn slow_custom_db() -> Self {
        let mut s = Self::sample_incident();
        s.seed ^= 0x5EED_0003;
        s.actions[1].slow.clear();
        s.custom_db = Some(ScriptSpec {
            name: "legacy-users login script".to_owned(),
            connection: "legacy-users".to_owned(),
            base_ms: 180,
            jitter_ms: 120,
            slow: vec![Slowdown { from_s: 240.0, to_s: 480.0, extra_ms: 21_500 }],
        });
        s
    }

    /// From 5:00 to 8:00 most runs of `enrich-profile` land on fresh containers
    /// that boot for ~17 s: `boot_duration_ms` dominates the stats.
    pub fn cold_starts() -> Self {
        let mut s = Self::sample_incident();
        s.seed ^= 0x5EED_0004;
        s.actions[1].slow.clear();
        s.actions[1].cold_start =
            Some(ColdStart { from_s: 300.0, to_s: 480.0, chance: 0.85, boot_ms: 17_000 });
        s
    }

    /// The sample incident, compressed in time (below one sample's size) or repeated
    /// back to back (above it), writing about `target_bytes` of output: writing
    /// stops at the first event that reaches the target.
    pub fn sized(target_bytes: usize) -> Self {
        let base = Self::sample_incident();
        let base_bytes = generate(&base, Format::Ndjson).text.len().max(1);
        // 15 % more simulated time than the bytes need, so the cut is what ends it.
        let periods = target_bytes as f64 / base_bytes as f64 * 1.15;
        let mut s = base.clone();
        s.max_bytes = Some(target_bytes);
        if periods <= 1.0 {
            let f = periods.max(0.02);
            s.duration_ms = (base.duration_ms as f64 * f) as i64;
            for a in &mut s.actions {
                for w in &mut a.slow {
                    w.from_s *= f;
                    w.to_s *= f;
                }
            }
        } else {
            let n = periods.ceil() as i64;
            let period_s = base.duration_ms as f64 / 1000.0;
            s.duration_ms = base.duration_ms * n;
            for (a, b) in s.actions.iter_mut().zip(&base.actions) {
                a.slow = (0..n)
                    .flat_map(|k| {
                        b.slow.iter().map(move |w| Slowdown {
                            from_s: w.from_s + k as f64 * period_s,
                            to_s: w.to_s + k as f64 * period_s,
                            extra_ms: w.extra_ms,
                        })
                    })
                    .collect();
            }
            s.users = base.users.saturating_mul(n.min(50) as u32);
        }
        s
    }
}

// ---------------------------------------------------------------------------
// Output types
// ---------------------------------------------------------------------------

/// The container shape of [`Incident::text`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON array of events (Management API `GET /api/v2/logs`), one per line.
    JsonArray,
    /// One event per line.
    Ndjson,
    /// One log-stream envelope `{"log_id": …, "data": {…}}` per line.
    LogStreamNdjson,
}

/// What really happened in a generated incident.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Truth {
    /// Events written (all types).
    pub events: usize,
    /// `resource_exhausted` failures written.
    pub breaches: usize,
    /// First and last breach (epoch ms) of each cluster; clusters are split by gaps
    /// over [`WINDOW_GAP_MS`].
    pub windows: Vec<(i64, i64)>,
    /// Per window, the Action (or login script) that was made slow; `"(none)"` when
    /// no slowdown or cold start overlaps the window.
    pub culprits: Vec<String>,
    pub limit: u32,
    /// The most requests in flight at once (never above `limit`).
    pub peak_inflight: u32,
    /// Logins that failed with [`WEBTASK_TIMEOUT_TEXT`].
    pub timeouts: usize,
    /// Execution objects written to [`Incident::executions_json`].
    pub executions: usize,
}

/// A generated incident: the log text, the Action execution objects, the truth.
#[derive(Debug, Clone)]
pub struct Incident {
    pub text: String,
    /// A JSON array of execution objects, one per line, in `log` order.
    pub executions_json: String,
    pub truth: Truth,
}

/// The built-in sample incident as NDJSON (deterministic).
pub fn sample_incident_ndjson() -> String {
    generate(&Scenario::sample_incident(), Format::Ndjson).text
}

// ---------------------------------------------------------------------------
// Simulation
// ---------------------------------------------------------------------------

struct User {
    id: String,
    email: String,
    ip: String,
    agent: usize,
    logins: u32,
}

const AGENTS: [(&str, bool); 6] = [
    ("Chrome 120.0.0 / Mac OS X 10.15.7", false),
    ("Firefox 121.0.0 / Windows 10.0.0", false),
    ("Edge 120.0.0 / Windows 10.0.0", false),
    ("Safari 17.2.1 / Mac OS X 10.15.7", false),
    ("Mobile Safari 17.2.0 / iOS 17.2.1", true),
    ("Chrome Mobile 120.0.6099 / Android 10.0.0", true),
];

const FIRST: [&str; 16] = [
    "alex", "maria", "sam", "li", "noah", "fatima", "jonas", "priya", "omar", "elena", "kenji",
    "ana", "tom", "zoe", "ravi", "ines",
];
const LAST: [&str; 16] = [
    "smith", "garcia", "chen", "novak", "okafor", "schmidt", "silva", "kowalski", "haddad",
    "tanaka", "martin", "rossi", "johansson", "kaur", "dubois", "moreau",
];

fn users(seed: u64, n: u32) -> Vec<User> {
    (0..n.max(1))
        .map(|i| {
            let mut r = SplitMix64::stream(seed, 1, u64::from(i));
            let first = FIRST[r.below(16) as usize];
            let last = LAST[r.below(16) as usize];
            let domain = if r.chance(0.7) { "example.com" } else { "example.org" };
            let ip = if r.chance(0.06) {
                format!("2001:db8:{:x}:{:x}::{:x}", r.below(0x10000), r.below(0x10000), r.range(1, 0xfffe))
            } else {
                let net = ["192.0.2", "198.51.100", "203.0.113"][r.below(3) as usize];
                format!("{net}.{}", r.range(1, 254))
            };
            let mut id = String::from("auth0|");
            push_hex(&mut id, &mut r, 24);
            User {
                id,
                email: format!("{first}.{last}{}@{domain}", i + 1),
                ip,
                agent: r.below(AGENTS.len() as u64) as usize,
                logins: r.range(1, 180),
            }
        })
        .collect()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Success,
    Timeout,
    Exhausted,
}

/// The seed's timing object, integer milliseconds.
#[derive(Clone, Copy, Default)]
struct Timing {
    total_request: i64,
    total_runtime: i64,
    processing: i64,
    action: i64,
    external: i64,
    boot: i64,
    network: i64,
}

struct Login {
    user: u32,
    arrival: i64,
    outcome: Outcome,
    script_ms: i64,
    timing: Option<Timing>,
    exec: Option<u32>,
    inflight: u32,
}

struct Run {
    action: u16,
    start: i64,
    end: i64,
    timed_out: bool,
}

struct Exec {
    id: String,
    created: i64,
    updated: i64,
    runs: Vec<Run>,
}

#[derive(Clone, Copy)]
enum Kind {
    Login(u32),
    Exchange(u32),
    WrongPassword(u32),
    Logout(u32),
}

struct Rec {
    t: i64,
    seq: u32,
    kind: Kind,
}

struct Sim {
    logins: Vec<Login>,
    execs: Vec<Exec>,
    recs: Vec<Rec>,
}

fn ms(s: f64) -> i64 {
    (s * 1000.0).round() as i64
}

fn simulate(s: &Scenario, users: &[User]) -> Sim {
    let mut arrivals = SplitMix64::stream(s.seed, 2, 0);
    let mut work = SplitMix64::stream(s.seed, 3, 0);
    let mut noise = SplitMix64::stream(s.seed, 4, 0);
    let mut sim = Sim { logins: Vec::new(), execs: Vec::new(), recs: Vec::new() };
    let mut heap: BinaryHeap<Reverse<i64>> = BinaryHeap::new();
    let end_ms = s.start_ms + s.duration_ms;
    let limit = s.limit as usize;
    let nusers = users.len() as u64;
    let rate = s.logins_per_s.max(1e-9);
    let mut seq = 0u32;
    let mut next_seq = || {
        seq += 1;
        seq
    };

    let mut t_s = 0.0;
    loop {
        t_s += arrivals.exp(1.0 / rate);
        let a = s.start_ms + ms(t_s);
        if a >= end_ms {
            break;
        }
        while heap.peek().is_some_and(|Reverse(e)| *e <= a) {
            heap.pop();
        }
        let user = work.below(nusers) as u32;
        let idx = sim.logins.len() as u32;
        if heap.len() >= limit {
            sim.logins.push(Login {
                user,
                arrival: a,
                outcome: Outcome::Exhausted,
                script_ms: 0,
                timing: None,
                exec: None,
                inflight: heap.len() as u32,
            });
            sim.recs.push(Rec { t: a, seq: next_seq(), kind: Kind::Login(idx) });
            continue;
        }
        let (login, exec) = run_login(s, &mut work, user, a, idx);
        let end = a + match login.outcome {
            Outcome::Timeout => WEBTASK_TIMEOUT_MS,
            _ => login.script_ms + login.timing.map_or(0, |t| t.total_request),
        };
        heap.push(Reverse(end));
        let mut login = login;
        login.inflight = heap.len() as u32;
        login.exec = exec.map(|e| {
            sim.execs.push(e);
            sim.execs.len() as u32 - 1
        });
        let ok = login.outcome == Outcome::Success;
        sim.logins.push(login);
        sim.recs.push(Rec { t: end, seq: next_seq(), kind: Kind::Login(idx) });
        if ok && work.chance(s.code_exchange) {
            let t = end + i64::from(work.range(120, 900));
            sim.recs.push(Rec { t, seq: next_seq(), kind: Kind::Exchange(idx) });
        }
    }

    // Background events that never touch extensibility.
    for (p, is_fp) in [(s.wrong_password, true), (s.logout, false)] {
        if p <= 0.0 {
            continue;
        }
        let mut t_s = 0.0;
        loop {
            t_s += noise.exp(1.0 / (rate * p));
            let t = s.start_ms + ms(t_s);
            if t >= end_ms {
                break;
            }
            let user = noise.below(nusers) as u32;
            let kind = if is_fp { Kind::WrongPassword(user) } else { Kind::Logout(user) };
            sim.recs.push(Rec { t, seq: next_seq(), kind });
        }
    }
    sim.recs.sort_unstable_by_key(|r| (r.t, r.seq));
    sim
}

/// Runs the login script and the Actions of one admitted login.
fn run_login(s: &Scenario, r: &mut SplitMix64, user: u32, a: i64, idx: u32) -> (Login, Option<Exec>) {
    let since_start = |t: i64| (t - s.start_ms) as f64 / 1000.0;
    let mut login = Login {
        user,
        arrival: a,
        outcome: Outcome::Success,
        script_ms: 0,
        timing: None,
        exec: None,
        inflight: 0,
    };
    if let Some(db) = &s.custom_db {
        let extra: f64 = db.slow.iter().map(|w| w.extra_at(since_start(a))).sum();
        let d = f64::from(db.base_ms) + f64::from(db.jitter_ms) * r.unit() + extra * (0.9 + 0.2 * r.unit());
        login.script_ms = d.round() as i64;
        if login.script_ms > WEBTASK_TIMEOUT_MS {
            login.outcome = Outcome::Timeout;
            return (login, None);
        }
    }
    if s.actions.is_empty() {
        return (login, None);
    }
    let created = a + login.script_ms;
    let network = i64::from(r.range(6, 24));
    let external = if r.chance(0.03) { i64::from(r.range(40, 400)) } else { 0 };
    let processing = i64::from(r.range(1, 3)) * s.actions.len() as i64;
    let (mut boot, mut code) = (0i64, 0i64);
    let mut t = created + network / 2 + external;
    let mut runs = Vec::with_capacity(s.actions.len());
    for (i, spec) in s.actions.iter().enumerate() {
        let at = since_start(t);
        let mut b = i64::from(spec.boot_ms);
        if let Some(c) = &spec.cold_start {
            if at >= c.from_s && at < c.to_s && r.chance(c.chance) {
                b += (f64::from(c.boot_ms) * (0.8 + 0.4 * r.unit())).round() as i64;
            }
        }
        let extra: f64 = spec.slow.iter().map(|w| w.extra_at(at)).sum();
        let c = (f64::from(spec.base_ms)
            + f64::from(spec.jitter_ms) * r.unit()
            + extra * (0.9 + 0.2 * r.unit()))
        .round() as i64;
        runs.push(Run { action: i as u16, start: t, end: t + b + c, timed_out: false });
        t += b + c;
        boot += b;
        code += c;
    }
    let mut timing = Timing {
        total_request: boot + network + processing + code + external,
        total_runtime: 0,
        processing,
        action: code,
        external,
        boot,
        network,
    };
    let budget = WEBTASK_TIMEOUT_MS - login.script_ms;
    if timing.total_request > budget {
        // The Action running at the cut is stopped there; the rest never ran.
        let cut = a + WEBTASK_TIMEOUT_MS;
        runs.retain(|run| run.start < cut);
        if let Some(last) = runs.last_mut() {
            last.end = last.end.min(cut);
            last.timed_out = true;
        }
        timing.total_request = budget;
        timing.action = (budget - boot - network - processing - external).max(0);
        timing.boot = boot.min(budget - timing.action - network - processing - external).max(0);
        login.outcome = Outcome::Timeout;
    }
    timing.total_runtime = timing.total_request - timing.network;
    login.timing = Some(timing);
    let updated = created + timing.total_request;
    let mut ir = SplitMix64::stream(s.seed, 5, u64::from(idx));
    let exec = Exec { id: uuid(&mut ir), created, updated, runs };
    (login, Some(exec))
}

// ---------------------------------------------------------------------------
// Generation and ground truth
// ---------------------------------------------------------------------------

/// Simulates the scenario and writes its events in `f`, with the execution objects
/// and the ground truth.
pub fn generate(s: &Scenario, f: Format) -> Incident {
    let mut users = users(s.seed, s.users);
    let sim = simulate(s, &users);
    let ctx = Ctx::new(s);
    let max = s.max_bytes.unwrap_or(usize::MAX);

    let mut text = String::with_capacity(estimate(s, max));
    let mut execs = String::from("[");
    let mut ev = String::with_capacity(4096);
    let mut log_id = String::with_capacity(56);
    let mut truth = Truth {
        events: 0,
        breaches: 0,
        windows: Vec::new(),
        culprits: Vec::new(),
        limit: s.limit,
        peak_inflight: 0,
        timeouts: 0,
        executions: 0,
    };
    let mut breach_times = Vec::new();
    if f == Format::JsonArray {
        text.push_str("[\n");
    }
    for (n, rec) in sim.recs.iter().enumerate() {
        if text.len() >= max {
            break;
        }
        ev.clear();
        log_id.clear();
        push_log_id(&mut log_id, s.seed, rec.t, n as u64);
        write_event(&mut ev, &ctx, &sim, &mut users, rec, &log_id);
        match f {
            Format::JsonArray => {
                if n > 0 {
                    text.push_str(",\n");
                }
                text.push_str(&ev);
            }
            Format::Ndjson => {
                text.push_str(&ev);
                text.push('\n');
            }
            Format::LogStreamNdjson => {
                text.push_str("{\"log_id\":\"");
                text.push_str(&log_id);
                text.push_str("\",\"data\":");
                text.push_str(&ev);
                text.push_str("}\n");
            }
        }
        truth.events += 1;
        if let Kind::Login(i) = rec.kind {
            let l = &sim.logins[i as usize];
            truth.peak_inflight = truth.peak_inflight.max(l.inflight);
            match l.outcome {
                Outcome::Exhausted => {
                    truth.breaches += 1;
                    breach_times.push(rec.t);
                }
                Outcome::Timeout => truth.timeouts += 1,
                Outcome::Success => {}
            }
            if let Some(e) = l.exec {
                if truth.executions > 0 {
                    execs.push(',');
                }
                execs.push('\n');
                write_exec(&mut execs, s, &sim.execs[e as usize]);
                truth.executions += 1;
            }
        }
    }
    if f == Format::JsonArray {
        text.push_str("\n]\n");
    }
    execs.push_str("\n]\n");
    truth.windows = windows(&breach_times);
    truth.culprits = truth.windows.iter().map(|w| culprit(s, *w)).collect();
    Incident { text, executions_json: execs, truth }
}

fn estimate(s: &Scenario, max: usize) -> usize {
    let events = s.logins_per_s * (s.duration_ms as f64 / 1000.0) * (1.6 + s.wrong_password + s.logout);
    ((events * 1500.0) as usize).min(max.saturating_add(8192))
}

/// Clusters sorted breach times: a gap over [`WINDOW_GAP_MS`] starts a new window.
fn windows(times: &[i64]) -> Vec<(i64, i64)> {
    let mut out: Vec<(i64, i64)> = Vec::new();
    for &t in times {
        match out.last_mut() {
            Some(w) if t - w.1 <= WINDOW_GAP_MS => w.1 = t,
            _ => out.push((t, t)),
        }
    }
    out
}

/// The slowness that overlaps a breach window the most (weighted by its size):
/// slowdowns and cold starts of Actions, and slowdowns of the login script. A
/// slowdown's effect lasts up to [`WEBTASK_TIMEOUT_MS`] past its end, while the
/// slow requests it started still hold their slots.
fn culprit(s: &Scenario, w: (i64, i64)) -> String {
    let abs = |sec: f64| s.start_ms + ms(sec);
    let mut periods: Vec<(&str, i64, i64, f64)> = Vec::new();
    for a in &s.actions {
        for sl in &a.slow {
            periods.push((&a.name, abs(sl.from_s), abs(sl.to_s), f64::from(sl.extra_ms)));
        }
        if let Some(c) = &a.cold_start {
            periods.push((&a.name, abs(c.from_s), abs(c.to_s), f64::from(c.boot_ms) * c.chance));
        }
    }
    if let Some(db) = &s.custom_db {
        for sl in &db.slow {
            periods.push((&db.name, abs(sl.from_s), abs(sl.to_s), f64::from(sl.extra_ms)));
        }
    }
    let mut best: Option<(&str, f64)> = None;
    for (name, from, to, weight) in periods {
        let overlap = (to + WEBTASK_TIMEOUT_MS).min(w.1) - from.max(w.0);
        if overlap < 0 {
            continue;
        }
        let score = weight * (overlap + 1) as f64;
        if best.is_none_or(|(_, b)| score > b) {
            best = Some((name, score));
        }
    }
    best.map_or_else(|| "(none)".to_owned(), |(n, _)| n.to_owned())
}

// ---------------------------------------------------------------------------
// Writing events
// ---------------------------------------------------------------------------

struct Client {
    id: String,
    name: &'static str,
}

struct Ctx<'a> {
    s: &'a Scenario,
    clients: [Client; 2],
    connection: &'a str,
    connection_id: String,
    redirect: &'static str,
}

impl<'a> Ctx<'a> {
    fn new(s: &'a Scenario) -> Self {
        let mut r = SplitMix64::stream(s.seed, 6, 0);
        let mut client = |name| {
            let mut id = String::new();
            push_alnum(&mut id, &mut r, 32);
            Client { id, name }
        };
        let clients = [client("Inflight Demo Web"), client("Inflight Demo iOS")];
        let mut connection_id = String::from("con_");
        push_alnum(&mut connection_id, &mut r, 16);
        Ctx {
            s,
            clients,
            connection: s.custom_db.as_ref().map_or(DEFAULT_CONNECTION, |d| d.connection.as_str()),
            connection_id,
            redirect: "https://app.inflight-demo.example.com/callback",
        }
    }
}

fn write_event(o: &mut String, ctx: &Ctx, sim: &Sim, users: &mut [User], rec: &Rec, log_id: &str) {
    let (user_idx, salt, idx) = match rec.kind {
        Kind::Login(i) => (sim.logins[i as usize].user, 10, i),
        Kind::Exchange(i) => (sim.logins[i as usize].user, 11, i),
        Kind::WrongPassword(u) => (u, 12, rec.seq),
        Kind::Logout(u) => (u, 13, rec.seq),
    };
    // Per-event randomness: depends on the event, not on what was written before.
    let mut r = SplitMix64::stream(ctx.s.seed, salt, u64::from(idx));
    let user = &users[user_idx as usize];
    let (agent, mobile) = AGENTS[user.agent];
    let client = &ctx.clients[usize::from(mobile)];
    let login = match rec.kind {
        Kind::Login(i) => Some(&sim.logins[i as usize]),
        _ => None,
    };
    let (type_code, description) = match (rec.kind, login.map(|l| l.outcome)) {
        (_, Some(Outcome::Success)) => ("s", ""),
        (_, Some(Outcome::Exhausted)) => ("f", "resource_exhausted"),
        (_, Some(Outcome::Timeout)) => ("f", WEBTASK_TIMEOUT_TEXT),
        (Kind::Exchange(_), _) => ("seacft", ""),
        (Kind::WrongPassword(_), _) => ("fp", "Wrong email or password."),
        _ => ("slo", ""),
    };
    let is_exchange = type_code == "seacft";
    let connection = if is_exchange { "" } else { ctx.connection };
    let connection_id = match (type_code, description) {
        ("seacft", _) | (_, "resource_exhausted") => "",
        _ => ctx.connection_id.as_str(),
    };

    o.push_str("{\"date\":\"");
    push_date(o, rec.t);
    o.push('"');
    kv(o, "type", type_code);
    kv(o, "description", description);
    kv(o, "connection", connection);
    kv(o, "connection_id", connection_id);
    kv(o, "client_id", &client.id);
    kv(o, "client_name", client.name);
    kv(o, "ip", &user.ip);
    kv(o, "user_agent", agent);
    o.push_str(",\"details\":{");
    match (type_code, login) {
        ("s", Some(l)) => details_success(o, ctx, sim, user, l, &mut r),
        ("f", Some(l)) => details_failure(o, ctx, sim, user, l, description, &mut r),
        ("fp", _) => {
            o.push_str("\"error\":{\"message\":\"Wrong email or password.\"}");
            push_risk(o, user, &mut r, "medium");
        }
        ("seacft", _) => {
            o.push_str("\"code\":\"******************************************");
            push_alnum(o, &mut r, 3);
            o.push('"');
        }
        _ => {
            let url = "https://app.inflight-demo.example.com/";
            o.push_str("\"return_to\":\"");
            o.push_str(url);
            o.push_str("\",\"allowed_logout_url\":[\"");
            o.push_str(url);
            o.push_str("\"],\"session_id\":\"");
            push_alnum(o, &mut r, 32);
            o.push('"');
        }
    }
    o.push('}');
    kv(o, "hostname", HOSTNAME);
    kv(o, "user_id", &user.id);
    kv(o, "user_name", &user.email);
    if !is_exchange && type_code != "slo" {
        kv(o, "strategy", "auth0");
        kv(o, "strategy_type", "database");
    }
    match type_code {
        "slo" => {}
        "seacft" => {
            kv(o, "audience", AUDIENCE);
            kv(o, "scope", "openid profile email offline_access");
        }
        _ => {
            kv(o, "audience", AUDIENCE);
            o.push_str(",\"scope\":[\"openid\",\"profile\",\"email\"]");
        }
    }
    kv(o, "log_id", log_id);
    kv(o, "tenant_name", TENANT);
    kv(o, "_id", log_id);
    o.push_str(if mobile { ",\"isMobile\":true}" } else { ",\"isMobile\":false}" });
    if type_code == "s" {
        users[user_idx as usize].logins += 1;
    }
}

fn details_success(o: &mut String, ctx: &Ctx, sim: &Sim, user: &User, l: &Login, r: &mut SplitMix64) {
    let end = l.arrival + l.script_ms + l.timing.map_or(0, |t| t.total_request);
    // The user spent a few seconds on the login page before the request arrived.
    let initiated = l.arrival - i64::from(r.range(3_000, 25_000));
    o.push_str("\"prompts\":[{\"name\":\"prompt-authenticate\",\"completedAt\":");
    push_int(o, l.arrival + l.script_ms);
    kv(o, "connection", ctx.connection);
    kv(o, "connection_id", &ctx.connection_id);
    o.push_str(",\"strategy\":\"auth0\",\"identity\":\"");
    o.push_str(user.id.trim_start_matches("auth0|"));
    o.push_str("\",\"stats\":{\"loginsCount\":");
    push_int(o, i64::from(user.logins + 1));
    o.push_str("},\"elapsedTime\":null},{\"name\":\"login\",\"flow\":\"universal-login\",\"initiatedAt\":");
    push_int(o, initiated + 2);
    o.push_str(",\"completedAt\":");
    push_int(o, end);
    kv(o, "user_id", &user.id);
    kv(o, "user_name", &user.email);
    o.push_str(",\"timers\":{\"rules\":0},\"elapsedTime\":");
    push_int(o, end - initiated - 2);
    o.push_str("}],\"initiatedAt\":");
    push_int(o, initiated);
    o.push_str(",\"completedAt\":");
    push_int(o, end);
    o.push_str(",\"elapsedTime\":");
    push_int(o, end - initiated);
    o.push_str(",\"session_id\":\"");
    push_alnum(o, r, 32);
    o.push('"');
    push_risk(o, user, r, "low");
    push_actions(o, sim, l);
}

fn details_failure(
    o: &mut String,
    ctx: &Ctx,
    sim: &Sim,
    user: &User,
    l: &Login,
    message: &str,
    r: &mut SplitMix64,
) {
    o.push_str("\"body\":{},\"qs\":{\"client_id\":\"");
    let (_, mobile) = AGENTS[user.agent];
    o.push_str(&ctx.clients[usize::from(mobile)].id);
    o.push_str("\",\"redirect_uri\":\"");
    o.push_str(ctx.redirect);
    o.push_str("\",\"response_type\":\"code\",\"response_mode\":\"query\",\"scope\":\"openid profile email\",\"audience\":\"");
    o.push_str(AUDIENCE);
    o.push_str("\",\"state\":\"");
    push_b64url(o, r, 43);
    o.push_str("\",\"nonce\":\"");
    push_b64url(o, r, 43);
    o.push_str("\",\"code_challenge\":\"");
    push_b64url(o, r, 43);
    o.push_str("\",\"code_challenge_method\":\"S256\"");
    kv(o, "login_hint", &user.email);
    o.push_str("},\"error\":{");
    o.push_str("\"message\":");
    push_json_str(o, message);
    o.push_str(",\"oauthError\":\"access_denied\",\"type\":\"oauth-authorization\"}");
    push_risk(o, user, r, "low");
    o.push_str(",\"session_id\":\"");
    push_alnum(o, r, 32);
    o.push('"');
    if l.outcome == Outcome::Exhausted || l.timing.is_none() {
        o.push_str(",\"stats\":{\"loginsCount\":");
        push_int(o, i64::from(user.logins));
        o.push('}');
        if l.outcome == Outcome::Exhausted || !ctx.s.actions.is_empty() {
            o.push_str(",\"actions\":{\"executions\":[]}");
        }
    } else {
        push_actions(o, sim, l);
    }
}

/// `details.actions` and the seed's `details.stats`.
fn push_actions(o: &mut String, sim: &Sim, l: &Login) {
    o.push_str(",\"actions\":{\"executions\":[");
    if let Some(e) = l.exec {
        o.push('"');
        o.push_str(&sim.execs[e as usize].id);
        o.push('"');
    }
    o.push_str("]}");
    if let Some(t) = l.timing {
        for (i, (k, v)) in [
            ("total_request_duration_ms", t.total_request),
            ("total_runtime_execution_duration_ms", t.total_runtime),
            ("runtime_processing_duration_ms", t.processing),
            ("action_duration_ms", t.action),
            ("runtime_external_call_duration_ms", t.external),
            ("boot_duration_ms", t.boot),
            ("network_duration_ms", t.network),
        ]
        .into_iter()
        .enumerate()
        {
            o.push_str(if i == 0 { ",\"stats\":{\"" } else { ",\"" });
            o.push_str(k);
            o.push_str("\":");
            push_int(o, v);
        }
        o.push('}');
    }
}

fn push_risk(o: &mut String, user: &User, r: &mut SplitMix64, confidence: &str) {
    o.push_str(",\"riskAssessment\":{\"confidence\":\"");
    o.push_str(confidence);
    o.push_str("\",\"version\":\"1\",\"assessments\":{\"UntrustedIP\":{\"confidence\":\"low\",\"code\":\"not_found_on_deny_list\",\"details\":{\"ip\":\"");
    o.push_str(&user.ip);
    o.push_str("\",\"matches\":\"\",\"source\":\"\"}},\"NewDevice\":{\"confidence\":\"low\",\"code\":\"");
    o.push_str(if r.chance(0.9) { "match" } else { "no_match" });
    o.push_str("\",\"details\":{\"device\":\"known\",\"useragent\":\"known\"}},\"ImpossibleTravel\":{\"confidence\":\"low\",\"code\":\"impossible_travel_not_detected\"}}}");
}

fn write_exec(o: &mut String, s: &Scenario, e: &Exec) {
    o.push_str("{\"id\":\"");
    o.push_str(&e.id);
    o.push_str("\",\"trigger_id\":\"post-login\",\"status\":\"final\",\"results\":[");
    for (i, run) in e.runs.iter().enumerate() {
        if i > 0 {
            o.push(',');
        }
        o.push_str("{\"action_name\":");
        let name = s.actions.get(usize::from(run.action)).map_or("", |a| a.name.as_str());
        push_json_str(o, name);
        if run.timed_out {
            let mut r = SplitMix64::stream(s.seed, 7, run.start as u64);
            o.push_str(",\"error\":{\"id\":\"");
            o.push_str(&uuid(&mut r));
            o.push_str("\",\"msg\":\"Execution timeout\",\"url\":\"https://manage.auth0.com/#/logs\"}");
        }
        o.push_str(",\"started_at\":\"");
        push_date(o, run.start);
        o.push_str("\",\"ended_at\":\"");
        push_date(o, run.end);
        o.push_str("\"}");
    }
    o.push_str("],\"created_at\":\"");
    push_date(o, e.created);
    o.push_str("\",\"updated_at\":\"");
    push_date(o, e.updated);
    o.push_str("\"}");
}

// ---------------------------------------------------------------------------
// Small writers
// ---------------------------------------------------------------------------

/// `,"key":"value"` (the value escaped).
fn kv(o: &mut String, key: &str, value: &str) {
    o.push_str(",\"");
    o.push_str(key);
    o.push_str("\":");
    push_json_str(o, value);
}

fn push_json_str(o: &mut String, v: &str) {
    o.push('"');
    if v.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
        for c in v.chars() {
            match c {
                '"' => o.push_str("\\\""),
                '\\' => o.push_str("\\\\"),
                '\n' => o.push_str("\\n"),
                '\r' => o.push_str("\\r"),
                '\t' => o.push_str("\\t"),
                c if (c as u32) < 0x20 => {
                    o.push_str("\\u00");
                    o.push(HEX[(c as usize) >> 4] as char);
                    o.push(HEX[(c as usize) & 15] as char);
                }
                c => o.push(c),
            }
        }
    } else {
        o.push_str(v);
    }
    o.push('"');
}

fn push_int(o: &mut String, v: i64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut n = v.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if v < 0 {
        o.push('-');
    }
    for &b in &buf[i..] {
        o.push(b as char);
    }
}

/// `n` decimal digits of `v`, zero-padded (higher digits are dropped).
fn push_digits(o: &mut String, mut v: u64, n: usize) {
    let mut buf = [b'0'; 20];
    for slot in buf[..n.min(20)].iter_mut().rev() {
        *slot = b'0' + (v % 10) as u8;
        v /= 10;
    }
    for &b in &buf[..n.min(20)] {
        o.push(b as char);
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";
const ALNUM: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const B64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn push_hex(o: &mut String, r: &mut SplitMix64, n: usize) {
    for _ in 0..n {
        o.push(HEX[r.below(16) as usize] as char);
    }
}

fn push_alnum(o: &mut String, r: &mut SplitMix64, n: usize) {
    for _ in 0..n {
        o.push(ALNUM[r.below(62) as usize] as char);
    }
}

fn push_b64url(o: &mut String, r: &mut SplitMix64, n: usize) {
    for _ in 0..n {
        o.push(B64URL[r.below(64) as usize] as char);
    }
}

/// A version-4 UUID, lower-case hex.
fn uuid(r: &mut SplitMix64) -> String {
    let mut s = String::with_capacity(36);
    let (hi, lo) = (r.next_u64(), r.next_u64());
    let hi = (hi & !0xf000) | 0x4000;
    let lo = (lo & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
    let v = (u128::from(hi) << 64) | u128::from(lo);
    for i in 0..32 {
        if matches!(i, 8 | 12 | 16 | 20) {
            s.push('-');
        }
        s.push(HEX[((v >> (124 - 4 * i)) & 15) as usize] as char);
    }
    s
}

/// `900` + `YYYYMMDDhhmmss` + milliseconds + a 10-digit sequence number + 26
/// hash digits: 56 digits, unique, and increasing with time (and with `seq`).
fn push_log_id(o: &mut String, seed: u64, t: i64, seq: u64) {
    let (y, mo, d, h, mi, s, milli) = civil(t);
    o.push_str("900");
    push_digits(o, y as u64, 4);
    for v in [mo, d, h, mi, s] {
        push_digits(o, u64::from(v), 2);
    }
    push_digits(o, u64::from(milli), 3);
    push_digits(o, seq, 10);
    let mut r = SplitMix64::stream(seed, 8, seq);
    push_digits(o, r.next_u64() % 10_000_000_000_000, 13);
    push_digits(o, r.next_u64() % 10_000_000_000_000, 13);
}

/// `2024-05-14T08:45:00.000Z`.
fn push_date(o: &mut String, t: i64) {
    let (y, mo, d, h, mi, s, milli) = civil(t);
    push_digits(o, y.clamp(0, 9999) as u64, 4);
    o.push('-');
    push_digits(o, u64::from(mo), 2);
    o.push('-');
    push_digits(o, u64::from(d), 2);
    o.push('T');
    push_digits(o, u64::from(h), 2);
    o.push(':');
    push_digits(o, u64::from(mi), 2);
    o.push(':');
    push_digits(o, u64::from(s), 2);
    o.push('.');
    push_digits(o, u64::from(milli), 3);
    o.push('Z');
}

/// Epoch ms → (year, month, day, hour, minute, second, millisecond), UTC
/// (`model::civil`, as a tuple for the writers above).
fn civil(t: i64) -> (i64, u32, u32, u32, u32, u32, u32) {
    let c = crate::model::civil(t);
    (c.year, c.month.into(), c.day.into(), c.hour.into(), c.minute.into(), c.second.into(), c.milli.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn lines(text: &str) -> Vec<Value> {
        text.lines()
            .enumerate()
            .map(|(i, l)| serde_json::from_str(l).unwrap_or_else(|e| panic!("line {}: {e}: {l}", i + 1)))
            .collect()
    }

    fn time(v: &Value) -> i64 {
        let d = v["date"].as_str().expect("date");
        crate::model::parse_time(d).expect("parseable date")
    }

    #[test]
    fn ln_matches_the_platform_logarithm() {
        for x in [1e-300, 1e-9, 0.1, 0.5, 0.7, 1.0, 1.5, 2.0, 10.0, 12345.678, 1e300] {
            let (a, b) = (ln(x), x.ln());
            assert!((a - b).abs() <= 1e-13 * b.abs().max(1.0), "ln({x}) = {a}, expected {b}");
        }
        assert_eq!(ln(1.0), 0.0);
    }

    #[test]
    fn dates_match_the_model_formatter() {
        let mut r = SplitMix64::new(7);
        for t in [0, 951_782_400_000, 1_709_164_800_123, 1_715_676_300_000, 4_102_444_799_999]
            .into_iter()
            .chain((0..2000).map(|_| r.below(4_102_444_800_000) as i64))
        {
            let mut s = String::new();
            push_date(&mut s, t);
            assert_eq!(s, crate::model::format_time(t));
        }
    }

    #[test]
    fn same_seed_same_text_other_seed_other_text() {
        let s = Scenario::sample_incident();
        let a = generate(&s, Format::Ndjson);
        let b = generate(&s, Format::Ndjson);
        assert_eq!(a.text, b.text);
        assert_eq!(a.executions_json, b.executions_json);
        assert_eq!(a.truth, b.truth);
        assert_eq!(sample_incident_ndjson(), a.text);
        let mut other = s.clone();
        other.seed += 1;
        let c = generate(&other, Format::Ndjson);
        assert_ne!(a.text, c.text);
    }

    #[test]
    fn the_sample_is_a_real_incident() {
        let s = Scenario::sample_incident();
        let inc = generate(&s, Format::Ndjson);
        let t = &inc.truth;
        let evs = lines(&inc.text);
        assert_eq!(evs.len(), t.events);
        assert!((3000..10_000).contains(&t.events), "events {}", t.events);
        assert_eq!(t.limit, 50);
        assert_eq!(t.peak_inflight, 50);
        assert!(t.breaches > 50, "breaches {}", t.breaches);
        assert_eq!(t.windows.len(), 1, "{:?}", t.windows);
        assert_eq!(t.culprits, vec!["enrich-profile".to_string()]);

        let slow = &s.actions[1].slow[0];
        let (from, to) = (s.start_ms + ms(slow.from_s), s.start_ms + ms(slow.to_s));
        let mut breaches = 0;
        for e in &evs {
            if e["description"] == "resource_exhausted" {
                breaches += 1;
                let at = time(e);
                assert_eq!(e["type"], "f");
                assert_eq!(e["details"]["error"]["message"], "resource_exhausted");
                assert_eq!(e["details"]["error"]["oauthError"], "access_denied");
                assert_eq!(e["details"]["actions"]["executions"], serde_json::json!([]));
                assert!(t.windows.iter().any(|w| w.0 <= at && at <= w.1), "{at} outside windows");
                // Only while the slowdown (or the slow requests it started) is active.
                assert!(at > from && at < to + WEBTASK_TIMEOUT_MS, "breach at {at}, slowdown {from}..{to}");
            }
        }
        assert_eq!(breaches, t.breaches);
        // Recovery: nothing fails in the last third.
        let w = t.windows[0];
        assert!(w.1 < s.start_ms + s.duration_ms * 2 / 3);
    }

    #[test]
    fn reconstructed_inflight_respects_the_limit() {
        for s in [Scenario::sample_incident(), Scenario::two_culprits(), Scenario::cold_starts()] {
            let inc = generate(&s, Format::Ndjson);
            let mut steps = Vec::new();
            for e in lines(&inc.text) {
                let st = &e["details"]["stats"];
                if let Some(total) = st["total_request_duration_ms"].as_i64() {
                    let parts: i64 = [
                        "boot_duration_ms",
                        "network_duration_ms",
                        "runtime_processing_duration_ms",
                        "action_duration_ms",
                        "runtime_external_call_duration_ms",
                    ]
                    .iter()
                    .map(|k| st[*k].as_i64().expect("integer part"))
                    .sum();
                    assert_eq!(parts, total, "{st}");
                    assert_eq!(st["total_runtime_execution_duration_ms"].as_i64(), Some(total - st["network_duration_ms"].as_i64().unwrap_or(0)));
                    assert!(total <= WEBTASK_TIMEOUT_MS);
                    let end = time(&e);
                    steps.push((end - total, 1));
                    steps.push((end, -1));
                }
            }
            // Ends before starts at the same instant: the half-open convention.
            steps.sort();
            let (mut cur, mut peak) = (0i64, 0i64);
            for (_, d) in steps {
                cur += d;
                peak = peak.max(cur);
            }
            assert!(peak <= i64::from(s.limit), "peak {peak} over limit {}", s.limit);
            assert_eq!(peak, i64::from(inc.truth.peak_inflight), "reconstructed peak vs truth");
        }
    }

    #[test]
    fn events_look_like_management_api_output() {
        let inc = generate(&Scenario::sample_incident(), Format::JsonArray);
        let arr: Vec<Value> = serde_json::from_str(&inc.text).expect("a JSON array");
        assert_eq!(arr.len(), inc.truth.events);
        let mut ids = std::collections::HashSet::new();
        let mut prev = String::new();
        let mut counts = std::collections::BTreeMap::new();
        for e in &arr {
            let id = e["log_id"].as_str().expect("log_id string");
            assert_eq!(id.len(), 56);
            assert!(id.bytes().all(|b| b.is_ascii_digit()));
            assert_eq!(e["_id"].as_str(), Some(id));
            assert!(id > prev.as_str(), "log_id increasing");
            prev = id.to_owned();
            assert!(ids.insert(id.to_owned()));
            let date = e["date"].as_str().unwrap_or_default();
            assert!(date.starts_with("2024-") && date.ends_with('Z') && date.len() == 24, "{date}");
            let ip = e["ip"].as_str().unwrap_or_default();
            assert!(
                ["192.0.2.", "198.51.100.", "203.0.113.", "2001:db8:"].iter().any(|p| ip.starts_with(p)),
                "{ip}"
            );
            assert!(e["user_id"].as_str().is_some_and(|u| u.starts_with("auth0|") && u.len() == 30));
            let email = e["user_name"].as_str().unwrap_or_default();
            assert!(email.ends_with("@example.com") || email.ends_with("@example.org"));
            assert_eq!(e["hostname"], HOSTNAME);
            assert!(e["isMobile"].is_boolean());
            assert!(e["user_agent"].as_str().is_some_and(|u| u.contains(" / ")));
            let ty = e["type"].as_str().unwrap_or_default().to_owned();
            if ty == "f" {
                let qs = &e["details"]["qs"];
                assert_eq!(qs["login_hint"].as_str(), Some(email));
                assert!(qs["state"].is_string() && qs["nonce"].is_string() && qs["redirect_uri"].is_string());
                assert_eq!(e["details"]["riskAssessment"]["assessments"]["UntrustedIP"]["details"]["ip"], ip);
            }
            if ty == "s" {
                assert!(e["details"]["session_id"].is_string());
                assert_eq!(e["details"]["actions"]["executions"].as_array().map(Vec::len), Some(1));
            }
            *counts.entry(ty).or_insert(0usize) += 1;
        }
        for ty in ["s", "f", "seacft", "fp", "slo"] {
            assert!(counts.get(ty).copied().unwrap_or(0) > 0, "no {ty}: {counts:?}");
        }
        // The same user keeps the same email and ip.
        let mut by_user = std::collections::HashMap::new();
        for e in &arr {
            let key = e["user_id"].as_str().unwrap_or_default().to_owned();
            let val = (e["user_name"].clone(), e["ip"].clone());
            assert_eq!(by_user.entry(key).or_insert_with(|| val.clone()), &val);
        }
    }

    #[test]
    fn executions_join_the_successful_logins() {
        let s = Scenario::sample_incident();
        let inc = generate(&s, Format::LogStreamNdjson);
        let execs: Vec<Value> = serde_json::from_str(&inc.executions_json).expect("JSON array");
        assert_eq!(execs.len(), inc.truth.executions);
        let by_id: std::collections::HashMap<&str, &Value> =
            execs.iter().map(|x| (x["id"].as_str().expect("id"), x)).collect();
        let mut slow_seen = 0;
        for line in lines(&inc.text) {
            let e = &line["data"];
            assert_eq!(line["log_id"], e["log_id"]);
            if e["type"] != "s" {
                continue;
            }
            let id = e["details"]["actions"]["executions"][0].as_str().expect("execution id");
            let x = by_id.get(id).expect("execution object for every s");
            assert_eq!(x["trigger_id"], "post-login");
            assert_eq!(x["status"], "final");
            let results = x["results"].as_array().expect("results");
            assert_eq!(results.len(), 2);
            assert_eq!(results[0]["action_name"], "add-roles");
            assert_eq!(results[1]["action_name"], "enrich-profile");
            let span = |r: &Value| {
                let p = |k: &str| crate::model::parse_time(r[k].as_str().unwrap_or_default()).expect("time");
                p("ended_at") - p("started_at")
            };
            assert!(span(&results[0]) < 200);
            if span(&results[1]) > 5000 {
                slow_seen += 1;
            }
            assert_eq!(x["updated_at"], e["date"]);
        }
        assert!(slow_seen > 100, "slow enrich-profile runs: {slow_seen}");
    }

    #[test]
    fn other_presets_have_the_expected_truth() {
        let none = generate(&Scenario::no_incident(), Format::Ndjson).truth;
        assert_eq!(none.breaches, 0);
        assert!(none.windows.is_empty());
        assert!(none.peak_inflight < 25, "peak {}", none.peak_inflight);

        let two = generate(&Scenario::two_culprits(), Format::Ndjson).truth;
        assert_eq!(two.windows.len(), 2, "{:?}", two.windows);
        assert_eq!(two.culprits, vec!["enrich-profile".to_string(), "add-roles".to_string()]);

        let cold = generate(&Scenario::cold_starts(), Format::Ndjson);
        assert!(cold.truth.breaches > 0);
        assert_eq!(cold.truth.culprits, vec!["enrich-profile".to_string()]);
        let boot_heavy = lines(&cold.text)
            .iter()
            .filter(|e| {
                let st = &e["details"]["stats"];
                st["boot_duration_ms"].as_i64().unwrap_or(0) * 2 > st["total_request_duration_ms"].as_i64().unwrap_or(i64::MAX)
            })
            .count();
        assert!(boot_heavy > 100, "boot-dominated requests: {boot_heavy}");

        let db = generate(&Scenario::slow_custom_db(), Format::Ndjson);
        assert!(db.truth.timeouts > 50, "timeouts {}", db.truth.timeouts);
        assert!(db.truth.breaches > 0);
        assert_eq!(db.truth.culprits, vec!["legacy-users login script".to_string()]);
        let evs = lines(&db.text);
        let timeouts = evs.iter().filter(|e| e["description"] == WEBTASK_TIMEOUT_TEXT).count();
        assert_eq!(timeouts, db.truth.timeouts);
        assert!(evs.iter().all(|e| e["type"] == "seacft" || e["connection"] == "legacy-users"));
    }

    #[test]
    fn every_format_parses_and_agrees() {
        let s = Scenario::two_culprits();
        let nd = generate(&s, Format::Ndjson);
        let ls = generate(&s, Format::LogStreamNdjson);
        let arr = generate(&s, Format::JsonArray);
        let a: Vec<Value> = serde_json::from_str(&arr.text).expect("array");
        let n = lines(&nd.text);
        let l: Vec<Value> = lines(&ls.text).into_iter().map(|v| v["data"].clone()).collect();
        assert_eq!(a, n);
        assert_eq!(l, n);
        assert_eq!(nd.truth, arr.truth);
    }

    /// `cargo test --release --lib sample::tests::summary -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn summary() {
        for (name, s) in [
            ("sample", Scenario::sample_incident()),
            ("none", Scenario::no_incident()),
            ("two", Scenario::two_culprits()),
            ("db", Scenario::slow_custom_db()),
            ("cold", Scenario::cold_starts()),
        ] {
            let inc = generate(&s, Format::Ndjson);
            let mut counts = std::collections::BTreeMap::new();
            for e in lines(&inc.text) {
                let k = format!("{} {}", e["type"].as_str().unwrap_or(""), e["description"].as_str().unwrap_or(""));
                *counts.entry(k).or_insert(0) += 1;
            }
            let w: Vec<String> = inc
                .truth
                .windows
                .iter()
                .map(|w| {
                    let (mut a, mut b) = (String::new(), String::new());
                    push_date(&mut a, w.0);
                    push_date(&mut b, w.1);
                    format!("{a}..{b}")
                })
                .collect();
            println!("{name}: {} bytes, {:?}\n  {counts:?}\n  windows {w:?}", inc.text.len(), inc.truth);
        }
        let t0 = std::time::Instant::now();
        let s = Scenario::sized(200_000_000);
        let t1 = t0.elapsed();
        let inc = generate(&s, Format::Ndjson);
        println!(
            "sized(200 MB): scenario {t1:?}, total {:?}, {} bytes, {} events, {} breaches, {} windows, executions {} bytes",
            t0.elapsed(),
            inc.text.len(),
            inc.truth.events,
            inc.truth.breaches,
            inc.truth.windows.len(),
            inc.executions_json.len()
        );
    }

    #[test]
    fn sized_hits_its_target() {
        for target in [2_000_000usize, 12_000_000] {
            let s = Scenario::sized(target);
            for f in [Format::Ndjson, Format::JsonArray] {
                let inc = generate(&s, f);
                let len = inc.text.len() as f64;
                assert!((len / target as f64 - 1.0).abs() < 0.10, "{target}: got {len}");
                if f == Format::Ndjson {
                    assert_eq!(inc.text.lines().count(), inc.truth.events);
                }
            }
        }
        // A repeated incident keeps breaching in every period.
        let big = generate(&Scenario::sized(12_000_000), Format::Ndjson).truth;
        assert!(big.windows.len() >= 2, "{:?}", big.windows);
        assert!(big.culprits.iter().all(|c| c == "enrich-profile"));
    }
}
