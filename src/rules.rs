//! The redaction rule set: which default rules run, and what the user added.
//!
//! [`DEFAULT_RULES`] lists every rule and detector [`crate::redact`] applies, each
//! with a stable name (the key in [`crate::redact::Summary::replacements`]), what
//! it replaces, why, and an example. The README's "Redaction" section is the same
//! list in prose (a test checks that every name appears there).
//!
//! A [`RuleSet`] is the user's view on top of the defaults:
//!
//! - **switch a default rule off** by name ([`RuleSet::disable`]);
//! - **add a path rule** ([`PathRule`]): a dotted path relative to the Auth0 event
//!   (after any envelope such as `data` or `detail.data`) where `*` matches one level
//!   (a key or an array index) and `**` any number of levels: `details.body.**`,
//!   `details.*.email`, `**.password`. Strings and numbers under it are replaced;
//! - **add a pattern** ([`Pattern`]): a literal substring (`acme-corp`), replaced
//!   wherever it occurs inside a string; or a glob with `*` (any run of characters)
//!   and `?` (one character) matched against a *whole* string value
//!   (`*@acme.example`, `cus_*`), which replaces that value;
//! - **keep values** on an allow-list: exact values (after JSON unescaping) that are
//!   never replaced, by any rule or detector, and that [`crate::verify`] lets through.
//!
//! # Saving a rule set
//!
//! [`RuleSet::to_fragment`] writes it as a short ASCII string for a URL fragment or
//! local storage, e.g. `v=1&off=detector:phone&path=details.body.**&pat=acme-corp`.
//! It holds rule *names*, path rules and patterns, and the allow-list: **it never
//! holds data from the logs, except what the user typed into the patterns and the
//! allow-list** (an allow-listed email is, by definition, a value the user chose to
//! keep; the page should say so next to the allow-list input). [`RuleSet::from_fragment`]
//! reads it back; unknown sections are ignored so that older pages can read newer
//! strings, and unknown rule names are kept (they switch nothing off).

use crate::jsonscan::Seg;
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// One default rule or detector, as the README and the redaction panel show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct RuleInfo {
    /// Stable name: `path:…` for a JSON-path rule, `detector:…` for a detector.
    pub name: &'static str,
    /// What it replaces.
    pub what: &'static str,
    /// Why that is personal data or a secret.
    pub why: &'static str,
    /// A value it replaces, and what it becomes.
    pub example: &'static str,
}

const fn r(name: &'static str, what: &'static str, why: &'static str, example: &'static str) -> RuleInfo {
    RuleInfo { name, what, why, example }
}

