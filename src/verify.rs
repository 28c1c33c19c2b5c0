//! The output verifier: a last look at the bytes about to leave the page.
//!
//! [`scan`] reads the *final* output (a redacted export, an HTML report, a share
//! payload) and reports everything that still looks like personal data or a
//! secret. Its detectors are written independently of [`crate::redact`]'s (other
//! code, simpler rules, no knowledge of JSON paths or rule sets), so a gap in one is
//! unlikely to be a gap in both; they lean towards reporting too much. The export
//! flow is: `redact::export_with` → [`scan_with`] → the download is offered only
//! when nothing is blocked; the user fixes a finding with a rule, or keeps the
//! value on purpose ([`Allow`], fed from [`crate::rules::RuleSet::allow`]).
//!
//! What it looks for (kind names as in [`Finding::kind`]):
//!
//! | kind | what |
//! |---|---|
//! | `email` | `local@domain.tld`, also with `%40`, `&#64;` or `\u0040` for `@` |
//! | `ipv4` | four dot-separated numbers of 1–3 digits (also invalid ones like `190.257.209.19`) |
//! | `ipv6` | hex groups with `::` or eight groups (a zone id is included) |
//! | `jwt` | `eyJ…` `.` `…` `.` `…` (an empty signature too) |
//! | `user_id` | `provider|id` for a known identity provider, or any `lowercase|id` whose id has a digit |
//! | `phone` | `+` and 8–15 digits (spaces, dots, dashes, parentheses between) |
//! | `bearer` | the credential after `Bearer ` |
//! | `secret` | a JSON string of 8+ characters under a key ending in `password`, `secret`, `token`, `api_key`, `ticket`, … |
//! | `url_param` | a URL parameter value of 8+ characters (`?state=…`), except protocol words |
//!
//! Pseudonyms (`email-7f3a2c1d`), masked values (`*****`) and empty values are not
//! findings. A [`Finding`] never holds the value: its `excerpt` shows the first two
//! characters and the length, so the list can be shown and logged safely; the
//! caller that holds the bytes can show the value itself ([`Finding::value_in`]).

use crate::rules::RuleSet;
use std::collections::BTreeSet;

/// At most this many findings are returned (the count of the rest is lost; one is
/// enough to block).
pub const MAX_FINDINGS: usize = 10_000;

/// Something in the output that looks like personal data or a secret.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Finding {
    /// Byte offset in the scanned output.
    pub offset: usize,
    /// Length in bytes.
    pub len: usize,
    /// 1-based line.
    pub line: usize,
    /// `email`, `ipv4`, `ipv6`, `jwt`, `user_id`, `phone`, `bearer`, `secret`, `url_param`.
    pub kind: &'static str,
    /// The first two characters and the length: `ne… (12 chars)`. Never the value.
    pub excerpt: String,
}

impl Finding {
    /// The value found, read from the bytes that were scanned.
    pub fn value_in<'b>(&self, bytes: &'b [u8]) -> std::borrow::Cow<'b, str> {
        String::from_utf8_lossy(bytes.get(self.offset..self.offset + self.len).unwrap_or_default())
    }
}

/// Values the user keeps on purpose: exact matches are not blocked. Emails match
/// whatever spelling of `@` the output uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Allow {
    values: BTreeSet<String>,
}

impl Allow {
    pub fn none() -> Self {
        Allow::default()
    }

    pub fn new<S: AsRef<str>>(values: impl IntoIterator<Item = S>) -> Self {
        Allow {
            values: values.into_iter().map(|v| v.as_ref().to_string()).filter(|v| !v.is_empty()).collect(),
        }
    }

    /// The rule set's allow-list.
    pub fn from_rules(rules: &RuleSet) -> Self {
        Allow::new(rules.allow.iter())
    }

    pub fn insert(&mut self, value: &str) {
        if !value.is_empty() {
            self.values.insert(value.to_string());
        }
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Is the value at `f` in `bytes` kept?
    pub fn allows(&self, f: &Finding, bytes: &[u8]) -> bool {
        if self.values.is_empty() {
            return false;
        }
        let v = f.value_in(bytes);
        if self.values.contains(v.as_ref()) {
            return true;
        }
        let at = v.replace("%40", "@").replace("&#64;", "@").replace("\\u0040", "@");
        self.values.contains(&at)
    }
}

/// The verdict on one output.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Verdict {
    /// Findings not allowed: the output must not be shared while any remain.
    pub blocked: Vec<Finding>,
    /// Findings the user chose to keep.
    pub allowed: Vec<Finding>,
}

impl Verdict {
    pub fn is_clean(&self) -> bool {
        self.blocked.is_empty()
    }
}

/// What [`scan`] does at byte `i`: run the detector that byte can start, and
/// return where to look next (at least `i + 1` is taken by the caller).
#[inline]
fn step(b: &[u8], i: usize, found: &mut Found) -> usize {
    match b[i] {
        b'@' => email(b, i, 1, found),
        b'%' if b[i..].starts_with(b"%40") => email(b, i, 3, found),
        b'&' if b[i..].starts_with(b"&#64;") => email(b, i, 5, found),
        b'\\' if b[i..].starts_with(b"\\u0040") => email(b, i, 6, found),
        b'\\' => i + 2,
        b'.' => ipv4(b, i, found),
        b':' => {
            secret_after_key(b, i, found);
            ipv6(b, i, found)
        }
        b'|' => user_id(b, i, found),
        b'e' if b[i..].starts_with(b"eyJ") => jwt(b, i, found),
        b'+' => phone(b, i, found),
        b'B' | b'b' if b.len() > i + 7 && b[i..i + 7].eq_ignore_ascii_case(b"bearer ") => bearer(b, i, found),
        b'?' | b'&' => url_param(b, i, found),
        _ => i + 1,
    }
}

/// Bytes at which [`step`] may do something, with `e`/`b`/`B` replaced by the
/// byte that ends what they start (`eyJ`, `bearer `): those letters are common
/// in text, `J` and space less so.
static TRIGGER: [bool; 256] = {
    let mut t = [false; 256];
    let bytes = b"@%&\\.:|+?J ";
    let mut k = 0;
    while k < bytes.len() {
        t[bytes[k] as usize] = true;
        k += 1;
    }
    t
};

/// Every finding in `bytes`, in order of offset (at most [`MAX_FINDINGS`]).
pub fn scan(bytes: &[u8]) -> Vec<Finding> {
    scan_budget(bytes, MAX_FINDINGS).0
}

/// [`scan`] for one piece of a longer output (`session::GateStream`): the detectors
/// stop once `budget` detections (before merging) are made, as [`scan`] stops at
/// [`MAX_FINDINGS`] over the whole output. Returns the findings and the detections
/// made, to take off the budget of the pieces after.
pub fn scan_budget(bytes: &[u8], budget: usize) -> (Vec<Finding>, usize) {
    let mut found = detect_all(bytes, budget);
    let detections = found.len();
    let b = bytes;
    found.sort();
    found.dedup();
    // A value inside a longer finding is one finding (an email inside a URL parameter).
    let mut out: Vec<Finding> = Vec::with_capacity(found.len());
    let mut last_end = 0;
    let mut line = 1;
    let mut line_at = 0;
    for (start, end, kind) in found {
        if start < last_end {
            continue;
        }
        last_end = end;
        line += b[line_at..start].iter().filter(|&&c| c == b'\n').count();
        line_at = start;
        let text = String::from_utf8_lossy(&b[start..end]);
        let head: String = text.chars().take(2).collect();
        out.push(Finding {
            offset: start,
            len: end - start,
            line,
            kind,
            excerpt: format!("{head}… ({} chars)", text.chars().count()),
        });
    }
    (out, detections)
}