/// Every default rule and detector, in the order the panel lists them.
pub const DEFAULT_RULES: &[RuleInfo] = &[
    // Top-level identity fields.
    r("path:ip", "`ip`", "the end user's IP address", r#""ip":"81.2.69.143" → "ip-3f9a0c1d""#),
    r("path:client_ip", "`client_ip`", "the client's IP address", r#""client_ip":"2001:db8::1" → "ip-…""#),
    r("path:user_id", "`user_id` (string or number)", "identifies the user", r#""user_id":"auth0|5f7c…" → "user-…""#),
    r("path:identity_user_id", "`identity_user_id`", "the identity provider's user id", r#""identity_user_id":"1234567" → "user-…""#),
    r("path:user_name", "`user_name`", "an email or phone number", r#""user_name":"neo@test.com" → "email-…""#),
    r("path:email", "`email`", "an email address", r#""email":"neo@test.com" → "email-…""#),
    r("path:user_agent", "`user_agent`", "browser fingerprint", r#""user_agent":"Chrome 120.0.0 / Mac OS X" → "ua-…""#),
    r("path:hostname", "`hostname`", "the tenant's domain", r#""hostname":"acme.eu.auth0.com" → "host-…""#),
    r("path:tenant_name", "`tenant_name`", "the tenant", r#""tenant_name":"acme-prod" → "tenant-…""#),
    r("path:tenant", "`tenant`", "the tenant", r#""tenant":"acme" → "tenant-…""#),
    r("path:client_id", "`client_id` (also as an array)", "reveals the application", r#""client_id":"aI61p8I8aFjm…" → "client-…""#),
    r("path:session_connection", "`session_connection`", "session correlation", r#""session_connection":"…" → "session-…""#),
    r("path:ids", "`tracking_id`, `transaction_linking_id`, `agent_id`, `external_agent_id`, `mtls_thumbprint_sha256`, `organization_id`", "correlation ids and certificate fingerprints", r#""organization_id":"org_x1" → "id-…""#),
    r("path:organization_name", "`organization_name`", "the customer organization", r#""organization_name":"Acme" → "name-…""#),
    r("path:location_info", "`location_info.**` (numbers too)", "geo-IP location of the user", r#""latitude":35.67 → "text-…""#),
    r("path:security_context", "`security_context.**`", "TLS fingerprints (JA3/JA4)", r#""ja3":"771,4865…" → "text-…""#),
    r("path:body", "top-level `body.**`", "request payload of rare event types", r#""body":{"email":"…"} → "email-…""#),
    r("path:query", "top-level `query.**`", "request query of rare event types", r#""query":{"user_id":"…"} → "user-…""#),
    // details.*
    r("path:details.session_id", "`details.session_id`, `details.refresh_token.session_id`", "session identifier", r#""session_id":"m5SgtzMK…" → "session-…""#),
    r("path:details.refresh_token", "`details.refresh_token.**`", "refresh-token metadata", r#""refresh_token":{"id":"…"} → "id-…""#),
    r("path:details.token_ids", "`details.access_token_jti`, `details.token_thumbprint`, `details.token_endpoint_auth_signing_kid`", "token and key identifiers", r#""access_token_jti":"0f8b…" → "token-…""#),
    r("path:details.qs", "`details.qs.**`", "the whole /authorize query: state, nonce, login_hint, login_ticket, _csrf", r#""state":"Vz6G2z…" → "token-…""#),
    r("path:details.body", "`details.body.**`", "passwords, tickets, emails, phone numbers, user metadata", r#""email":"neo@test.com" → "email-…""#),
    r("path:details.query", "`details.query.**`", "emails, user ids, new passwords", r#""newPassword":"…" → "secret-…""#),
    r("path:details.request", "`details.request.**` except `method` and `path`", "the Management API caller (email, name, user id, jti), ip, user agent, payload", r#""userAgent":"Go-http-client/2.0" → "ua-…""#),
    r("path:details.request.path", "`details.request.path`: id segments only", "ids in the route; the route itself is kept", r#""/api/v2/users/auth0|abc" → "/api/v2/users/user-…""#),
    r("path:details.response.body", "`details.response.body.**`", "echoed secrets and user objects", r#""client_secret":"…" → "secret-…""#),
    r("path:details.prompts", "`details.prompts[].{user_id,user_name,session_id,identity}` (timings kept)", "the user at each prompt", r#""user_name":"dev@test.com" → "email-…""#),
    r("path:details.riskAssessment", "`details.riskAssessment.**` except `confidence`, `version`", "IPs and user agents of the assessment", r#""useragent":"Mozilla/5.0 …" → "ua-…""#),
    r("path:details.error.payload", "`details.error.payload.**`", "attempted URLs, client ids", r#""attempt":"http://localhost:3000/cb" → "text-…""#),
    r("path:details.email", "`details.email`", "an email address", r#""email":"neo@test.com" → "email-…""#),
    r("path:details.to", "`details.to`", "the recipient's email or phone", r#""to":"neo@test.com" → "email-…""#),
    r("path:details.phone_number", "`details.phone_number`", "a phone number", r#""phone_number":"+14155554321" → "phone-…""#),
    r("path:details.device_id", "`details.device_id`", "an MFA device id", r#""device_id":"dev_1a2b" → "id-…""#),
    r("path:details.code", "`details.code` (unless Auth0 masked it)", "an authorization or device code", r#""code":"SplxlOBe…" → "secret-…""#),
    r("path:details.authenticator", "`details.authenticator.**`", "MFA phone numbers", r#""phone_number":"+1…" → "phone-…""#),
    r("path:details.enrollment", "`details.enrollment.**`", "MFA phone numbers and user ids", r#""identifier":"…" → "text-…""#),
    r("path:details.invitation", "`details.invitation.**`", "invitee emails", r#""email":"…" → "email-…""#),
    r("path:details.headers", "`details.headers.**`", "request headers: cookies, authorization", r#""cookie":"…" → "text-…""#),
    r("path:details.session_metadata", "`details.session_metadata.**`", "arbitrary session data", r#""device":"…" → "text-…""#),
    r("path:details.actor", "`details.actor.**`", "delegation chain subjects", r#""sub":"auth0|…" → "user-…""#),
    r("path:envelope", "EventBridge `account`, `source`, `resources`", "the AWS account and partner source name", r#""account":"123456789012" → "id-…""#),
    r("path:escaped_key", "any value under a key written with JSON escapes", "such a key cannot be matched reliably, so its value is replaced", r#""\u0069p":"1.2.3.4" → "text-…""#),
    // Detectors: inside every string no path rule replaced.
    r("detector:email", "emails in any string, also URL-encoded (`%40`)", "personal data wherever it appears", r#""To: neo@test.com" → "To: email-…""#),
    r("detector:ip", "IPv4 (also invalid, like 190.257.209.19), IPv6 (compressed, zone ids, embedded IPv4)", "personal data", r#""from 10.0.0.1" → "from ip-…""#),
    r("detector:jwt", "JWTs `eyJ….….…`, whole (the payload is personal data too)", "tokens carry the user's claims and are replayable", r#"id_token_hint=eyJhbGci… → id_token_hint=token-…"#),
    r("detector:bearer", "the credential after `Bearer `", "a live credential", r#""Bearer abc123…" → "Bearer secret-…""#),
    r("detector:opaque_token", "runs of 32+ base64url/hex characters in a value whose key names a token, secret, key, session, code, ticket or cookie", "opaque credentials", r#""access_token":"8xLOxBtZp8…" → "token-…""#),
    r("detector:url", "URL query and fragment parameter values (not protocol words like `response_type=code`) and user-info `user:pass@`; scheme, host and path kept", "URLs carry states, tickets, hints and passwords", r#"?state=abc&login_hint=x → ?state=token-…&login_hint=email-…"#),
    r("detector:auth_code", "`code=` values in URLs and text (unless already masked)", "an authorization code can be exchanged for tokens", r#"cb?code=SplxlOBe → cb?code=secret-…"#),
    r("detector:user_id", "Auth0 user ids `provider|id` in any string", "identifies the user", r#""auth0|5f7c8ec7…" → "user-…""#),
    r("detector:phone", "`+` and 8–15 digits in any string; any 7+ digit value under a key naming a phone", "personal data", r#""call +1 415 555 4321" → "call phone-…""#),
    r("detector:known_value", "a value a path rule replaced, found again inside another string of the same record", "the client id inside an error URL, the hostname inside `audience`", r#""applications/aI61p8I8…/settings" → "applications/client-…/settings""#),
];

/// The [`RuleInfo`] of a default rule.
pub fn info(name: &str) -> Option<&'static RuleInfo> {
    DEFAULT_RULES.iter().find(|r| r.name == name)
}

/// One segment of a [`PathRule`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSeg {
    /// A key (or an array index written as digits).
    Lit(String),
    /// `*`: exactly one level.
    One,
    /// `**`: any number of levels, including none.
    Any,
}

/// A user path rule: `details.body.**`, `details.*.email`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathRule {
    /// As the user typed it (trimmed); also its name in the summary (`path:` + text).
    pub text: String,
    pub segs: Vec<PathSeg>,
}

impl PathRule {
    /// Parses a dotted path. Empty segments (`a..b`, a leading dot) are an error.
    pub fn parse(text: &str) -> Result<PathRule, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("a path rule cannot be empty".into());
        }
        let mut segs = Vec::new();
        for s in text.split('.') {
            segs.push(match s {
                "" => return Err(format!("`{text}`: empty segment (two dots, or a dot at an end)")),
                "*" => PathSeg::One,
                "**" => PathSeg::Any,
                s if s.contains('*') => return Err(format!("`{text}`: `*` must be a whole segment (`a.*.b`, `a.**`)")),
                s => PathSeg::Lit(s.to_string()),
            });
        }
        Ok(PathRule { text: text.to_string(), segs })
    }

    /// A warning for a rule that also replaces fields the analysis reads (`**`,
    /// `*.*`, `**.date`, …): which of them, and what that means. `None` otherwise.
    pub fn warning(&self) -> Option<String> {
        let hit: Vec<&str> = ANALYSIS_FIELDS
            .iter()
            .filter(|(_, path)| {
                let segs: Vec<Seg<'_>> = path.iter().map(|s| s.parse().map(Seg::Index).unwrap_or(Seg::Key(s))).collect();
                self.matches(&segs)
            })
            .map(|(name, _)| *name)
            .collect();
        if hit.is_empty() {
            return None;
        }
        Some(format!(
            "`{}` also replaces {}: fields the analysis reads. They are not kept: the redacted logs cannot be analysed again (this page's analysis, made from the original logs, is not affected). A narrower rule (`details.body.**`) avoids this.",
            self.text,
            hit.join(", ")
        ))
    }

    /// True when the path (relative to the event) matches. Matches the value's own
    /// path exactly: `details.body` matches the value at `details.body` (a whole
    /// object's scalars are below it, so write `details.body.**` for those).
    pub fn matches(&self, path: &[Seg<'_>]) -> bool {
        match_segs(&self.segs, path)
    }
}

/// Fields the analysis reads, by name and an example path (see `model`).
const ANALYSIS_FIELDS: &[(&str, &[&str])] = &[
    ("date", &["date"]),
    ("type", &["type"]),
    ("log_id", &["log_id"]),
    ("description", &["description"]),
    ("details.stats", &["details", "stats", "total_request_duration_ms"]),
    ("details.actions.executions", &["details", "actions", "executions", "0"]),
    ("details.elapsedTime", &["details", "elapsedTime"]),
    ("Action run times", &["results", "0", "started_at"]),
];

fn seg_is(lit: &str, s: &Seg<'_>) -> bool {
    match s {
        Seg::Key(k) => *k == lit,
        Seg::Index(i) => lit.parse::<usize>().ok() == Some(*i),
    }
}

fn match_segs(pat: &[PathSeg], path: &[Seg<'_>]) -> bool {
    match pat.split_first() {
        None => path.is_empty(),
        Some((PathSeg::Any, rest)) => (0..=path.len()).any(|i| match_segs(rest, &path[i..])),
        Some((PathSeg::One, rest)) => !path.is_empty() && match_segs(rest, &path[1..]),
        Some((PathSeg::Lit(l), rest)) => path.first().is_some_and(|s| seg_is(l, s)) && match_segs(rest, &path[1..]),
    }
}

/// A user pattern: a literal substring, or a glob over a whole value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    /// As typed; also its name in the summary (`pattern:` + text).
    pub text: String,
}

impl Pattern {
    pub fn parse(text: &str) -> Result<Pattern, String> {
        if text.is_empty() {
            return Err("a pattern cannot be empty".into());
        }
        if text.chars().all(|c| c == '*') {
            return Err("a pattern of only `*` would replace every string".into());
        }
        // The same minimum for literals and globs: 3 characters that are not `*`/`?`
        // (`?` alone or `a*` would replace almost any value).
        let fixed = text.chars().filter(|c| !matches!(c, '*' | '?')).count();
        if fixed < 3 {
            return Err(format!(
                "`{text}`: a pattern needs at least 3 characters other than `*` and `?` (it has {fixed}), or it would replace almost any value"
            ));
        }
        Ok(Pattern { text: text.to_string() })
    }

    /// True for a glob (`*` or `?` inside), false for a literal substring.
    pub fn is_glob(&self) -> bool {
        self.text.contains(['*', '?'])
    }

    /// For a glob: does it match the whole of `value`?
    pub fn matches_whole(&self, value: &str) -> bool {
        glob(self.text.as_bytes(), value.as_bytes())
    }
}

/// `*` any run, `?` one byte of a character (ASCII-oriented, never panics).
/// Iterative with one backtrack point: linear-ish, no exponential blow-up.
fn glob(p: &[u8], s: &[u8]) -> bool {
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, si));
            pi += 1;
        } else if pi < p.len() && (p[pi] == b'?' || p[pi] == s[si]) {
            if p[pi] == b'?' {
                // One character: skip its UTF-8 continuation bytes too.
                si += 1;
                while si < s.len() && (s[si] & 0xC0) == 0x80 {
                    si += 1;
                }
            } else {
                si += 1;
            }
            pi += 1;
        } else if let Some((sp, ss)) = star {
            pi = sp + 1;
            si = ss + 1;
            star = Some((sp, ss + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    pi == p.len()
}

/// What the user chose on top of [`DEFAULT_RULES`]. `RuleSet::default()` is the
/// defaults, all on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleSet {
    /// Default rules switched off, by name.
    pub disabled: BTreeSet<String>,
    pub paths: Vec<PathRule>,
    pub patterns: Vec<Pattern>,
    /// Exact values never replaced (and allowed by the verifier).
    pub allow: BTreeSet<String>,
}

impl RuleSet {
    /// The defaults, all on, nothing added.
    pub fn new() -> Self {
        RuleSet::default()
    }

    /// Is the default rule `name` on?
    #[inline]
    pub fn enabled(&self, name: &str) -> bool {
        self.disabled.is_empty() || !self.disabled.contains(name)
    }

    /// Switches a default rule on or off. Returns false for an unknown name.
    pub fn set_enabled(&mut self, name: &str, on: bool) -> bool {
        let known = info(name).is_some();
        if on {
            self.disabled.remove(name);
        } else if known {
            self.disabled.insert(name.to_string());
        }
        known
    }

    pub fn disable(mut self, name: &str) -> Self {
        self.set_enabled(name, false);
        self
    }

    /// Adds a path rule (`details.body.**`); an error says what is wrong with it.
    pub fn add_path(&mut self, text: &str) -> Result<(), String> {
        let p = PathRule::parse(text)?;
        if !self.paths.contains(&p) {
            self.paths.push(p);
        }
        Ok(())
    }

    /// Adds a pattern (literal substring, or glob over a whole value).
    pub fn add_pattern(&mut self, text: &str) -> Result<(), String> {
        let p = Pattern::parse(text)?;
        if !self.patterns.contains(&p) {
            self.patterns.push(p);
        }
        Ok(())
    }

    /// Keeps an exact value (never replaced, allowed by the verifier).
    pub fn allow(&mut self, value: &str) {
        if !value.is_empty() {
            self.allow.insert(value.to_string());
        }
    }

    pub fn is_allowed(&self, value: &str) -> bool {
        !self.allow.is_empty() && self.allow.contains(value)
    }

    /// True when nothing differs from the defaults.
    pub fn is_default(&self) -> bool {
        self == &RuleSet::default()
    }

    /// The summary name of user path rule `i` then user pattern `i - paths.len()`.
    pub fn custom_name(&self, i: usize) -> String {
        match self.paths.get(i) {
            Some(p) => format!("path:{}", p.text),
            None => format!("pattern:{}", self.patterns.get(i - self.paths.len()).map_or("", |p| p.text.as_str())),
        }
    }

    /// A compact ASCII string for a URL fragment or local storage (see the module
    /// docs: rule names, user rules and the allow-list; no other data).
    pub fn to_fragment(&self) -> String {
        let mut s = String::from("v=1");
        let mut section = |key: &str, items: &mut dyn Iterator<Item = &str>| {
            let mut first = true;
            for it in items {
                s.push(if first { '&' } else { ',' });
                if first {
                    s.push_str(key);
                    s.push('=');
                    first = false;
                }
                encode(it, &mut s);
            }
        };
        section("off", &mut self.disabled.iter().map(String::as_str));
        section("path", &mut self.paths.iter().map(|p| p.text.as_str()));
        section("pat", &mut self.patterns.iter().map(|p| p.text.as_str()));
        section("allow", &mut self.allow.iter().map(String::as_str));
        s
    }

    /// Reads [`RuleSet::to_fragment`]'s string (a leading `#` is skipped). Bad path
    /// rules or patterns are an error naming them; unknown rule names and sections
    /// are left out (see [`RuleSet::from_fragment_checked`] to hear about them).
    pub fn from_fragment(s: &str) -> Result<RuleSet, String> {
        Self::from_fragment_checked(s).map(|(rs, _)| rs)
    }

    /// What this rule set weakens against the defaults, one sentence each: rules
    /// switched off and values kept as they are. Empty when it only adds rules.
    pub fn weakenings(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .disabled
            .iter()
            .map(|n| match info(n) {
                Some(i) => format!("`{n}` is off: it no longer replaces {}", i.what),
                None => format!("`{n}` is off"),
            })
            .collect();
        out.extend(self.allow.iter().map(|v| format!("`{v}` is kept as it is (allow-list)")));
        out
    }

    /// [`RuleSet::from_fragment`], and what was left out: unknown rule names (a rule
    /// that does not exist cannot be switched off) and unknown sections.
    pub fn from_fragment_checked(s: &str) -> Result<(RuleSet, Vec<String>), String> {
        let s = s.trim().trim_start_matches('#');
        let mut rs = RuleSet::default();
        let mut ignored = Vec::new();
        for part in s.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            let items = || v.split(',').filter(|x| !x.is_empty()).map(decode);
            match k {
                "v" if v != "1" => return Err(format!("rule set version {v} is not supported")),
                "off" => {
                    for it in items() {
                        let it = it?;
                        if info(&it).is_some() {
                            rs.disabled.insert(it);
                        } else {
                            ignored.push(format!("`{it}` is not a rule name: left out"));
                        }
                    }
                }
                "path" => {
                    for it in items() {
                        rs.add_path(&it?)?;
                    }
                }
                "pat" => {
                    for it in items() {
                        rs.add_pattern(&it?)?;
                    }
                }
                "allow" => {
                    for it in items() {
                        rs.allow(&it?);
                    }
                }
                "v" => {}
                _ => ignored.push(format!("`{k}` is not a section of a rule set: left out")),
            }
        }
        Ok((rs, ignored))
    }
}

/// Percent-encodes everything but `A-Z a-z 0-9 - _ . * : ~ |` (so `, & = % #` and
/// non-ASCII are always encoded).
fn encode(v: &str, out: &mut String) {
    for &b in v.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-_.*:~|".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
}

fn decode(v: &str) -> Result<String, String> {
    let b = v.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = b.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u8::from_str_radix(h, 16).ok());
            match hex {
                Some(x) => out.push(x),
                None => return Err(format!("bad %-escape in `{v}`")),
            }
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| format!("`{v}` is not UTF-8 once decoded"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(p: &str) -> Vec<Seg<'_>> {
        p.split('.').map(|s| s.parse().map(Seg::Index).unwrap_or(Seg::Key(s))).collect()
    }

    #[test]
    fn path_rules_match_with_one_and_any() {
        let r = PathRule::parse("details.body.**").unwrap();
        assert!(r.matches(&path("details.body.email")));
        assert!(r.matches(&path("details.body.a.0.b")));
        assert!(r.matches(&path("details.body")));
        assert!(!r.matches(&path("details.qs.email")));
        let r = PathRule::parse("details.*.email").unwrap();
        assert!(r.matches(&path("details.body.email")) && r.matches(&path("details.query.email")));
        assert!(!r.matches(&path("details.email")) && !r.matches(&path("details.a.b.email")));
        let r = PathRule::parse("**.password").unwrap();
        assert!(r.matches(&path("password")) && r.matches(&path("details.request.body.password")));
        let r = PathRule::parse("details.prompts.0.name").unwrap();
        assert!(r.matches(&path("details.prompts.0.name")) && !r.matches(&path("details.prompts.1.name")));
        for bad in ["", "a..b", ".a", "a.b*", "a.**x"] {
            assert!(PathRule::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn globs_and_literals() {
        let g = Pattern::parse("*@acme.example").unwrap();
        assert!(g.is_glob() && g.matches_whole("neo@acme.example") && !g.matches_whole("neo@acme.example.org"));
        let g = Pattern::parse("cus_??x*").unwrap();
        assert!(g.matches_whole("cus_abx") && g.matches_whole("cus_éëxyz") && !g.matches_whole("cus_ax"));
        assert!(!Pattern::parse("acme").unwrap().is_glob());
        assert!(Pattern::parse("ab").is_err() && Pattern::parse("**").is_err() && Pattern::parse("").is_err());
        // One minimum for literals and globs: 3 characters other than `*` and `?`.
        assert_eq!(
            Pattern::parse("?").unwrap_err(),
            "`?`: a pattern needs at least 3 characters other than `*` and `?` (it has 0), or it would replace almost any value"
        );
        assert_eq!(
            Pattern::parse("[").unwrap_err(),
            "`[`: a pattern needs at least 3 characters other than `*` and `?` (it has 1), or it would replace almost any value"
        );
        assert!(Pattern::parse("a*?").is_err() && Pattern::parse("ab*c").is_ok() && Pattern::parse("[x]").is_ok());
        // No exponential blow-up.
        assert!(!glob(b"*a*a*a*a*a*a*a*a*b", &[b'a'; 200]));
    }

    #[test]
    fn fragment_round_trips_and_holds_no_data_but_what_was_typed() {
        let mut rs = RuleSet::new().disable("detector:phone").disable("path:user_agent");
        rs.add_path("details.body.**").unwrap();
        rs.add_path("details.*.email").unwrap();
        rs.add_pattern("acme, inc & co=1%").unwrap();
        rs.add_pattern("*@acme.example").unwrap();
        rs.allow("support@auth0.com");
        let f = rs.to_fragment();
        assert!(f.is_ascii() && !f.contains('#') && !f.contains(' '), "{f}");
        assert_eq!(
            f,
            "v=1&off=detector:phone,path:user_agent&path=details.body.**,details.*.email&pat=acme%2C%20inc%20%26%20co%3D1%25,*%40acme.example&allow=support%40auth0.com"
        );
        assert_eq!(RuleSet::from_fragment(&f).unwrap(), rs);
        assert_eq!(RuleSet::from_fragment(&format!("#{f}&future=x")).unwrap(), rs);
        assert_eq!(RuleSet::new().to_fragment(), "v=1");
        assert!(RuleSet::from_fragment("v=1").unwrap().is_default());
        assert!(RuleSet::from_fragment("").unwrap().is_default());
        assert!(RuleSet::from_fragment("v=2").is_err());
        assert!(RuleSet::from_fragment("v=1&path=a..b").is_err());
        assert!(RuleSet::from_fragment("v=1&allow=%zz").is_err());
        assert!(RuleSet::from_fragment("v=1&allow=%ff").is_err());
    }

    #[test]
    fn broad_path_rules_warn_about_analysis_fields() {
        assert_eq!(
            PathRule::parse("**").unwrap().warning().unwrap(),
            "`**` also replaces date, type, log_id, description, details.stats, details.actions.executions, details.elapsedTime, Action run times: fields the analysis reads. They are not kept: the redacted logs cannot be analysed again (this page's analysis, made from the original logs, is not affected). A narrower rule (`details.body.**`) avoids this."
        );
        assert!(PathRule::parse("*").unwrap().warning().unwrap().starts_with("`*` also replaces date, type, log_id, description:"));
        assert_eq!(PathRule::parse("details.body.**").unwrap().warning(), None);
        assert_eq!(PathRule::parse("results.*.action_name").unwrap().warning(), None);
    }

    #[test]
    fn fragment_weakenings_and_unknown_names_are_reported() {
        let (rs, ignored) = RuleSet::from_fragment_checked("#v=1&off=path:ip,detector:ip,path:nope&allow=81.2.69.143&bogus=1").unwrap();
        assert_eq!(rs.disabled.iter().collect::<Vec<_>>(), ["detector:ip", "path:ip"]);
        assert_eq!(ignored, ["`path:nope` is not a rule name: left out", "`bogus` is not a section of a rule set: left out"]);
        let w = rs.weakenings();
        assert_eq!(w.len(), 3);
        assert!(w[0].starts_with("`detector:ip` is off: it no longer replaces ") && w[1].starts_with("`path:ip` is off: "), "{w:?}");
        let email = RuleSet::from_fragment("#v=1&off=detector:email").unwrap().weakenings();
        assert_eq!(email, ["`detector:email` is off: it no longer replaces emails in any string, also URL-encoded (`%40`)"]);
        assert_eq!(w[2], "`81.2.69.143` is kept as it is (allow-list)");
        let mut only_adds = RuleSet::new();
        only_adds.add_path("details.body.**").unwrap();
        assert!(only_adds.weakenings().is_empty());
    }

    #[test]
    fn switching_rules() {
        let mut rs = RuleSet::new();
        assert!(rs.enabled("path:ip"));
        assert!(rs.set_enabled("path:ip", false));
        assert!(!rs.enabled("path:ip"));
        assert!(!rs.set_enabled("path:nope", false));
        assert!(rs.enabled("path:nope"));
        rs.set_enabled("path:ip", true);
        assert!(rs.is_default());
        let names: BTreeSet<&str> = DEFAULT_RULES.iter().map(|r| r.name).collect();
        assert_eq!(names.len(), DEFAULT_RULES.len(), "names are unique");
    }
}