/// What every detector reports in `bytes`, in scan order (before sorting and
/// merging), stopping once `budget` are found.
fn detect_all(bytes: &[u8], budget: usize) -> Found {
    let mut found: Vec<(usize, usize, &'static str)> = Vec::new();
    let b = bytes;
    let mut i = 0;
    // Byte by byte, `step` at each position it does not jump over; bytes where
    // `step` only moves on are skipped by table. A `J` or space may end an `eyJ`
    // or `bearer ` whose first byte (not a trigger) is where `step` would act, if
    // the walk reached that byte.
    while i < b.len() && found.len() < budget {
        let from = i;
        let mut t = i;
        while t < b.len() && !TRIGGER[usize::from(b[t])] {
            t += 1;
        }
        if t == b.len() {
            break;
        }
        let at = match b[t] {
            b'J' if t >= from + 2 && &b[t - 2..t] == b"ey" => t - 2,
            b' ' if t >= from + 6 && b.len() > t + 1 && b[t - 6..t + 1].eq_ignore_ascii_case(b"bearer ") => t - 6,
            b'J' | b' ' => {
                i = t + 1;
                continue;
            }
            _ => t,
        };
        let next = step(b, at, &mut found);
        i = next.max(at + 1);
    }
    found
}

/// [`scan`], split into what `allow` keeps and what it blocks.
pub fn scan_with(bytes: &[u8], allow: &Allow) -> Verdict {
    let (allowed, blocked) = scan(bytes).into_iter().partition(|f| allow.allows(f, bytes));
    Verdict { blocked, allowed }
}

type Found = Vec<(usize, usize, &'static str)>;

fn run(b: &[u8], mut i: usize, ok: impl Fn(u8) -> bool) -> usize {
    while i < b.len() && ok(b[i]) {
        i += 1;
    }
    i
}

fn run_back(b: &[u8], mut i: usize, ok: impl Fn(u8) -> bool) -> usize {
    while i > 0 && ok(b[i - 1]) {
        i -= 1;
    }
    i
}

/// `kind-0123abcd`: a pseudonym the redactor wrote.
fn is_pseudonym(v: &[u8]) -> bool {
    const KINDS: [&[u8]; 14] = [
        b"user", b"email", b"ip", b"ua", b"session", b"host", b"tenant", b"client", b"name", b"phone", b"token",
        b"secret", b"id", b"text",
    ];
    v.len() > 9
        && v[v.len() - 9] == b'-'
        && v[v.len() - 8..].iter().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c))
        && KINDS.contains(&&v[..v.len() - 9])
}

fn is_masked(v: &[u8]) -> bool {
    let stars = v.iter().filter(|&&c| c == b'*').count();
    v == b"[REDACTED]" || v == b"REDACTED" || (stars > 0 && (stars == v.len() || (stars >= 4 && v.len() - stars <= 6)))
}

fn email(b: &[u8], at: usize, at_len: usize, found: &mut Found) -> usize {
    let local = |c: u8| c.is_ascii_alphanumeric() || b"._+-".contains(&c);
    let domain = |c: u8| c.is_ascii_alphanumeric() || c == b'-' || c == b'.';
    let s = run_back(b, at, local);
    let d = at + at_len;
    let mut e = run(b, d, domain);
    while e > d && b[e - 1] == b'.' {
        e -= 1;
    }
    let dom = &b[d..e];
    let tld = dom.rsplit(|&c| c == b'.').next().unwrap_or_default();
    if s < at && dom.contains(&b'.') && !dom.starts_with(b".") && tld.len() >= 2 && tld.iter().all(u8::is_ascii_alphabetic) {
        found.push((s, e, "email"));
        return e;
    }
    d
}

/// At a `.`: is it the first dot of a dotted quad?
fn ipv4(b: &[u8], dot: usize, found: &mut Found) -> usize {
    let s = run_back(b, dot, |c| c.is_ascii_digit());
    if s == dot || dot - s > 3 || (s > 0 && (b[s - 1].is_ascii_alphanumeric() || b[s - 1] == b'.')) {
        return dot + 1;
    }
    let mut p = s;
    for part in 0..4 {
        let e = run(b, p, |c| c.is_ascii_digit());
        if e == p || e - p > 3 {
            return dot + 1;
        }
        p = e;
        if part < 3 {
            if b.get(p) != Some(&b'.') {
                return dot + 1;
            }
            p += 1;
        }
    }
    let longer = match b.get(p) {
        Some(b'.') => b.get(p + 1).is_some_and(u8::is_ascii_digit),
        Some(c) => c.is_ascii_alphanumeric(),
        None => false,
    };
    if longer {
        return p;
    }
    found.push((s, p, "ipv4"));
    p
}

/// At a `:`: the run of hex digits, colons and dots around it, read as IPv6.
fn ipv6(b: &[u8], colon: usize, found: &mut Found) -> usize {
    let v6 = |c: u8| c.is_ascii_hexdigit() || c == b':' || c == b'.';
    let s = run_back(b, colon, v6);
    let mut e = run(b, colon, v6);
    if (s > 0 && (b[s - 1].is_ascii_alphanumeric() || b[s - 1] == b'_')) || b.get(e).is_some_and(|c| c.is_ascii_alphanumeric()) {
        return e;
    }
    while e > s && matches!(b[e - 1], b'.') {
        e -= 1;
    }
    let text = &b[s..e];
    // One pass over the groups (no allocation: this runs at every `"key":`).
    let double = text.windows(2).filter(|w| w == b"::").count();
    let (mut hex_groups, mut all_nonempty, mut groups_ok, mut digits, mut tail_v4) = (0usize, true, true, 0usize, false);
    for g in text.split(|&c| c == b':') {
        all_nonempty &= !g.is_empty();
        tail_v4 = g.contains(&b'.');
        if !g.is_empty() && !tail_v4 {
            hex_groups += 1;
            digits += g.len();
            groups_ok &= g.len() <= 4 && g.iter().all(u8::is_ascii_hexdigit);
        }
    }
    let want = if tail_v4 { 6 } else { 8 };
    let shape_ok = match double {
        0 => hex_groups == want && all_nonempty,
        1 => hex_groups < want,
        _ => false,
    };
    if shape_ok && groups_ok && (tail_v4 || (digits >= 4 && hex_groups >= 2)) {
        // A zone id belongs to the address.
        let end = if b.get(e) == Some(&b'%') { run(b, e + 1, |c| c.is_ascii_alphanumeric()) } else { e };
        found.push((s, end, "ipv6"));
        return end;
    }
    colon + 1
}

const PROVIDERS: &[&[u8]] = &[
    b"auth0", b"google-oauth2", b"github", b"facebook", b"apple", b"windowslive", b"twitter", b"linkedin", b"samlp",
    b"waad", b"adfs", b"oidc", b"oauth2", b"email", b"sms", b"ad", b"office365", b"okta", b"pingfederate",
    b"bitbucket", b"amazon", b"dropbox", b"paypal", b"salesforce", b"yahoo", b"line", b"discord", b"slack",
];

fn user_id(b: &[u8], bar: usize, found: &mut Found) -> usize {
    let s = run_back(b, bar, |c| c.is_ascii_alphanumeric() || c == b'-');
    let e = run(b, bar + 1, |c| c.is_ascii_alphanumeric() || b"-_.@|".contains(&c));
    let mut e2 = e;
    while e2 > bar + 1 && matches!(b[e2 - 1], b'.' | b'|' | b'-') {
        e2 -= 1;
    }
    let provider = &b[s..bar];
    let id = &b[bar + 1..e2];
    let known = PROVIDERS.iter().any(|p| p.eq_ignore_ascii_case(provider)) && id.len() >= 4;
    let generic = provider.len() >= 2
        && provider.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && id.len() >= 6
        && id.iter().any(u8::is_ascii_digit);
    if known || generic {
        found.push((s, e2, "user_id"));
        return e2;
    }
    bar + 1
}

fn jwt(b: &[u8], s: usize, found: &mut Found) -> usize {
    let b64 = |c: u8| c.is_ascii_alphanumeric() || c == b'-' || c == b'_';
    if s > 0 && b64(b[s - 1]) {
        return s + 3;
    }
    let e1 = run(b, s, b64);
    if e1 - s < 8 || b.get(e1) != Some(&b'.') {
        return e1;
    }
    let e2 = run(b, e1 + 1, b64);
    if e2 - e1 - 1 < 4 || b.get(e2) != Some(&b'.') {
        return e2;
    }
    let e3 = run(b, e2 + 1, b64);
    found.push((s, e3, "jwt"));
    e3
}

fn phone(b: &[u8], plus: usize, found: &mut Found) -> usize {
    if plus > 0 && b[plus - 1].is_ascii_alphanumeric() {
        return plus + 1;
    }
    let (mut p, mut digits, mut end, mut gap) = (plus + 1, 0, plus + 1, 0);
    while p < b.len() {
        match b[p] {
            c if c.is_ascii_digit() => {
                digits += 1;
                end = p + 1;
                gap = 0;
            }
            b' ' | b'-' | b'.' | b'(' | b')' if gap < 2 => gap += 1,
            _ => break,
        }
        p += 1;
    }
    if (8..=15).contains(&digits) && !b.get(end).is_some_and(u8::is_ascii_alphanumeric) && b.get(plus + 1).is_some_and(|c| c.is_ascii_digit() || *c == b'(') {
        found.push((plus, end, "phone"));
    }
    end
}

fn bearer(b: &[u8], i: usize, found: &mut Found) -> usize {
    if i > 0 && b[i - 1].is_ascii_alphanumeric() {
        return i + 7;
    }
    let s = run(b, i + 7, |c| c == b' ');
    let e = run(b, s, |c| c.is_ascii_alphanumeric() || b"-._~+/=".contains(&c));
    let v = &b[s..e];
    if v.len() >= 8 && !is_pseudonym(v) && !is_masked(v) {
        found.push((s, e, "bearer"));
    }
    e
}

const SECRET_KEYS: &[&[u8]] = &[
    b"password", b"secret", b"token", b"api_key", b"apikey", b"private_key", b"ticket", b"code_verifier",
    b"client_assertion", b"cookie", b"authorization",
];

/// At a `:` right after a JSON key: a string value of 8+ characters under a key
/// that names a secret.
fn secret_after_key(b: &[u8], colon: usize, found: &mut Found) {
    let mut k_end = colon;
    while k_end > 0 && b[k_end - 1] == b' ' {
        k_end -= 1;
    }
    if k_end == 0 || b[k_end - 1] != b'"' {
        return;
    }
    let from = (k_end - 1).saturating_sub(65);
    let k_start = match b[from..k_end - 1].iter().rposition(|&c| c == b'"') {
        Some(p) => from + p + 1,
        None => return,
    };
    let key = &b[k_start..k_end - 1];
    // Case-insensitive suffix (the names are lowercase), without a lowercased copy.
    if !SECRET_KEYS.iter().any(|s| key.len() >= s.len() && key[key.len() - s.len()..].eq_ignore_ascii_case(s)) {
        return;
    }
    let v = run(b, colon + 1, |c| c == b' ');
    if b.get(v) != Some(&b'"') {
        return;
    }
    let mut e = v + 1;
    while e < b.len() && b[e] != b'"' && b[e] != b'\n' {
        e += if b[e] == b'\\' { 2 } else { 1 };
    }
    let e = e.min(b.len());
    let val = &b[v + 1..e];
    if val.len() >= 8 && !val.contains(&b' ') && !is_pseudonym(val) && !is_masked(val) {
        found.push((v + 1, e, "secret"));
    }
}

/// Protocol words: URL parameters whose values are vocabulary, not data.
const PROTOCOL: &[&[u8]] = &[
    b"response_type", b"response_mode", b"scope", b"prompt", b"screen_hint", b"code_challenge_method", b"max_age",
    b"ui_locales", b"display", b"protocol", b"connection", b"audience", b"grant_type",
];

fn url_param(b: &[u8], i: usize, found: &mut Found) -> usize {
    if i == 0 || b[i - 1].is_ascii_whitespace() {
        return i + 1;
    }
    let ks = i + 1;
    let ke = run(b, ks, |c| c.is_ascii_alphanumeric() || b"_.-".contains(&c));
    if ke == ks || b.get(ke) != Some(&b'=') {
        return ks;
    }
    let vs = ke + 1;
    let ve = run(b, vs, |c| !matches!(c, b'&' | b'#' | b' ' | b'\t' | b'\n' | b'"' | b'\'' | b'<' | b'>' | b'\\'));
    let v = &b[vs..ve];
    if v.len() >= 8 && !PROTOCOL.contains(&&b[ks..ke]) && !is_pseudonym(v) && !is_masked(v) {
        found.push((vs, ve, "url_param"));
    }
    ve
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(&'static str, String)> {
        scan(text.as_bytes()).into_iter().map(|f| (f.kind, f.value_in(text.as_bytes()).into_owned())).collect()
    }

    #[test]
    fn finds_emails_in_every_spelling() {
        assert_eq!(kinds("To: neo@test.com."), vec![("email", "neo@test.com".into())]);
        assert_eq!(kinds("a&#64;b.io"), vec![("email", "a&#64;b.io".into())]);
        assert_eq!(kinds(r#""neo\u0040test.com""#), vec![("email", r"neo\u0040test.com".into())]);
        assert!(kinds("@media print { x@2x } user@localhost email-7f3a2c1d").is_empty());
    }

    #[test]
    fn finds_addresses_not_versions() {
        assert_eq!(kinds("from 190.57.209.19, then"), vec![("ipv4", "190.57.209.19".into())]);
        assert_eq!(kinds("190.257.209.19"), vec![("ipv4", "190.257.209.19".into())]);
        assert!(kinds("v1.2.3.4.5 and 1.2.3 and 1234.1.1.1 and 0.5 and 10:30:00.000Z").is_empty());
        assert_eq!(kinds("ip 2001:db8::8a2e:370:7334 x"), vec![("ipv6", "2001:db8::8a2e:370:7334".into())]);
        assert_eq!(kinds("fe80::1ff:fe23%eth0"), vec![("ipv6", "fe80::1ff:fe23%eth0".into())]);
        assert_eq!(kinds("::ffff:192.0.2.128"), vec![("ipv6", "::ffff:192.0.2.128".into())]);
        assert!(kinds("a::b std::vector 12:34:56").is_empty());
    }

    #[test]
    fn finds_tokens_ids_phones_and_secrets() {
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl";
        assert_eq!(kinds(&format!("x {jwt} y")), vec![("jwt", jwt.to_string())]);
        assert_eq!(kinds("\"auth0|5f7c8ec7c33c\""), vec![("user_id", "auth0|5f7c8ec7c33c".into())]);
        assert_eq!(kinds("myidp|a1b2c3d4"), vec![("user_id", "myidp|a1b2c3d4".into())]);
        assert!(kinds("a | b, x|y, user-7f3a2c1d").is_empty());
        assert_eq!(kinds("call +1 (415) 555-4321"), vec![("phone", "+1 (415) 555-4321".into())]);
        assert_eq!(kinds("Authorization: Bearer abcDEF123456"), vec![("bearer", "abcDEF123456".into())]);
        assert!(kinds("Bearer secret-0123abcd").is_empty());
        assert_eq!(kinds(r#"{"new_password":"hunter2hunter2"}"#), vec![("secret", "hunter2hunter2".into())]);
        assert!(kinds(r#"{"client_secret":"*****","token_endpoint_auth_method":"client_secret_post"}"#).is_empty());
        assert_eq!(kinds("https://x.example/cb?state=abcdefgh123&scope=openid%20profile"), vec![("url_param", "abcdefgh123".into())]);
        assert!(kinds("https://x.example/cb?state=token-0123abcd&code=*******abc").is_empty());
    }

    #[test]
    fn findings_carry_lines_and_masked_excerpts_and_allow_keeps_values() {
        let text = b"{\"a\":1}\n{\"d\":\"To: neo@test.com\"}\n";
        let f = scan(text);
        assert_eq!(f.len(), 1);
        assert_eq!((f[0].line, f[0].kind, f[0].excerpt.as_str()), (2, "email", "ne… (12 chars)"));
        assert!(!format!("{f:?}").contains("neo@test.com"));
        assert!(!scan_with(text, &Allow::none()).is_clean());
        let v = scan_with(text, &Allow::new(["neo@test.com"]));
        assert!(v.is_clean() && v.allowed.len() == 1);
        let v = scan_with(b"neo%40test.com", &Allow::new(["neo@test.com"]));
        assert!(v.is_clean());
    }


    // The scanner as it was before the byte-table skip and the allocation-free
    // `ipv6`/`secret_after_key` (frozen here): findings must stay identical.
    mod reference {
        use super::super::*;

        pub fn found(bytes: &[u8]) -> Found {
    let mut found: Vec<(usize, usize, &'static str)> = Vec::new();
    let b = bytes;
    let mut i = 0;
    while i < b.len() && found.len() < MAX_FINDINGS {
        let next = match b[i] {
            b'@' => email(b, i, 1, &mut found),
            b'%' if b[i..].starts_with(b"%40") => email(b, i, 3, &mut found),
            b'&' if b[i..].starts_with(b"&#64;") => email(b, i, 5, &mut found),
            b'\\' if b[i..].starts_with(b"\\u0040") => email(b, i, 6, &mut found),
            b'\\' => i + 2,
            b'.' => ipv4(b, i, &mut found),
            b':' => {
                secret_after_key(b, i, &mut found);
                ipv6(b, i, &mut found)
            }
            b'|' => user_id(b, i, &mut found),
            b'e' if b[i..].starts_with(b"eyJ") => jwt(b, i, &mut found),
            b'+' => phone(b, i, &mut found),
            b'B' | b'b' if b.len() > i + 7 && b[i..i + 7].eq_ignore_ascii_case(b"bearer ") => bearer(b, i, &mut found),
            b'?' | b'&' => url_param(b, i, &mut found),
            _ => i + 1,
        };
        i = next.max(i + 1);
    }
            found
        }

/// At a `:`: the run of hex digits, colons and dots around it, read as IPv6.
fn ipv6(b: &[u8], colon: usize, found: &mut Found) -> usize {
    let v6 = |c: u8| c.is_ascii_hexdigit() || c == b':' || c == b'.';
    let s = run_back(b, colon, v6);
    let mut e = run(b, colon, v6);
    if (s > 0 && (b[s - 1].is_ascii_alphanumeric() || b[s - 1] == b'_')) || b.get(e).is_some_and(|c| c.is_ascii_alphanumeric()) {
        return e;
    }
    while e > s && matches!(b[e - 1], b'.') {
        e -= 1;
    }
    let text = &b[s..e];
    let double = text.windows(2).filter(|w| w == b"::").count();
    let groups: Vec<&[u8]> = text.split(|&c| c == b':').collect();
    let tail_v4 = groups.last().is_some_and(|g| g.contains(&b'.'));
    let hex_groups: Vec<&&[u8]> = groups.iter().filter(|g| !g.is_empty() && !g.contains(&b'.')).collect();
    let want = if tail_v4 { 6 } else { 8 };
    let shape_ok = match double {
        0 => hex_groups.len() == want && groups.iter().all(|g| !g.is_empty()),
        1 => hex_groups.len() < want,
        _ => false,
    };
    let groups_ok = hex_groups.iter().all(|g| g.len() <= 4 && g.iter().all(u8::is_ascii_hexdigit));
    let digits = hex_groups.iter().map(|g| g.len()).sum::<usize>();
    if shape_ok && groups_ok && (tail_v4 || (digits >= 4 && hex_groups.len() >= 2)) {
        // A zone id belongs to the address.
        let end = if b.get(e) == Some(&b'%') { run(b, e + 1, |c| c.is_ascii_alphanumeric()) } else { e };
        found.push((s, end, "ipv6"));
        return end;
    }
    colon + 1
}

/// At a `:` right after a JSON key: a string value of 8+ characters under a key
/// that names a secret.
fn secret_after_key(b: &[u8], colon: usize, found: &mut Found) {
    let mut k_end = colon;
    while k_end > 0 && b[k_end - 1] == b' ' {
        k_end -= 1;
    }
    if k_end == 0 || b[k_end - 1] != b'"' {
        return;
    }
    let from = (k_end - 1).saturating_sub(65);
    let k_start = match b[from..k_end - 1].iter().rposition(|&c| c == b'"') {
        Some(p) => from + p + 1,
        None => return,
    };
    let key = &b[k_start..k_end - 1];
    let lower: Vec<u8> = key.to_ascii_lowercase();
    if !SECRET_KEYS.iter().any(|s| lower.ends_with(s)) {
        return;
    }
    let v = run(b, colon + 1, |c| c == b' ');
    if b.get(v) != Some(&b'"') {
        return;
    }
    let mut e = v + 1;
    while e < b.len() && b[e] != b'"' && b[e] != b'\n' {
        e += if b[e] == b'\\' { 2 } else { 1 };
    }
    let e = e.min(b.len());
    let val = &b[v + 1..e];
    if val.len() >= 8 && !val.contains(&b' ') && !is_pseudonym(val) && !is_masked(val) {
        found.push((v + 1, e, "secret"));
    }
}

    }

    #[test]
    fn fast_scan_finds_exactly_what_the_byte_by_byte_scan_found() {
        let alphabet: Vec<&str> = vec![
            "e", "y", "J", "ey", "eyJ", "b", "B", "bearer ", "Bearer ", "BEARER", " ", ".", ":", "::", "@", "%40", "&#64;", "\\u0040",
            "\\", "|", "+", "?", "&", "=", "\"", "\n", "a", "f", "9", "1.2.3.4", "fe80", "auth0|", "password\":\"", "x", "-",
            "é", "eyJhbGciOiJIUzI1NiJ9", "\"token\": \"",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..30_000 {
            let mut v = String::new();
            for _ in 0..(next() % 40) {
                v.push_str(alphabet[(next() % alphabet.len() as u64) as usize]);
            }
            let mut want = reference::found(v.as_bytes());
            let mut got = detect_all(v.as_bytes(), MAX_FINDINGS);
            want.sort();
            got.sort();
            assert_eq!(got, want, "{v:?}");
        }
        // Real text: every fixture and the sample incident.
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ingest");
        let mut texts: Vec<Vec<u8>> = std::fs::read_dir(dir).unwrap().flatten().filter_map(|e| std::fs::read(e.path()).ok()).collect();
        texts.push(crate::sample::sample_incident_ndjson().into_bytes());
        for t in texts {
            assert_eq!(detect_all(&t, MAX_FINDINGS), reference::found(&t));
        }
    }

    #[test]
    fn never_panics_on_edges() {
        for s in [
            "", "@", "%40", "&#64;", "\\", "\\u004", "1.", "1.2.3.", "eyJ", "eyJ.", "eyJaaaaaaaa.b.", "|", "auth0|", "é@é.é",
            "1.2.3.4", ":", "::", "+", "Bearer", "bearer ", "?", "?a=", "\"k\":", "\":\"", "\"password\":\"abc",
        ] {
            let _ = scan(s.as_bytes());
        }
    }
}
