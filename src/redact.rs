//! Redaction: keyed pseudonyms written into the original bytes of each record.
//!
//! A user shares a log export to get help; the export must keep the *shape* of the
//! incident (types, times, Action ids, timings, error text) and lose the *people*
//! and the *tenant* (ips, emails, user ids, names, user agents, session ids, host
//! names, secrets). Each sensitive value is replaced by a token
//! `"{kind}-{8 hex}"`, the first 32 bits of `HMAC-SHA256(key, kind || 0x00 || value)`.
//! The same value gets the same token everywhere in one export (so "the same user
//! failed 40 times" survives), and without the key the tokens cannot be reversed or
//! even checked against a guess. The key is passed in (the core has no randomness).
//!
//! # How
//!
//! [`redact_record`] walks one record once with [`jsonscan::walk`], classifies each
//! scalar by its JSON path (structure, never a regex over the serialised text),
//! then copies the record through byte for byte except for the spans of the values
//! it replaces. Redacting through a `serde_json::Value` tree is ~10× slower and
//! needs ~8× the memory (see `performance-facts.md`), and would also reformat the
//! user's file. String escapes are decoded before hashing, so `"a\u0040b.com"` and
//! `"a@b.com"` get the same token. [`export`] memoises tokens (bounded), since real
//! logs repeat the same few users, ips and client ids thousands of times.
//!
//! # Rule set
//!
//! Every rule and detector below has a stable name (`path:ip`, `detector:email`),
//! listed with what/why/example in [`crate::rules::DEFAULT_RULES`] and the README.
//! [`export_with`], [`redact_record_with`] and [`preview`] take a
//! [`crate::rules::RuleSet`]: rules switched off, user path rules (`details.*.email`,
//! `**`), user patterns (literal or glob) and an allow-list of exact values that are
//! never replaced. [`export`] and [`redact_record`] use the defaults.
//!
//! # Path rules (relative to the Auth0 event object, after the envelope prefix)
//!
//! The whole value at these paths is replaced (strings inside objects/arrays too):
//!
//! | path | why |
//! |---|---|
//! | `ip`, `client_ip` | end-user IP (PII) |
//! | `user_id`, `identity_user_id`, `user_name`, `email` | the user |
//! | `user_agent` | browser fingerprint |
//! | `hostname`, `tenant_name`, `tenant` | tenant identity |
//! | `client_id` | reveals the application |
//! | `session_connection`, `tracking_id`, `transaction_linking_id`, `agent_id`, `external_agent_id`, `mtls_thumbprint_sha256`, `organization_id`, `organization_name` | correlation ids / tenant data |
//! | `location_info.**`, `security_context.**` (numbers too: latitude) | geo-IP, TLS fingerprints |
//! | `body.**`, `query.**` (top level, rare types) | request payloads |
//! | `details.session_id`, `details.refresh_token.session_id` | sessions |
//! | `details.qs.**` | the whole `/authorize` query: state, nonce, login_hint, … |
//! | `details.body.**`, `details.query.**` | passwords, tickets, emails, metadata |
//! | `details.request.**` except `method` and `path` | Management API caller, payload |
//! | `details.request.path`: id segments only (`/api/v2/users/user-…/roles`) | ids in the route; the route is kept |
//! | `details.refresh_token.**`, `details.{access_token_jti,token_thumbprint,token_endpoint_auth_signing_kid}` | token ids |
//! | `details.response.body.**` | echoed secrets and user objects |
//! | `details.prompts[*].{user_id,user_name,session_id,identity}` | the user per prompt (timings kept) |
//! | `details.riskAssessment.**` except keys `confidence`, `version` | ips and user agents |
//! | `details.error.payload.**` | attempted URLs, client ids |
//! | `details.{email,to,phone_number,device_id,code}`, `details.{authenticator,enrollment,invitation,headers,session_metadata,actor}.**` | MFA phones, invitees, codes, headers |
//! | Sentinel flattened columns (`details_request_ip`, `ip_s`, …) | the same rules with `_` for `.` and the type suffix dropped |
//! | envelope `account`, `source`, `resources` (EventBridge) | AWS account and partner source name |
//!
//! Inside object/array values (`details.qs`, …) each string is replaced; numbers
//! are replaced only where they are identities (`location_info`, `security_context`,
//! the top-level leaf fields such as `user_id: 12345`) or look like one (an integer
//! of 7+ digits); booleans, nulls and small numbers (status codes, counts) stay.
//! A key with a JSON escape in it cannot be matched reliably, so its values are
//! replaced too (real exports never escape ASCII keys).
//!
//! Kept as they are: `log_id`, `_id`, `date`, `type`, `client_name`, `connection`,
//! `connection_id`, `strategy`, `audience`, `scope`, `details.actions.executions`,
//! `details.stats`, `details.error.{message,oauthError,type}`, `details.elapsedTime`,
//! `initiatedAt`, `completedAt`, booleans, and everything not listed above; but see
//! detectors.
//!
//! # Detectors (every string that no path rule replaced, including `description`)
//!
//! Free text and unknown fields carry PII too ("To: neo@test.com", a `return_to`
//! URL with an `id_token_hint` JWT). Inside every kept string these are replaced,
//! leaving the surrounding text:
//!
//! - `detector:email`: `local@domain.tld`, also URL-encoded `local%40domain.tld`;
//! - `detector:ip`: IPv4 as any dotted quad of 1–3 digit numbers (so the invalid
//!   `190.257.209.19` from a vendor sample is caught, not rejected), IPv6 via `std`;
//! - `detector:jwt`: three base64url segments starting `eyJ`;
//! - `detector:bearer`: the credential after `Bearer `;
//! - `detector:user_id`: Auth0 user ids `provider|id` (`auth0|5f…`, `google-oauth2|1…`);
//! - `detector:phone`: `+` then 8–15 digits (spaces, dots, dashes, parens allowed),
//!   or any 7+ digit value under a key naming a phone;
//! - `detector:url`: URL query/fragment parameter values (not protocol words such as
//!   `response_type=code`, not numbers of up to 4 digits) and user-info `user:pass@`;
//!   scheme, host and path are kept;
//! - `detector:auth_code`: `code=` values (authorization codes) unless masked;
//! - `detector:opaque_token`: runs of 32+ base64url/hex characters under a key naming
//!   a token, secret, session, code, ticket, cookie, …;
//! - `detector:known_value`: any value of 6+ characters that a path rule replaced
//!   elsewhere in the same record (the `client_id` inside an `oauthError` URL, the
//!   `hostname` inside `audience`), so the token matches the field's token.
//!   From payload subtrees (`qs`, `body`, `request`, `error.payload`, …) only
//!   single-word values are echoed, and not protocol words (`scope`,
//!   `response_type`, `connection`, …): so `"openid profile"` in `qs.scope` does not
//!   blank the top-level `scope`, and the error sentence in `error.payload.message`
//!   does not blank `description`.
//!
//! A path-rule value that is wholly an email, ip, phone, JWT or user id is tokenised
//! with that kind (so `user_name: "dev@test.com"` and "To: dev@test.com" share a
//! token); otherwise the kind comes from the rule or the key name.
//!
//! Values Auth0 already masked (only `*`, `[REDACTED]`, `REDACTED`, or a partly
//! masked code: 4+ `*` and at most 4 other characters) are left as they are and
//! counted in [`Summary::already_masked`], not as replacements. Empty strings stay
//! empty.
//!
//! # Envelopes and shapes
//!
//! When the value at the envelope prefix is a *string* (Splunk `result._raw`), its
//! text is unescaped, redacted as a JSON event and written back escaped (a string
//! that is not JSON is replaced whole). CSV/TSV rows are read through the header row
//! (the export's container prefix) as `{column: value}` with a JSON `details` cell
//! embedded, redacted, and written back with RFC 4180 quoting. A record with a
//! trailing comma (read leniently by ingest) is written without it.

use crate::jsonscan::{self, Scalar, ScanError, ScanErrorKind, Seg};
use crate::model::Envelope;
use crate::rules::RuleSet;
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;

type HmacSha256 = Hmac<Sha256>;

/// Salt for [`Redactor::from_passphrase`]. Fixed, so one passphrase gives the same
/// tokens in every export (that is the point of a passphrase).
pub const PASSPHRASE_SALT: &[u8] = b"inflight/redact/passphrase/v1";
/// PBKDF2-HMAC-SHA256 iterations for [`Redactor::from_passphrase`].
pub const PASSPHRASE_ITERATIONS: u32 = 100_000;
/// Shortest path-rule value that is also searched for inside other strings of the
/// record; shorter ones ("IP", "neo") would hit ordinary words.
pub const MIN_KNOWN_VALUE_LEN: usize = 6;

/// What a token stands for; its name is the token's prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    User,
    Email,
    Ip,
    Ua,
    Session,
    Host,
    Tenant,
    Client,
    Name,
    Phone,
    Token,
    Secret,
    Id,
    Text,
}

impl Kind {
    pub const ALL: [Kind; 14] = [
        Kind::User,
        Kind::Email,
        Kind::Ip,
        Kind::Ua,
        Kind::Session,
        Kind::Host,
        Kind::Tenant,
        Kind::Client,
        Kind::Name,
        Kind::Phone,
        Kind::Token,
        Kind::Secret,
        Kind::Id,
        Kind::Text,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::User => "user",
            Kind::Email => "email",
            Kind::Ip => "ip",
            Kind::Ua => "ua",
            Kind::Session => "session",
            Kind::Host => "host",
            Kind::Tenant => "tenant",
            Kind::Client => "client",
            Kind::Name => "name",
            Kind::Phone => "phone",
            Kind::Token => "token",
            Kind::Secret => "secret",
            Kind::Id => "id",
            Kind::Text => "text",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Makes keyed pseudonyms. Holds the key; never prints it.
#[derive(Clone)]
pub struct Redactor {
    key: [u8; 32],
    /// SHA-256 state after the key's inner pad block (`key ^ ipad`): HMAC's first
    /// block, absorbed once here instead of once per token.
    inner: [u32; 8],
    /// SHA-256 state after the outer pad block (`key ^ opad`).
    outer: [u32; 8],
}

impl Redactor {
    pub fn new(key: [u8; 32]) -> Self {
        let pad = |byte: u8| {
            let mut block = [byte; 64];
            for (b, k) in block.iter_mut().zip(key.iter()) {
                *b ^= k;
            }
            let mut state = SHA256_IV;
            compress(&mut state, &block);
            state
        };
        Redactor {
            key,
            inner: pad(0x36),
            outer: pad(0x5c),
        }
    }

    /// Key = PBKDF2-HMAC-SHA256(passphrase, [`PASSPHRASE_SALT`],
    /// [`PASSPHRASE_ITERATIONS`], 32 bytes) (RFC 8018, one block).
    pub fn from_passphrase(passphrase: &str) -> Self {
        Self::new(pbkdf2_sha256(
            passphrase.as_bytes(),
            PASSPHRASE_SALT,
            PASSPHRASE_ITERATIONS,
        ))
    }

    /// `"{kind}-{first 8 hex of HMAC-SHA256(key, kind || 0x00 || value)}"`.
    pub fn token(&self, kind: Kind, value: &str) -> String {
        let mut out = Vec::with_capacity(16);
        self.token_into(kind, value.as_bytes(), &mut out);
        // Tokens are ASCII by construction.
        String::from_utf8(out).unwrap_or_default()
    }

    fn token_into(&self, kind: Kind, value: &[u8], out: &mut Vec<u8>) {
        out.extend_from_slice(kind.as_str().as_bytes());
        out.push(b'-');
        out.extend_from_slice(&self.hex(kind, value));
    }

    /// The first 32 bits of `HMAC-SHA256(key, kind || 0x00 || value)` as 8 hex
    /// digits. HMAC written out over SHA-256's compression function with both key
    /// pads precomputed, hashing into stack buffers: two compressions for a value
    /// under ~50 bytes, no allocation (the `hmac` crate's generic path costs about
    /// twice as much per token; `tests` check the two agree).
    fn hex(&self, kind: Kind, value: &[u8]) -> [u8; 8] {
        let mut state = self.inner;
        let mut block = [0u8; 64];
        let mut n = 0;
        let mut feed = |data: &[u8], state: &mut [u32; 8], n: &mut usize| {
            let mut data = data;
            while !data.is_empty() {
                let take = data.len().min(64 - *n);
                block[*n..*n + take].copy_from_slice(&data[..take]);
                *n += take;
                data = &data[take..];
                if *n == 64 {
                    compress(state, &block);
                    *n = 0;
                }
            }
        };
        let k = kind.as_str().as_bytes();
        feed(k, &mut state, &mut n);
        feed(&[0], &mut state, &mut n);
        feed(value, &mut state, &mut n);
        let bits = ((64 + k.len() + 1 + value.len()) as u64).wrapping_mul(8);
        block[n] = 0x80;
        n += 1;
        if n > 56 {
            block[n..].fill(0);
            compress(&mut state, &block);
            n = 0;
        }
        block[n..56].fill(0);
        block[56..].copy_from_slice(&bits.to_be_bytes());
        compress(&mut state, &block);
        // Outer hash over the 32-byte inner digest.
        let mut outer = self.outer;
        let mut last = [0u8; 64];
        for (i, w) in state.iter().enumerate() {
            last[i * 4..i * 4 + 4].copy_from_slice(&w.to_be_bytes());
        }
        last[32] = 0x80;
        last[56..].copy_from_slice(&((64u64 + 32) * 8).to_be_bytes());
        compress(&mut outer, &last);
        let tag = outer[0].to_be_bytes();
        let mut hex = [0u8; 8];
        for (i, b) in tag.iter().enumerate() {
            hex[2 * i] = HEX[usize::from(b >> 4)];
            hex[2 * i + 1] = HEX[usize::from(b & 15)];
        }
        hex
    }

    /// A per-key seed for the token memo's hash (so its layout is not predictable
    /// from the log alone); never output.
    fn memo_seed(&self) -> u64 {
        (u64::from(self.outer[1]) << 32 | u64::from(self.outer[2])) | 1
    }
}

const SHA256_IV: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

fn compress(state: &mut [u32; 8], block: &[u8; 64]) {
    sha2::compress256(state, std::slice::from_ref(sha2::digest::generic_array::GenericArray::from_slice(block)));
}

impl PartialEq for Redactor {
    /// Two redactors are equal when they hold the same key (they make the same tokens).
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redactor")
            .field("key", &"<hidden>")
            .finish()
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn hmac_with_key(key: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length; this cannot fail.
    <HmacSha256 as Mac>::new_from_slice(key).expect("HMAC takes any key length")
}

/// PBKDF2-HMAC-SHA256 with a 32-byte output (a single block). `iterations` of 0
/// counts as 1.
fn pbkdf2_sha256(password: &[u8], salt: &[u8], iterations: u32) -> [u8; 32] {
    let prf = hmac_with_key(password);
    let mut m = prf.clone();
    m.update(salt);
    m.update(&1u32.to_be_bytes());
    let mut u = m.finalize().into_bytes();
    let mut t = u;
    for _ in 1..iterations.max(1) {
        let mut m = prf.clone();
        m.update(&u);
        u = m.finalize().into_bytes();
        for (a, b) in t.iter_mut().zip(u.iter()) {
            *a ^= b;
        }
    }
    t.into()
}

/// What an export did, for the user to review before sharing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Records written.
    pub records: u64,
    /// Records left out because they could not be scanned (never written unredacted).
    pub records_skipped: u64,
    /// Replacements per default rule (`path:ip`, `path:details.qs`, `detector:email`,
    /// …: the names of [`crate::rules::DEFAULT_RULES`]).
    pub replacements: BTreeMap<&'static str, u64>,
    /// Replacements per user rule (`path:details.body.**`, `pattern:acme`).
    pub custom: BTreeMap<String, u64>,
    /// Values Auth0 (or someone) had already masked: kept, not counted above.
    pub already_masked: u64,
}

impl Summary {
    /// Adds another summary's counts to this one.
    pub fn merge(&mut self, other: &Summary) {
        self.records += other.records;
        self.records_skipped += other.records_skipped;
        self.already_masked += other.already_masked;
        for (rule, n) in &other.replacements {
            *self.replacements.entry(rule).or_insert(0) += n;
        }
        for (rule, n) in &other.custom {
            *self.custom.entry(rule.clone()).or_insert(0) += n;
        }
    }

    /// All replacements, over every rule and detector.
    pub fn total_replacements(&self) -> u64 {
        self.replacements.values().sum::<u64>() + self.custom.values().sum::<u64>()
    }

    /// Replacements made by one rule or detector (default or user).
    pub fn count(&self, rule: &str) -> u64 {
        self.replacements.get(rule).or_else(|| self.custom.get(rule)).copied().unwrap_or(0)
    }
}

/// Replacement counts while redacting: a few (rule, count) pairs per record,
/// found by pointer first, instead of a `BTreeMap` entry (string compares and
/// node walks) per replaced value. Turned into a [`Summary`] once at the end.
#[derive(Debug, Default)]
struct Tally {
    rules: Vec<(&'static str, u64)>,
    /// By index for [`RuleSet::custom_name`].
    custom: Vec<(u16, u64)>,
    masked: u64,
}

impl Tally {
    #[inline]
    fn add(&mut self, rule: &'static str) {
        self.add_n(rule, 1);
    }

    fn add_n(&mut self, rule: &'static str, n: u64) {
        // The same literal is the same pointer almost always; compare text only
        // when no pointer matches.
        let at = match self.rules.iter().position(|e| std::ptr::eq(e.0, rule)) {
            Some(i) => Some(i),
            None => self.rules.iter().position(|e| e.0 == rule),
        };
        match at {
            Some(i) => self.rules[i].1 += n,
            None => self.rules.push((rule, n)),
        }
    }

    fn add_custom(&mut self, i: u16) {
        self.add_custom_n(i, 1);
    }

    fn add_custom_n(&mut self, i: u16, n: u64) {
        match self.custom.iter_mut().find(|e| e.0 == i) {
            Some(e) => e.1 += n,
            None => self.custom.push((i, n)),
        }
    }

    fn absorb(&mut self, other: &Tally) {
        for &(rule, n) in &other.rules {
            self.add_n(rule, n);
        }
        for &(i, n) in &other.custom {
            self.add_custom_n(i, n);
        }
        self.masked += other.masked;
    }

    fn clear(&mut self) {
        self.rules.clear();
        self.custom.clear();
        self.masked = 0;
    }

    /// Adds these counts to `summary` (not `records`).
    fn into_summary(&self, rules: &RuleSet, summary: &mut Summary) {
        for &(rule, n) in &self.rules {
            *summary.replacements.entry(rule).or_insert(0) += n;
        }
        for &(i, n) in &self.custom {
            *summary.custom.entry(rules.custom_name(usize::from(i))).or_insert(0) += n;
        }
        summary.already_masked += self.masked;
    }
}

/// How records are joined in the output: the input's own container shape.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Container {
    pub prefix: Vec<u8>,
    pub separator: Vec<u8>,
    pub suffix: Vec<u8>,
}

impl Container {
    /// A JSON array, one record per line.
    pub fn json_array() -> Self {
        Container {
            prefix: b"[\n".to_vec(),
            separator: b",\n".to_vec(),
            suffix: b"\n]\n".to_vec(),
        }
    }

    /// Newline-delimited JSON.
    pub fn ndjson() -> Self {
        Container {
            prefix: Vec::new(),
            separator: b"\n".to_vec(),
            suffix: b"\n".to_vec(),
        }
    }

    /// One bare event (or anything with no wrapper).
    pub fn single() -> Self {
        Container::default()
    }

    /// An object holding the records in an array under `key` (`{"logs": [ … ]}`).
    pub fn paged(key: &str) -> Self {
        let mut prefix = b"{\"".to_vec();
        write_json_string_body(key, &mut prefix);
        prefix.extend_from_slice(b"\": [\n");
        Container {
            prefix,
            separator: b",\n".to_vec(),
            suffix: b"\n]}\n".to_vec(),
        }
    }
}

/// The redacted file and what was done to it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Export {
    pub bytes: Vec<u8>,
    pub summary: Summary,
}

/// [`export_with`] under the default rules.
pub fn export(
    input: &[u8],
    container: &Container,
    records: impl Iterator<Item = (Range<usize>, Envelope)>,
    r: &Redactor,
) -> Export {
    export_with(input, container, records, r, &RuleSet::default())
}

/// Writes `container.prefix`, each record redacted under `rules` (joined by
/// `separator`), then `suffix`. A record whose span is out of range or cannot be
/// scanned is left out and counted in [`Summary::records_skipped`]: never written
/// as is. CSV/TSV rows ([`Envelope::CsvRow`]) are read through the header row in
/// `container.prefix`.
pub fn export_with(
    input: &[u8],
    container: &Container,
    records: impl Iterator<Item = (Range<usize>, Envelope)>,
    r: &Redactor,
    rules: &RuleSet,
) -> Export {
    let mut bytes = Vec::with_capacity(input.len() + input.len() / 16 + 64);
    let summary = export_into(input, container, records, r, rules, &mut bytes, usize::MAX, &mut |_| {});
    Export { bytes, summary }
}

/// [`export_with`] without holding the output whole: it is handed to `sink` in
/// pieces of at least `chunk` bytes (the last may be shorter), each ending at a
/// record boundary. The pieces joined are exactly [`export_with`]'s bytes. For
/// the page, which passes each piece on (a `Blob` part) so that memory holds the
/// input and one piece, not the input and a second copy of it.
pub fn export_chunks_with(
    input: &[u8],
    container: &Container,
    records: impl Iterator<Item = (Range<usize>, Envelope)>,
    r: &Redactor,
    rules: &RuleSet,
    chunk: usize,
    sink: &mut dyn FnMut(&[u8]),
) -> Summary {
    let chunk = chunk.max(1);
    let mut bytes = Vec::with_capacity(chunk.saturating_add(64 << 10).min(input.len() + 64));
    let summary = export_into(input, container, records, r, rules, &mut bytes, chunk, &mut |b: &mut Vec<u8>| {
        sink(b);
        b.clear();
    });
    if !bytes.is_empty() {
        sink(&bytes);
    }
    summary
}

/// The export loop: records are redacted straight into `bytes` (a record that
/// fails is cut off again), and `flush` is called whenever `bytes` holds `chunk`
/// bytes or more after a record.
#[allow(clippy::too_many_arguments)]
fn export_into(
    input: &[u8],
    container: &Container,
    records: impl Iterator<Item = (Range<usize>, Envelope)>,
    r: &Redactor,
    rules: &RuleSet,
    bytes: &mut Vec<u8>,
    chunk: usize,
    flush: &mut dyn FnMut(&mut Vec<u8>),
) -> Summary {
    let mut summary = Summary::default();
    let mut total = Tally::default();
    let mut local = Tally::default();
    let mut ctx = Ctx::new(r, rules);
    let mut csv: Option<Option<CsvColumns>> = None;
    bytes.extend_from_slice(&container.prefix);
    let mut first = true;
    for (span, envelope) in records {
        let Some(record) = input.get(span) else {
            summary.records_skipped += 1;
            continue;
        };
        local.clear();
        let mark = bytes.len();
        if !first {
            bytes.extend_from_slice(&container.separator);
        }
        // On error the redactors append nothing, so `mark` undoes the separator.
        let done = if envelope == Envelope::CsvRow {
            match csv.get_or_insert_with(|| CsvColumns::from_header(&container.prefix)) {
                Some(cols) => redact_csv_row(record, cols, &mut ctx, &mut local, bytes),
                None => Err(ScanError { offset: 0, kind: ScanErrorKind::UnexpectedEnd }),
            }
        } else {
            redact_value(record, envelope.prefix(), &mut ctx, &mut local, bytes).or_else(|e| {
                // Ingest reads a record with a trailing comma (`{"a":1,}`); write it
                // without the comma rather than leave the event out.
                let fixed = without_trailing_commas(record).ok_or(e)?;
                local.clear();
                redact_value(&fixed, envelope.prefix(), &mut ctx, &mut local, bytes)
            })
        };
        match done {
            Ok(()) => {
                first = false;
                summary.records += 1;
                total.absorb(&local);
                if bytes.len() >= chunk {
                    flush(bytes);
                }
            }
            Err(_) => {
                bytes.truncate(mark);
                summary.records_skipped += 1;
            }
        }
    }
    total.into_summary(rules, &mut summary);
    bytes.extend_from_slice(&container.suffix);
    summary
}

/// `record` without the commas that stand right before a `}` or `]` (outside
/// strings), or `None` when it has none.
fn without_trailing_commas(record: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(record.len());
    let mut in_str = false;
    let mut dropped = false;
    let mut i = 0;
    while i < record.len() {
        let c = record[i];
        if in_str {
            out.push(c);
            if c == b'\\' {
                if let Some(&n) = record.get(i + 1) {
                    out.push(n);
                    i += 1;
                }
            } else if c == b'"' {
                in_str = false;
            }
        } else if c == b',' && matches!(record.get(jsonscan::skip_ws(record, i + 1)), Some(b'}' | b']')) {
            dropped = true;
        } else {
            in_str = c == b'"';
            out.push(c);
        }
        i += 1;
    }
    dropped.then_some(out)
}

/// [`redact_record_with`] under the default rules.
pub fn redact_record(
    record: &[u8],
    envelope_prefix: &[&str],
    r: &Redactor,
    summary: &mut Summary,
    out: &mut Vec<u8>,
) -> Result<(), ScanError> {
    redact_record_with(record, envelope_prefix, r, &RuleSet::default(), summary, out)
}

/// Appends `record` (one JSON value) to `out` with every sensitive value replaced
/// under `rules` (see the module docs). `envelope_prefix` is the path from the
/// record's root to the Auth0 event ([`Envelope::prefix`]); when the value there is
/// a string (Splunk `_raw`), its text is redacted as JSON and written back escaped.
/// On error nothing is appended and `summary` is unchanged.
pub fn redact_record_with(
    record: &[u8],
    envelope_prefix: &[&str],
    r: &Redactor,
    rules: &RuleSet,
    summary: &mut Summary,
    out: &mut Vec<u8>,
) -> Result<(), ScanError> {
    let mut local = Tally::default();
    redact_value(record, envelope_prefix, &mut Ctx::new(r, rules), &mut local, out)?;
    summary.records += 1;
    local.into_summary(rules, summary);
    Ok(())
}

/// One changed value in a [`Preview`]: where it was in the record, where its
/// replacement is in [`Preview::redacted`], and the rules that fired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub before: Range<usize>,
    pub after: Range<usize>,
    pub rules: Vec<String>,
}

/// One record before and after, for the page's side-by-side view.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Preview {
    /// The redacted record (the same bytes the export writes for it).
    pub redacted: String,
    /// Each replaced value, in record order. Empty for CSV rows (the whole row is shown).
    pub changes: Vec<Change>,
    pub summary: Summary,
}

/// Redacts one record for a before/after view. `csv_header` is the input's header
/// row ([`Container::prefix`] of the export) and is needed only for
/// [`Envelope::CsvRow`]. Tokens match the export's under the same key.
pub fn preview(
    record: &[u8],
    envelope: Envelope,
    csv_header: Option<&[u8]>,
    r: &Redactor,
    rules: &RuleSet,
) -> Result<Preview, String> {
    let mut ctx = Ctx::new(r, rules);
    ctx.changes = Some(Vec::new());
    let mut out = Vec::with_capacity(record.len() + 64);
    let mut tally = Tally::default();
    let done = if envelope == Envelope::CsvRow {
        let cols = CsvColumns::from_header(csv_header.unwrap_or_default()).ok_or("this CSV row has no readable header row")?;
        ctx.changes = None;
        redact_csv_row(record, &cols, &mut ctx, &mut tally, &mut out)
    } else {
        redact_value(record, envelope.prefix(), &mut ctx, &mut tally, &mut out)
    };
    done.map_err(|e| format!("this record cannot be read: {e}"))?;
    let mut summary = Summary::default();
    tally.into_summary(rules, &mut summary);
    summary.records = 1;
    Ok(Preview {
        redacted: String::from_utf8_lossy(&out).into_owned(),
        changes: ctx.changes.unwrap_or_default(),
        summary,
    })
}

/// What one export carries from record to record: the token memo, the rules, and
/// which detectors are on.
struct Ctx<'a> {
    tokens: Tokens<'a>,
    rules: &'a RuleSet,
    on: Detectors,
    /// Collected for [`preview`] only.
    changes: Option<Vec<Change>>,
}

impl<'a> Ctx<'a> {
    fn new(r: &'a Redactor, rules: &'a RuleSet) -> Self {
        Ctx {
            tokens: Tokens::new(r),
            rules,
            on: Detectors::from(rules),
            changes: None,
        }
    }
}

/// Which detectors run (a rule set can switch each off).
#[derive(Debug, Clone, Copy)]
struct Detectors {
    email: bool,
    ip: bool,
    jwt: bool,
    bearer: bool,
    opaque: bool,
    url: bool,
    code: bool,
    user_id: bool,
    phone: bool,
    known: bool,
}

impl Detectors {
    /// Every detector on (what the default rule set gives).
    const ALL: Detectors = Detectors {
        email: true,
        ip: true,
        jwt: true,
        bearer: true,
        opaque: true,
        url: true,
        code: true,
        user_id: true,
        phone: true,
        known: true,
    };

    fn all() -> Self {
        Detectors::ALL
    }

    fn from(rules: &RuleSet) -> Self {
        Detectors {
            email: rules.enabled(DET_EMAIL),
            ip: rules.enabled(DET_IP),
            jwt: rules.enabled(DET_JWT),
            bearer: rules.enabled(DET_BEARER),
            opaque: rules.enabled(DET_OPAQUE),
            url: rules.enabled(DET_URL),
            code: rules.enabled(DET_CODE),
            user_id: rules.enabled(DET_USER_ID),
            phone: rules.enabled(DET_PHONE),
            known: rules.enabled(DET_KNOWN),
        }
    }
}

const DET_EMAIL: &str = "detector:email";
const DET_IP: &str = "detector:ip";
const DET_JWT: &str = "detector:jwt";
const DET_BEARER: &str = "detector:bearer";
const DET_OPAQUE: &str = "detector:opaque_token";
const DET_URL: &str = "detector:url";
const DET_CODE: &str = "detector:auth_code";
const DET_USER_ID: &str = "detector:user_id";
const DET_PHONE: &str = "detector:phone";
const DET_KNOWN: &str = "detector:known_value";

/// Redacts one JSON value into `out`; counts into `local` (not `records`).
fn redact_value(
    record: &[u8],
    envelope_prefix: &[&str],
    ctx: &mut Ctx<'_>,
    local: &mut Tally,
    out: &mut Vec<u8>,
) -> Result<(), ScanError> {
    // 1. One walk: the span, class and key of every scalar that may need work.
    let rules = ctx.rules;
    // Sized for a typical Auth0 event (≈100 scalars), so they rarely grow.
    let mut items: Vec<Item<'_>> = Vec::with_capacity(128);
    // A key can only hold an escape if the record holds a backslash somewhere.
    let plain_keys = !record.contains(&b'\\');
    // Validated once: then a string without escapes is borrowed by a range
    // (two char-boundary checks), not validated again.
    let record_text = if plain_keys { std::str::from_utf8(record).ok() } else { None };
    let string_at = |start: usize, end: usize| -> Cow<'_, str> {
        match record_text.and_then(|t| t.get(start + 1..end - 1)) {
            Some(s) => Cow::Borrowed(s),
            None => unescape(&record[start + 1..end - 1]),
        }
    };
    let start = jsonscan::skip_ws(record, 0);
    let end = jsonscan::walk(record, start, |path, scalar, s, e| {
        if !matches!(scalar, Scalar::Str | Scalar::Number) {
            return;
        }
        let (rule, embedded) = classify_in_record(path, envelope_prefix, rules, plain_keys);
        if scalar == Scalar::Number && rule.is_none() {
            return;
        }
        let key = path.iter().rev().find_map(|s| match s {
            Seg::Key(k) => Some(*k),
            Seg::Index(_) => None,
        });
        items.push(Item {
            start: s,
            end: e,
            string: scalar == Scalar::Str,
            rule,
            embedded: embedded && scalar == Scalar::Str,
            key: key.unwrap_or(""),
            new: None,
            fired: Vec::new(),
        });
    })?;
    let tail = jsonscan::skip_ws(record, end);
    if let Some(&c) = record.get(tail) {
        // Bytes after the value were never looked at: refuse rather than leak them.
        return Err(ScanError {
            offset: tail,
            kind: ScanErrorKind::UnexpectedByte(c),
        });
    }
    let want_changes = ctx.changes.is_some();

    // New values are written, quoted and escaped, into one buffer.
    let mut arena: Vec<u8> = Vec::with_capacity(1024);
    let mut hits = Vec::with_capacity(16);

    // 2. Path rules (and embedded events), collecting the replaced values for the
    //    known-value detector.
    let mut known: Vec<Known> = Vec::with_capacity(16);
    for item in items.iter_mut() {
        if item.embedded {
            let text = unescape(&record[item.start + 1..item.end - 1]);
            let at = arena.len();
            let mut inner = Vec::with_capacity(text.len() + 32);
            let trimmed = text.trim_start();
            let saved = ctx.changes.take();
            let ok = (trimmed.starts_with('{') || trimmed.starts_with('['))
                && redact_value(text.as_bytes(), &[], ctx, local, &mut inner).is_ok();
            ctx.changes = saved;
            arena.push(b'"');
            if ok {
                write_json_string_body(&String::from_utf8_lossy(&inner), &mut arena);
            } else if !text.is_empty() {
                // Not an event after all: the whole string is sensitive.
                ctx.tokens.write(Kind::Text, &text, &mut arena);
                local.add(RULE_ENVELOPE);
            }
            arena.push(b'"');
            item.new = Some(at..arena.len());
            if want_changes {
                item.fired.push("embedded event".into());
            }
            continue;
        }
        let Some(rule) = item.rule else { continue };
        let raw = &record[item.start..item.end];
        let value: Cow<'_, str> = if item.string {
            string_at(item.start, item.end)
        } else if rule.numbers.covers(raw) {
            String::from_utf8_lossy(raw)
        } else {
            continue;
        };
        if value.is_empty() || rules.is_allowed(&value) {
            continue;
        }
        if item.string && is_masked(&value) {
            local.masked += 1;
            continue;
        }
        let at = arena.len();
        arena.push(b'"');
        if rule.route {
            write_route(&value, ctx, &mut hits, &mut arena);
        } else {
            let kind = match ctx.tokens.infer(&value, &mut hits) {
                Some(k) => k,
                // A subtree rule takes the kind from the key name.
                None if rule.tree => ctx.tokens.key_kind(item.key).unwrap_or(rule.kind),
                None => rule.kind,
            };
            ctx.tokens.write(kind, &value, &mut arena);
            if value.len() >= MIN_KNOWN_VALUE_LEN
                && !(rule.tree && (is_protocol_word(item.key) || value.contains(char::is_whitespace)))
            {
                known.push(Known {
                    value,
                    token: at + 1..arena.len(),
                });
            }
        }
        arena.push(b'"');
        match rule.custom {
            Some(i) => local.add_custom(i),
            None => local.add(rule.name),
        }
        if want_changes {
            item.fired.push(match rule.custom {
                Some(i) => rules.custom_name(usize::from(i)),
                None => rule.name.to_string(),
            });
        }
        item.new = Some(at..arena.len());
    }
    if !ctx.on.known {
        known.clear();
    }
    // Longest first, so a value containing another wins the overlap.
    known.sort_by_key(|k| std::cmp::Reverse(k.value.len()));
    let shortest_known = known.iter().map(|k| k.value.len()).min().unwrap_or(usize::MAX);
    // Each known value's first two bytes, hashed into 256 bits: a string holding
    // none of these pairs holds no known value, and skips the search for each.
    let mut known_pairs = [0u64; 4];
    for k in &known {
        let b = k.value.as_bytes();
        let p = pair_bit(b[0], b[1]);
        known_pairs[p >> 6] |= 1 << (p & 63);
    }

    // 3. Detectors over every string no rule replaced.
    let mut token = Vec::with_capacity(24);
    for item in items.iter_mut() {
        if item.rule.is_some() || item.embedded || !item.string {
            continue;
        }
        if item.end - item.start == 2 {
            continue;
        }
        let value = string_at(item.start, item.end);
        hits.clear();
        detect(&value, &mut hits, ctx.on);
        if !item.key.is_empty() && value.len() >= 7 {
            let class = ctx.tokens.key_class(item.key);
            detect_by_key(&value, class, &mut hits, ctx.on);
        }
        if value.len() >= shortest_known
            && value.as_bytes().windows(2).any(|w| {
                let p = pair_bit(w[0], w[1]);
                known_pairs[p >> 6] & (1 << (p & 63)) != 0
            })
        {
            for (i, k) in known.iter().enumerate() {
                for at in find_all(value.as_bytes(), k.value.as_bytes()) {
                    hits.push(Hit {
                        start: at,
                        end: at + k.value.len(),
                        kind: Kind::Text,
                        rule: DET_KNOWN,
                        custom: None,
                        known: Some(i),
                    });
                }
            }
        }
        user_patterns(&value, rules, &mut hits);
        if hits.is_empty() {
            continue;
        }
        if !rules.allow.is_empty() {
            if rules.is_allowed(&value) {
                continue;
            }
            hits.retain(|h| value.get(h.start..h.end).is_none_or(|v| !rules.is_allowed(v)));
        }
        resolve_overlaps(&mut hits);
        if hits.is_empty() {
            continue;
        }
        let at = arena.len();
        arena.push(b'"');
        let mut last = 0;
        for h in &hits {
            let (Some(before), Some(found)) = (value.get(last..h.start), value.get(h.start..h.end)) else {
                continue;
            };
            write_json_string_body(before, &mut arena);
            token.clear();
            match h.known.and_then(|i| known.get(i)) {
                Some(k) => token.extend_from_slice(&arena[k.token.clone()]),
                None => ctx.tokens.write(h.kind, &normalize(h.kind, found), &mut token),
            }
            arena.extend_from_slice(&token);
            last = h.end;
            match h.custom {
                Some(i) => local.add_custom(i),
                None => local.add(h.rule),
            }
            if want_changes {
                let name = match h.custom {
                    Some(i) => rules.custom_name(usize::from(i)),
                    None => h.rule.to_string(),
                };
                if !item.fired.contains(&name) {
                    item.fired.push(name);
                }
            }
        }
        write_json_string_body(value.get(last..).unwrap_or(""), &mut arena);
        arena.push(b'"');
        item.new = Some(at..arena.len());
    }

    // 4. Copy through, replacing only the chosen spans.
    let base = out.len();
    out.reserve(record.len());
    let mut last = 0;
    for item in &mut items {
        if let Some(new) = &item.new {
            out.extend_from_slice(&record[last..item.start]);
            let after = out.len() - base;
            out.extend_from_slice(&arena[new.clone()]);
            last = item.end;
            if let Some(ch) = ctx.changes.as_mut() {
                ch.push(Change {
                    before: item.start..item.end,
                    after: after..out.len() - base,
                    rules: std::mem::take(&mut item.fired),
                });
            }
        }
    }
    out.extend_from_slice(&record[last..]);
    Ok(())
}

/// The value a detector hit is hashed as: URL-encoded text is decoded first, so
/// `a%40b.com` in a URL and `a@b.com` in a field get the same token.
fn normalize(kind: Kind, found: &str) -> Cow<'_, str> {
    if kind != Kind::Text && found.contains('%') {
        percent_decode(found)
    } else {
        Cow::Borrowed(found)
    }
}

fn percent_decode(s: &str) -> Cow<'_, str> {
    if !s.contains('%') {
        return Cow::Borrowed(s);
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (b[i], b.get(i + 1).and_then(|&c| hex(c)), b.get(i + 2).and_then(|&c| hex(c))) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

/// `details.request.path`: keeps the route, tokenises the segments that are ids
/// (anything but a lowercase word or a `v2`-style version), and the query values.
fn write_route(value: &str, ctx: &mut Ctx<'_>, hits: &mut Vec<Hit>, arena: &mut Vec<u8>) {
    let (path, query) = match value.find(['?', '#']) {
        Some(q) => value.split_at(q),
        None => (value, ""),
    };
    let mut body = String::with_capacity(value.len() + 16);
    for (i, seg) in path.split('/').enumerate() {
        if i > 0 {
            body.push('/');
        }
        let word = seg.bytes().all(|c| c.is_ascii_lowercase() || c == b'-' || c == b'_')
            || (seg.len() <= 3 && seg.starts_with('v') && seg[1..].bytes().all(|c| c.is_ascii_digit()));
        if word || ctx.rules.is_allowed(seg) {
            body.push_str(seg);
            continue;
        }
        let decoded = percent_decode(seg);
        let kind = if decoded.contains('|') {
            Kind::User
        } else {
            infer_kind(&decoded, hits).unwrap_or(Kind::Id)
        };
        let mut t = Vec::with_capacity(16);
        ctx.tokens.write(kind, &decoded, &mut t);
        body.push_str(std::str::from_utf8(&t).unwrap_or(""));
    }
    hits.clear();
    find_url_params(query.as_bytes(), 0, hits, ctx.on);
    resolve_overlaps(hits);
    let mut last = 0;
    let mut t = Vec::with_capacity(16);
    for h in hits.iter() {
        let (Some(before), Some(found)) = (query.get(last..h.start), query.get(h.start..h.end)) else {
            continue;
        };
        body.push_str(before);
        t.clear();
        ctx.tokens.write(h.kind, &normalize(h.kind, found), &mut t);
        body.push_str(std::str::from_utf8(&t).unwrap_or(""));
        last = h.end;
    }
    body.push_str(query.get(last..).unwrap_or(""));
    write_json_string_body(&body, arena);
}

/// Literal patterns replace each occurrence; globs replace the whole value.
fn user_patterns(value: &str, rules: &RuleSet, hits: &mut Vec<Hit>) {
    for (i, p) in rules.patterns.iter().enumerate() {
        let custom = u16::try_from(rules.paths.len() + i).ok();
        let mut push = |start, end| {
            hits.push(Hit {
                start,
                end,
                kind: Kind::Text,
                rule: "pattern",
                custom,
                known: None,
            })
        };
        if p.is_glob() {
            if p.matches_whole(value) {
                push(0, value.len());
            }
        } else {
            for at in find_all(value.as_bytes(), p.text.as_bytes()) {
                push(at, at + p.text.len());
            }
        }
    }
}

// ---------------------------------------------------------------------------
// CSV / TSV rows

/// The column names of a CSV/TSV export, from its header row.
struct CsvColumns {
    names: Vec<String>,
    delimiter: u8,
}

impl CsvColumns {
    fn from_header(prefix: &[u8]) -> Option<CsvColumns> {
        let text = String::from_utf8_lossy(prefix);
        let line = text.trim_start_matches('\u{feff}').trim_end_matches(['\r', '\n']);
        let delimiter = crate::vendor::detect_header(line).ok()?.delimiter;
        match crate::vendor::parse_row(line.as_bytes(), 0, delimiter, true) {
            Ok(crate::vendor::RowScan::Row { fields, .. }) => Some(CsvColumns {
                names: fields.into_iter().map(|f| f.trim().to_string()).collect(),
                delimiter,
            }),
            _ => None,
        }
    }
}

/// A CSV row is redacted as the JSON object `{column: value, …}` (a `details`
/// column holding JSON is embedded as JSON), so every path rule and detector
/// applies by column name; the row is then written back with RFC 4180 quoting.
/// A row nothing changed in is copied through byte for byte.
fn redact_csv_row(
    row: &[u8],
    cols: &CsvColumns,
    ctx: &mut Ctx<'_>,
    local: &mut Tally,
    out: &mut Vec<u8>,
) -> Result<(), ScanError> {
    let fields = match crate::vendor::parse_row(row, 0, cols.delimiter, true) {
        Ok(crate::vendor::RowScan::Row { fields, .. }) => fields,
        Ok(_) => return Err(ScanError { offset: row.len(), kind: ScanErrorKind::UnexpectedEnd }),
        Err((offset, _)) => return Err(ScanError { offset, kind: ScanErrorKind::UnterminatedString }),
    };
    let build = |embed: bool| -> (Vec<u8>, Vec<bool>) {
        let mut obj = Vec::with_capacity(row.len() + 16 * fields.len());
        let mut raw = Vec::with_capacity(fields.len());
        obj.push(b'{');
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                obj.push(b',');
            }
            obj.push(b'"');
            match cols.names.get(i) {
                Some(n) => write_json_string_body(n, &mut obj),
                None => write_json_string_body(&format!("column{}", i + 1), &mut obj),
            }
            obj.extend_from_slice(b"\":");
            let t = f.trim();
            let is_json = embed
                && (t.starts_with('{') || t.starts_with('['))
                && jsonscan::skip_value(t.as_bytes(), 0).is_ok_and(|e| e == t.len());
            if is_json {
                obj.extend_from_slice(t.as_bytes());
            } else {
                obj.push(b'"');
                write_json_string_body(f, &mut obj);
                obj.push(b'"');
            }
            raw.push(is_json);
        }
        obj.push(b'}');
        (obj, raw)
    };
    let mut red = Vec::with_capacity(row.len() + 64);
    let mut attempt = Tally::default();
    let (obj, mut raw) = build(true);
    if redact_value(&obj, &[], ctx, &mut attempt, &mut red).is_err() {
        // A `details` cell that only looked like JSON: read every cell as text.
        let (obj, r) = build(false);
        raw = r;
        red.clear();
        attempt.clear();
        redact_value(&obj, &[], ctx, &mut attempt, &mut red)?;
    }
    let values = object_values(&red);
    if values.len() != fields.len() {
        return Err(ScanError { offset: 0, kind: ScanErrorKind::MismatchedBracket });
    }
    let new: Vec<Cow<'_, str>> = values
        .iter()
        .zip(&raw)
        .map(|(v, &is_raw)| {
            let b = &red[v.clone()];
            if is_raw {
                String::from_utf8_lossy(b)
            } else {
                Cow::Owned(unescape(b.get(1..b.len().saturating_sub(1)).unwrap_or_default()).into_owned())
            }
        })
        .collect();
    local.absorb(&attempt);
    if new.iter().zip(&fields).zip(&raw).all(|((n, f), &r)| if r { n.as_ref() == f.trim() } else { n == f }) {
        out.extend_from_slice(row);
        return Ok(());
    }
    for (i, v) in new.iter().enumerate() {
        if i > 0 {
            out.push(cols.delimiter);
        }
        let quote = v.bytes().any(|c| c == cols.delimiter || matches!(c, b'"' | b'\n' | b'\r'));
        if quote {
            out.push(b'"');
            for &c in v.as_bytes() {
                if c == b'"' {
                    out.push(b'"');
                }
                out.push(c);
            }
            out.push(b'"');
        } else {
            out.extend_from_slice(v.as_bytes());
        }
    }
    Ok(())
}

/// The byte ranges of the member values of the JSON object `b` (which the
/// redactor itself wrote, so it is well formed).
fn object_values(b: &[u8]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut p = jsonscan::skip_ws(b, 0);
    if b.get(p) != Some(&b'{') {
        return out;
    }
    p = jsonscan::skip_ws(b, p + 1);
    while b.get(p) == Some(&b'"') {
        let Ok(kend) = jsonscan::skip_value(b, p) else { break };
        p = jsonscan::skip_ws(b, kend);
        if b.get(p) != Some(&b':') {
            break;
        }
        p = jsonscan::skip_ws(b, p + 1);
        let Ok(vend) = jsonscan::skip_value(b, p) else { break };
        out.push(p..vend);
        p = jsonscan::skip_ws(b, vend);
        if b.get(p) == Some(&b',') {
            p = jsonscan::skip_ws(b, p + 1);
        }
    }
    out
}

struct Item<'a> {
    start: usize,
    end: usize,
    string: bool,
    rule: Option<Rule>,
    /// The string at the envelope prefix: an event embedded as JSON text.
    embedded: bool,
    /// The nearest object key above the value ("" at the root).
    key: &'a str,
    /// The replacement (quoted) in the record's arena.
    new: Option<Range<usize>>,
    /// Rule names that changed it (collected for [`preview`] only).
    fired: Vec<String>,
}

/// The bit of a byte pair in a 256-bit set.
#[inline]
fn pair_bit(a: u8, b: u8) -> usize {
    (usize::from(a).wrapping_mul(31) ^ usize::from(b)) & 255
}

struct Known<'a> {
    value: Cow<'a, str>,
    /// The token (unquoted) in the record's arena.
    token: Range<usize>,
}

/// Every start of `needle` in `hay` (non-overlapping).
fn find_all<'h>(hay: &'h [u8], needle: &'h [u8]) -> impl Iterator<Item = usize> + 'h {
    let mut from = 0;
    std::iter::from_fn(move || {
        let (&first, rest) = needle.split_first()?;
        while from + needle.len() <= hay.len() {
            let p = from
                + hay[from..=hay.len() - needle.len()]
                    .iter()
                    .position(|&c| c == first)?;
            if &hay[p + 1..p + needle.len()] == rest {
                from = p + needle.len();
                return Some(p);
            }
            from = p + 1;
        }
        None
    })
}

/// Token maker with a per-export memo: real logs repeat the same few users, ips
/// and client ids thousands of times, and a lookup is far cheaper than an HMAC.
struct Tokens<'r> {
    r: &'r Redactor,
    memo: Memo,
}

impl<'r> Tokens<'r> {
    fn new(r: &'r Redactor) -> Self {
        Tokens { r, memo: Memo::new(r.memo_seed()) }
    }

    fn write(&mut self, kind: Kind, value: &str, out: &mut Vec<u8>) {
        let hex = self.hex(kind, value.as_bytes());
        out.extend_from_slice(kind.as_str().as_bytes());
        out.push(b'-');
        out.extend_from_slice(&hex);
    }

    fn hex(&mut self, kind: Kind, value: &[u8]) -> [u8; 8] {
        let tag = kind as u8;
        let h = self.memo.hash(tag, value);
        match self.memo.find(h, tag, value) {
            Ok(slot) => self.memo.slots[slot].hex,
            Err(slot) => {
                let hex = self.r.hex(kind, value);
                self.memo.insert(slot, h, tag, value, hex);
                hex
            }
        }
    }

    /// [`infer_kind`], memoised per value (path-rule values repeat: the same
    /// users, user agents and hosts on every event). A value holding none of the
    /// bytes any detector needs is answered without either.
    fn infer(&mut self, value: &str, hits: &mut Vec<Hit>) -> Option<Kind> {
        let v = value.trim();
        if v.is_empty() || byte_flags(v.as_bytes()) & F_ANY_DETECTOR == 0 {
            return None;
        }
        self.cached(TAG_INFER, value.as_bytes(), |_| infer_kind(value, hits))
    }

    /// [`kind_for_key`], memoised per key.
    fn key_kind(&mut self, key: &str) -> Option<Kind> {
        self.cached(TAG_KEY, key.as_bytes(), |_| kind_for_key(key))
    }

    /// [`key_class`], memoised per key.
    fn key_class(&mut self, key: &str) -> u8 {
        self.cached_byte(TAG_KEY_CLASS, key.as_bytes(), || key_class(key))
    }

    fn cached(&mut self, tag: u8, value: &[u8], f: impl FnOnce(&[u8]) -> Option<Kind>) -> Option<Kind> {
        let code = self.cached_byte(tag, value, || f(value).map_or(u8::MAX, |k| k as u8));
        Kind::ALL.get(usize::from(code)).copied()
    }

    fn cached_byte(&mut self, tag: u8, value: &[u8], f: impl FnOnce() -> u8) -> u8 {
        let h = self.memo.hash(tag, value);
        match self.memo.find(h, tag, value) {
            Ok(slot) => self.memo.slots[slot].hex[0],
            Err(slot) => {
                let byte = f();
                self.memo.insert(slot, h, tag, value, [byte, 0, 0, 0, 0, 0, 0, 0]);
                byte
            }
        }
    }
}

/// Memo tags besides the token kinds (`kind as u8`, 0..14).
const TAG_INFER: u8 = 0x80;
const TAG_KEY: u8 = 0x81;
const TAG_KEY_CLASS: u8 = 0x82;

/// The token memo: an open-addressing table (linear probing) of (tag, value) →
/// 8 bytes (a token's hex digits, or an inferred kind), the values' bytes kept in
/// one arena. No allocation per entry, no
/// SipHash; sized for every distinct value of a large export (a 200 MB incident has
/// a few hundred thousand), with a ceiling on its memory.
struct Memo {
    slots: Vec<Slot>,
    /// The tag byte then the value's bytes, per entry.
    arena: Vec<u8>,
    len: usize,
    seed: u64,
}

#[derive(Clone, Copy)]
struct Slot {
    hash: u64,
    at: u32,
    /// Length in the arena (kind byte included); 0 = empty slot.
    len: u32,
    hex: [u8; 8],
}

const EMPTY_SLOT: Slot = Slot { hash: 0, at: 0, len: 0, hex: [0; 8] };
/// Most entries (24 bytes each, 48 MiB at the ceiling) and arena bytes kept.
const MEMO_MAX_ENTRIES: usize = 1 << 21;
const MEMO_MAX_ARENA: usize = 64 << 20;

impl Memo {
    fn new(seed: u64) -> Self {
        Memo { slots: vec![EMPTY_SLOT; 1 << 12], arena: Vec::with_capacity(1 << 16), len: 0, seed }
    }

    #[inline]
    fn hash(&self, tag: u8, value: &[u8]) -> u64 {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut h = (self.seed ^ u64::from(tag)).wrapping_mul(K);
        let mut chunks = value.chunks_exact(8);
        for c in &mut chunks {
            let w = u64::from_le_bytes(c.try_into().unwrap_or([0; 8]));
            h = (h.rotate_left(5) ^ w).wrapping_mul(K);
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
        }
        h = (h.rotate_left(5) ^ value.len() as u64).wrapping_mul(K);
        h ^ (h >> 29)
    }

    /// `Ok(slot)` holding the value, or `Err(slot)` where it would go.
    #[inline]
    fn find(&self, h: u64, tag: u8, value: &[u8]) -> Result<usize, usize> {
        let mask = self.slots.len() - 1;
        let mut i = (h as usize) & mask;
        loop {
            let s = &self.slots[i];
            if s.len == 0 {
                return Err(i);
            }
            if s.hash == h && s.len as usize == value.len() + 1 {
                let at = s.at as usize;
                if self.arena[at] == tag && &self.arena[at + 1..at + 1 + value.len()] == value {
                    return Ok(i);
                }
            }
            i = (i + 1) & mask;
        }
    }

    fn insert(&mut self, slot: usize, h: u64, tag: u8, value: &[u8], hex: [u8; 8]) {
        if self.len >= MEMO_MAX_ENTRIES || self.arena.len() + value.len() + 1 > MEMO_MAX_ARENA {
            return;
        }
        let at = self.arena.len() as u32;
        self.arena.push(tag);
        self.arena.extend_from_slice(value);
        self.slots[slot] = Slot { hash: h, at, len: value.len() as u32 + 1, hex };
        self.len += 1;
        if self.len * 4 > self.slots.len() * 3 {
            self.grow();
        }
    }

    fn grow(&mut self) {
        let bigger = vec![EMPTY_SLOT; self.slots.len() * 2];
        let old = std::mem::replace(&mut self.slots, bigger);
        let mask = self.slots.len() - 1;
        for s in old.into_iter().filter(|s| s.len != 0) {
            let mut i = (s.hash as usize) & mask;
            while self.slots[i].len != 0 {
                i = (i + 1) & mask;
            }
            self.slots[i] = s;
        }
    }
}

// ---------------------------------------------------------------------------
// Path rules

/// Which numbers a rule replaces (strings are always replaced).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Numbers {
    /// Every number: the field is an identity (`user_id: 12345`, latitude).
    All,
    /// Integers of 7+ digits only (phone numbers, numeric ids); counts and status
    /// codes in payloads stay readable.
    Long,
}

impl Numbers {
    fn covers(self, raw: &[u8]) -> bool {
        match self {
            Numbers::All => true,
            Numbers::Long => {
                raw.iter().all(|c| c.is_ascii_digit() || *c == b'-')
                    && raw.iter().filter(|c| c.is_ascii_digit()).count() >= 7
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Rule {
    /// Summary key, e.g. `path:ip` (a name in [`crate::rules::DEFAULT_RULES`]).
    name: &'static str,
    kind: Kind,
    numbers: Numbers,
    /// A subtree (`details.qs.**`): the token kind comes from the key name, and
    /// protocol words are not echoed into other strings.
    tree: bool,
    /// `details.request.path`: only id segments and query values are replaced.
    route: bool,
    /// A user path rule: its index in [`RuleSet::paths`].
    custom: Option<u16>,
}

const fn leaf(name: &'static str, kind: Kind) -> Rule {
    Rule {
        name,
        kind,
        numbers: Numbers::All,
        tree: false,
        route: false,
        custom: None,
    }
}

const fn tree(name: &'static str) -> Rule {
    Rule {
        name,
        kind: Kind::Text,
        numbers: Numbers::Long,
        tree: true,
        route: false,
        custom: None,
    }
}

const RULE_ENVELOPE: &str = "path:envelope";
const ESCAPED_KEY: Rule = tree("path:escaped_key");
const D_SESSION: Rule = leaf("path:details.session_id", Kind::Session);
const D_QS: Rule = tree("path:details.qs");
const D_BODY: Rule = tree("path:details.body");
const D_QUERY: Rule = tree("path:details.query");
const D_REQUEST: Rule = tree("path:details.request");
const D_ROUTE: Rule = Rule {
    route: true,
    ..leaf("path:details.request.path", Kind::Text)
};
const D_RESPONSE_BODY: Rule = tree("path:details.response.body");
const D_PROMPTS: Rule = tree("path:details.prompts");
const D_RISK: Rule = tree("path:details.riskAssessment");
const D_PAYLOAD: Rule = tree("path:details.error.payload");
const D_REFRESH: Rule = tree("path:details.refresh_token");
const D_TOKEN_IDS: Rule = leaf("path:details.token_ids", Kind::Token);

/// The rule for a scalar at `path` in a record whose event sits at `prefix`
/// (switched-off rules removed, user path rules added), and whether the scalar
/// sits exactly at a non-empty prefix (an event embedded as a string).
fn classify_in_record(path: &[Seg<'_>], prefix: &[&str], rules: &RuleSet, plain_keys: bool) -> (Option<Rule>, bool) {
    let inside = path.len() >= prefix.len()
        && path
            .iter()
            .zip(prefix)
            .all(|(s, p)| matches!(s, Seg::Key(k) if k == p));
    if inside && !prefix.is_empty() && path.len() == prefix.len() {
        return (None, true);
    }
    let rel = if inside { &path[prefix.len()..] } else { path };
    let mut rule = if inside {
        classify(rel, plain_keys)
    } else {
        // Envelope fields; anything else is classified as if the event were at the
        // root, so a wrong envelope never lets `ip` through.
        match path.first() {
            Some(Seg::Key("account")) if !prefix.is_empty() => Some(leaf(RULE_ENVELOPE, Kind::Id)),
            Some(Seg::Key("source")) if !prefix.is_empty() => Some(leaf(RULE_ENVELOPE, Kind::Tenant)),
            Some(Seg::Key("resources")) if !prefix.is_empty() => Some(tree(RULE_ENVELOPE)),
            _ => classify(path, plain_keys),
        }
    };
    if let Some(r) = rule {
        if !rules.enabled(r.name) {
            rule = None;
        }
    }
    if rule.is_none() && !rules.paths.is_empty() {
        rule = rules.paths.iter().position(|p| p.matches(rel)).map(|i| Rule {
            numbers: Numbers::All,
            custom: u16::try_from(i).ok(),
            ..tree("path:custom")
        });
    }
    (rule, false)
}

fn key_at<'p>(rel: &[Seg<'p>], i: usize) -> Option<&'p str> {
    match rel.get(i) {
        Some(Seg::Key(k)) => Some(k),
        _ => None,
    }
}

/// The rule for a path relative to the Auth0 event object, or `None` to keep it.
/// `plain_keys`: the caller knows no key holds a backslash (skips that check).
fn classify(rel: &[Seg<'_>], plain_keys: bool) -> Option<Rule> {
    if !plain_keys
        && rel
            .iter()
            .any(|s| matches!(s, Seg::Key(k) if k.contains('\\')))
    {
        return Some(ESCAPED_KEY);
    }
    let k0 = key_at(rel, 0)?;
    if k0 == "details" {
        return classify_details(&rel[1..]);
    }
    top_level(k0).or_else(|| flattened(k0))
}

fn top_level(k: &str) -> Option<Rule> {
    Some(match k {
        "ip" => leaf("path:ip", Kind::Ip),
        "client_ip" => leaf("path:client_ip", Kind::Ip),
        "user_id" => leaf("path:user_id", Kind::User),
        "identity_user_id" => leaf("path:identity_user_id", Kind::User),
        "user_name" => leaf("path:user_name", Kind::Name),
        "email" => leaf("path:email", Kind::Email),
        "user_agent" => leaf("path:user_agent", Kind::Ua),
        "hostname" => leaf("path:hostname", Kind::Host),
        "tenant_name" => leaf("path:tenant_name", Kind::Tenant),
        "tenant" => leaf("path:tenant", Kind::Tenant),
        "client_id" => leaf("path:client_id", Kind::Client),
        "session_connection" => leaf("path:session_connection", Kind::Session),
        "tracking_id"
        | "transaction_linking_id"
        | "agent_id"
        | "external_agent_id"
        | "mtls_thumbprint_sha256"
        | "organization_id" => leaf("path:ids", Kind::Id),
        "organization_name" => leaf("path:organization_name", Kind::Name),
        "location_info" => Rule {
            numbers: Numbers::All,
            ..tree("path:location_info")
        },
        "security_context" => Rule {
            numbers: Numbers::All,
            ..tree("path:security_context")
        },
        "body" => tree("path:body"),
        "query" => tree("path:query"),
        _ => return None,
    })
}

fn classify_details(d: &[Seg<'_>]) -> Option<Rule> {
    let k1 = key_at(d, 0)?;
    let last_key = d.iter().rev().find_map(|s| match s {
        Seg::Key(k) => Some(*k),
        Seg::Index(_) => None,
    });
    match k1 {
        "session_id" => Some(D_SESSION),
        "qs" => Some(D_QS),
        "body" => Some(D_BODY),
        "query" => Some(D_QUERY),
        "request" if d.len() == 2 && key_at(d, 1) == Some("method") => None,
        "request" if d.len() == 2 && key_at(d, 1) == Some("path") => Some(D_ROUTE),
        "request" => Some(D_REQUEST),
        "response" if key_at(d, 1) == Some("body") => Some(D_RESPONSE_BODY),
        "prompts" => match (d.get(1), key_at(d, 2)) {
            (
                Some(Seg::Index(_)),
                Some(k @ ("user_id" | "user_name" | "session_id" | "identity")),
            ) => Some(Rule {
                kind: prompt_kind(k),
                numbers: Numbers::All,
                ..D_PROMPTS
            }),
            _ => None,
        },
        "riskAssessment" if matches!(last_key, Some("confidence" | "version")) => None,
        "riskAssessment" => Some(D_RISK),
        "error" if key_at(d, 1) == Some("payload") => Some(D_PAYLOAD),
        "email" => Some(leaf("path:details.email", Kind::Email)),
        "to" => Some(leaf("path:details.to", Kind::Email)),
        "phone_number" => Some(leaf("path:details.phone_number", Kind::Phone)),
        "device_id" => Some(leaf("path:details.device_id", Kind::Id)),
        "code" => Some(leaf("path:details.code", Kind::Secret)),
        "refresh_token" if key_at(d, 1) == Some("session_id") => Some(D_SESSION),
        "refresh_token" => Some(D_REFRESH),
        "access_token_jti" | "token_thumbprint" | "token_endpoint_auth_signing_kid" => Some(D_TOKEN_IDS),
        "authenticator" => Some(tree("path:details.authenticator")),
        "enrollment" => Some(tree("path:details.enrollment")),
        "invitation" => Some(tree("path:details.invitation")),
        "headers" => Some(tree("path:details.headers")),
        "session_metadata" => Some(tree("path:details.session_metadata")),
        "actor" => Some(tree("path:details.actor")),
        _ => None,
    }
}

fn prompt_kind(k: &str) -> Kind {
    match k {
        "user_name" => Kind::Name,
        "session_id" => Kind::Session,
        _ => Kind::User,
    }
}

/// Microsoft Sentinel flattens the event into columns: `details_request_ip`,
/// `details_qs_state_s`, `isMobile_b`. Strip the type suffix and map the column
/// back onto the nested rules.
fn flattened(column: &str) -> Option<Rule> {
    let base = ["_s", "_b", "_d", "_t", "_g"]
        .iter()
        .find_map(|suf| column.strip_suffix(suf))
        .unwrap_or(column);
    if base != column {
        if let Some(rule) = top_level(base) {
            return Some(rule);
        }
    }
    let starts = |s: &str, p: &str| s == p || s.strip_prefix(p).is_some_and(|r| r.starts_with('_'));
    for (p, name) in [
        ("location_info", "path:location_info"),
        ("security_context", "path:security_context"),
    ] {
        if starts(base, p) {
            return Some(Rule {
                numbers: Numbers::All,
                ..tree(name)
            });
        }
    }
    let rest = base.strip_prefix("details_")?;
    if rest == "request_method" {
        return None;
    }
    if rest == "request_path" {
        return Some(D_ROUTE);
    }
    if starts(rest, "prompts") {
        return ["user_id", "user_name", "session_id", "identity"]
            .iter()
            .find(|k| rest.ends_with(*k))
            .map(|k| Rule {
                kind: prompt_kind(k),
                numbers: Numbers::All,
                ..D_PROMPTS
            });
    }
    if starts(rest, "riskAssessment") {
        return (!(rest.ends_with("confidence") || rest.ends_with("version"))).then_some(D_RISK);
    }
    let table: [(&str, Rule); 14] = [
        ("session_id", D_SESSION),
        ("qs", D_QS),
        ("body", D_BODY),
        ("query", D_QUERY),
        ("request", D_REQUEST),
        ("response_body", D_RESPONSE_BODY),
        ("error_payload", D_PAYLOAD),
        ("email", leaf("path:details.email", Kind::Email)),
        ("to", leaf("path:details.to", Kind::Email)),
        ("phone_number", leaf("path:details.phone_number", Kind::Phone)),
        ("code", leaf("path:details.code", Kind::Secret)),
        ("refresh_token", D_REFRESH),
        ("access_token_jti", D_TOKEN_IDS),
        ("headers", tree("path:details.headers")),
    ];
    table
        .iter()
        .find(|(p, _)| starts(rest, p))
        .map(|(_, r)| Rule { tree: true, ..*r })
}

/// The token kind suggested by a key name inside a payload.
fn kind_for_key(key: &str) -> Option<Kind> {
    let k = key.as_bytes();
    let has = |p: &str| {
        k.windows(p.len())
            .any(|w| w.eq_ignore_ascii_case(p.as_bytes()))
    };
    let is = |p: &str| k.eq_ignore_ascii_case(p.as_bytes());
    let ends =
        |p: &str| k.len() >= p.len() && k[k.len() - p.len()..].eq_ignore_ascii_case(p.as_bytes());
    Some(if has("email") || has("login_hint") {
        Kind::Email
    } else if has("phone") {
        Kind::Phone
    } else if has("user_agent") || has("useragent") || has("user-agent") {
        Kind::Ua
    } else if has("session") {
        Kind::Session
    } else if has("client_id") || has("clientid") {
        Kind::Client
    } else if has("tenant") {
        Kind::Tenant
    } else if has("host") || has("domain") {
        Kind::Host
    } else if has("password") || has("secret") || has("ticket") || has("csrf") || has("otp") {
        Kind::Secret
    } else if has("token")
        || has("state")
        || has("nonce")
        || has("challenge")
        || has("jti")
        || has("code")
    {
        Kind::Token
    } else if has("user_id") || has("userid") || has("subject") || has("identity") || is("sub") {
        Kind::User
    } else if is("ip") || ends("_ip") || has("ip_address") {
        Kind::Ip
    } else if has("name") {
        Kind::Name
    } else if is("id") || ends("_id") {
        Kind::Id
    } else {
        return None;
    })
}

/// OAuth/protocol parameters whose values are vocabulary, not identity: replaced
/// in place like the rest of `qs`, but not searched for in other strings.
fn is_protocol_word(key: &str) -> bool {
    matches!(
        key,
        "response_type"
            | "response_mode"
            | "scope"
            | "scopes"
            | "prompt"
            | "screen_hint"
            | "code_challenge_method"
            | "max_age"
            | "ui_locales"
            | "display"
            | "protocol"
            | "connection"
            | "audience"
            | "grant_type"
            | "grant_types"
            | "app_type"
            | "method"
            | "strategy"
            | "type"
    )
}

/// True for a value someone already masked: only `*`, `[REDACTED]`/`REDACTED`, or
/// a partly masked code (`******************************************VM-`: at least
/// four `*` and at most four other characters). Kept as is, not counted as a leak.
pub fn is_masked(v: &str) -> bool {
    if v == "[REDACTED]" || v == "REDACTED" {
        return true;
    }
    if !v.as_bytes().contains(&b'*') {
        return false;
    }
    let stars = v.bytes().filter(|&b| b == b'*').count();
    stars > 0 && (stars == v.len() || (stars >= 4 && v.chars().count() - stars <= 4))
}

// ---------------------------------------------------------------------------
// Detectors

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Hit {
    start: usize,
    end: usize,
    kind: Kind,
    rule: &'static str,
    /// A user pattern: its index in [`RuleSet::custom_name`].
    custom: Option<u16>,
    /// Index into the record's known values (then the token is that value's).
    known: Option<usize>,
}

fn hit(hits: &mut Vec<Hit>, start: usize, end: usize, kind: Kind, rule: &'static str) {
    hits.push(Hit {
        start,
        end,
        kind,
        rule,
        custom: None,
        known: None,
    });
}

/// Finds emails, ips, JWTs, bearer credentials, Auth0 user ids, phone numbers and
/// URL parameters in `s`. Every reported range starts and ends at an ASCII byte or
/// the string's ends, so it is a valid `str` range.
fn detect(s: &str, hits: &mut Vec<Hit>, on: Detectors) {
    let b = s.as_bytes();
    // One pass to learn which detectors can match at all; most strings are dates,
    // type codes and short words, and skip every detector. Each test below is a
    // byte the detector cannot match without (a JWT starts `eyJ`, an address
    // holds digits, `bearer` starts with a b).
    let f = byte_flags(b);
    let has = |flag: u16| f & flag != 0;
    let (at, pct, bar, colon, plus, dot, space, eq) = (
        has(F_AT),
        has(F_PCT),
        has(F_BAR),
        has(F_COLON),
        has(F_PLUS),
        has(F_DOT),
        has(F_SPACE),
        has(F_EQ),
    );
    if dot && has(F_J) && on.jwt {
        find_jwts(b, hits);
    }
    if space && has(F_B) && on.bearer {
        find_bearer(b, hits);
    }
    if (at || pct) && on.email {
        find_emails(b, hits);
    }
    if bar && on.user_id {
        find_user_ids(b, hits);
    }
    if dot && has(F_DIGIT) && on.ip {
        find_ipv4(b, hits);
    }
    if colon && on.ip {
        find_ipv6(s, hits);
    }
    if plus && has(F_DIGIT) && on.phone {
        find_phones(b, hits);
    }
    if at && colon && on.url {
        find_userinfo(b, hits);
    }
    if eq && (on.url || on.code) {
        find_url_params(b, 0, hits, on);
    }
}

const F_AT: u16 = 1;
const F_PCT: u16 = 1 << 1;
const F_BAR: u16 = 1 << 2;
const F_COLON: u16 = 1 << 3;
const F_PLUS: u16 = 1 << 4;
const F_DOT: u16 = 1 << 5;
const F_SPACE: u16 = 1 << 6;
const F_EQ: u16 = 1 << 7;
const F_DIGIT: u16 = 1 << 8;
const F_J: u16 = 1 << 9;
const F_B: u16 = 1 << 10;
/// A string without any of these bytes triggers no detector in [`detect`].
const F_ANY_DETECTOR: u16 = F_AT | F_PCT | F_BAR | F_COLON | F_PLUS | F_DOT | F_SPACE | F_EQ;

/// Byte classes for [`byte_flags`].
static BYTE_CLASS: [u16; 256] = {
    let mut t = [0u16; 256];
    t[b'@' as usize] = F_AT;
    t[b'%' as usize] = F_PCT;
    t[b'|' as usize] = F_BAR;
    t[b':' as usize] = F_COLON;
    t[b'+' as usize] = F_PLUS;
    t[b'.' as usize] = F_DOT;
    t[b' ' as usize] = F_SPACE;
    t[b'\t' as usize] = F_SPACE;
    t[b'=' as usize] = F_EQ;
    t[b'J' as usize] = F_J;
    t[b'b' as usize] = F_B;
    t[b'B' as usize] = F_B;
    let mut d = b'0';
    while d <= b'9' {
        t[d as usize] = F_DIGIT;
        d += 1;
    }
    t
};

/// The union of the byte classes in `b` (a table lookup and an OR per byte).
#[inline]
fn byte_flags(b: &[u8]) -> u16 {
    let mut f = 0;
    for &c in b {
        f |= BYTE_CLASS[usize::from(c)];
    }
    f
}

/// Detectors that depend on the key above the value: opaque credentials under a
/// key that names one, and phone numbers without a `+` under a key naming a phone.
/// `class` is [`key_class`] of the (non-empty) key; `s` has 7+ bytes.
fn detect_by_key(s: &str, class: u8, hits: &mut Vec<Hit>, on: Detectors) {
    let b = s.as_bytes();
    if on.phone && class & KEY_PHONE != 0 {
        let digits = b.iter().filter(|c| c.is_ascii_digit()).count();
        if digits >= 7 && b.iter().all(|&c| c.is_ascii_digit() || b" +-.()".contains(&c)) {
            hit(hits, 0, b.len(), Kind::Phone, DET_PHONE);
            return;
        }
    }
    if on.opaque && b.len() >= OPAQUE_MIN && class & KEY_SECRET != 0 {
        let is_tok = |c: u8| c.is_ascii_alphanumeric() || b"-_+/=~.".contains(&c);
        let mut i = 0;
        while i < b.len() {
            if !is_tok(b[i]) {
                i += 1;
                continue;
            }
            let e = run_end(b, i, is_tok);
            if e - i >= OPAQUE_MIN {
                hit(hits, i, e, Kind::Token, DET_OPAQUE);
            }
            i = e;
        }
    }
}

const KEY_PHONE: u8 = 1;
const KEY_SECRET: u8 = 2;

/// What a key name tells [`detect_by_key`]: it names a phone ([`KEY_PHONE`]),
/// a credential ([`KEY_SECRET`]).
fn key_class(key: &str) -> u8 {
    let k = key.as_bytes();
    let has = |p: &str| k.windows(p.len()).any(|w| w.eq_ignore_ascii_case(p.as_bytes()));
    let mut class = 0;
    if has("phone") {
        class |= KEY_PHONE;
    }
    if is_secret_key(&has) {
        class |= KEY_SECRET;
    }
    class
}

/// Shortest run of base64url/hex characters taken for an opaque credential.
const OPAQUE_MIN: usize = 32;

fn is_secret_key(has: &dyn Fn(&str) -> bool) -> bool {
    [
        "token", "secret", "passw", "apikey", "api_key", "private", "ticket", "cookie", "session", "signature",
        "assertion", "authorization", "credential", "csrf", "code", "jti", "thumbprint", "nonce", "state", "hash",
    ]
    .iter()
    .any(|p| has(p))
}

/// `scheme://user:pass@host`: the user-info part (host and path are kept).
fn find_userinfo(b: &[u8], hits: &mut Vec<Hit>) {
    let mut i = 0;
    while let Some(p) = find_from(b, i, b"://") {
        let st = p + 3;
        let en = run_end(b, st, |c| !matches!(c, b'/' | b'?' | b'#' | b' ' | b'\t' | b'"' | b'\'' | b'<' | b'>'));
        if let Some(at) = b[st..en].iter().rposition(|&c| c == b'@') {
            if at > 0 {
                hit(hits, st, st + at, Kind::Secret, DET_URL);
            }
        }
        i = en.max(st);
    }
}

/// `?key=value&key=value#key=value`: each value, unless it is a protocol word
/// (`response_type=code`), a small number, empty or already masked. `code=` values
/// are authorization codes. Also `key=value&…` at the start of a string (a form
/// body). Values are hashed URL-decoded.
fn find_url_params(b: &[u8], from: usize, hits: &mut Vec<Hit>, on: Detectors) {
    let is_key = |c: u8| c.is_ascii_alphanumeric() || b"_.-[]".contains(&c);
    let mut i = from;
    while i < b.len() {
        let delim = matches!(b[i], b'?' | b'&' | b'#') && (i > from && !b[i - 1].is_ascii_whitespace());
        let form_start = i == from && b.contains(&b'&');
        if !(delim || form_start) {
            i += 1;
            continue;
        }
        let ks = if form_start && !delim { i } else { i + 1 };
        let ke = run_end(b, ks, is_key);
        if ke == ks || b.get(ke) != Some(&b'=') {
            i = ks.max(i + 1);
            continue;
        }
        let vs = ke + 1;
        let ve = run_end(b, vs, |c| !matches!(c, b'&' | b'#' | b' ' | b'\t' | b'\n' | b'"' | b'\'' | b'<' | b'>'));
        i = ve.max(i + 1);
        let (Ok(key), Ok(val)) = (std::str::from_utf8(&b[ks..ke]), std::str::from_utf8(&b[vs..ve])) else {
            continue;
        };
        if val.is_empty()
            || is_protocol_word(key)
            || (val.len() <= 4 && val.bytes().all(|c| c.is_ascii_digit()))
            || is_masked(&percent_decode(val))
        {
            continue;
        }
        if key.eq_ignore_ascii_case("code") {
            if on.code {
                hit(hits, vs, ve, Kind::Secret, DET_CODE);
            }
        } else if on.url {
            let decoded = percent_decode(val);
            let mut tmp = Vec::new();
            let kind = infer_kind(&decoded, &mut tmp).or_else(|| kind_for_key(key)).unwrap_or(Kind::Text);
            hit(hits, vs, ve, kind, DET_URL);
        }
    }
}

/// Keeps the earliest, then longest, of overlapping hits (stable: earlier
/// detectors win ties).
fn resolve_overlaps(hits: &mut Vec<Hit>) {
    hits.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
    let mut last_end = 0;
    hits.retain(|h| {
        if h.start >= last_end && h.end > h.start {
            last_end = h.end;
            true
        } else {
            false
        }
    });
}

/// The kind of a value that is wholly one detectable thing.
fn infer_kind(value: &str, hits: &mut Vec<Hit>) -> Option<Kind> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    hits.clear();
    detect(v, hits, Detectors::all());
    resolve_overlaps(hits);
    match hits.as_slice() {
        [h] if h.start == 0 && h.end == v.len() => Some(h.kind),
        _ => None,
    }
}

fn is_b64url(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'-' || c == b'_'
}

fn run_end(b: &[u8], mut i: usize, pred: impl Fn(u8) -> bool) -> usize {
    while i < b.len() && pred(b[i]) {
        i += 1;
    }
    i
}

fn find_from(b: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    b.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

fn find_jwts(b: &[u8], hits: &mut Vec<Hit>) {
    let mut i = 0;
    while let Some(st) = find_from(b, i, b"eyJ") {
        i = st + 3;
        if st > 0 && is_b64url(b[st - 1]) {
            continue;
        }
        let e1 = run_end(b, st, is_b64url);
        if e1 - st < 10 || b.get(e1) != Some(&b'.') {
            continue;
        }
        let e2 = run_end(b, e1 + 1, is_b64url);
        if e2 == e1 + 1 || b.get(e2) != Some(&b'.') {
            continue;
        }
        let e3 = run_end(b, e2 + 1, is_b64url);
        hit(hits, st, e3, Kind::Token, "detector:jwt");
        i = e3;
    }
}

fn find_bearer(b: &[u8], hits: &mut Vec<Hit>) {
    let mut i = 0;
    while i + 6 < b.len() {
        if !b[i..i + 6].eq_ignore_ascii_case(b"bearer")
            || (i > 0 && b[i - 1].is_ascii_alphanumeric())
        {
            i += 1;
            continue;
        }
        let ts = run_end(b, i + 6, |c| c == b' ' || c == b'\t');
        if ts == i + 6 {
            i += 6;
            continue;
        }
        let te = run_end(b, ts, |c| {
            c.is_ascii_alphanumeric() || b"-._~+/".contains(&c)
        });
        let te = run_end(b, te, |c| c == b'=');
        if te - ts >= 6 {
            hit(hits, ts, te, Kind::Secret, "detector:bearer");
        }
        i = te.max(i + 6);
    }
}

fn find_emails(b: &[u8], hits: &mut Vec<Hit>) {
    let is_local = |c: u8| c.is_ascii_alphanumeric() || b"._%+-".contains(&c);
    let is_domain = |c: u8| c.is_ascii_alphanumeric() || c == b'.' || c == b'-';
    let mut i = 0;
    while i < b.len() {
        let at_len = match b[i] {
            b'@' => 1,
            b'%' if b.get(i + 1..i + 3) == Some(b"40") => 3,
            _ => {
                i += 1;
                continue;
            }
        };
        let mut st = i;
        while st > 0 && is_local(b[st - 1]) {
            st -= 1;
        }
        while st < i && b[st] == b'.' {
            st += 1;
        }
        let ds = i + at_len;
        let mut en = run_end(b, ds, is_domain);
        while en > ds && matches!(b[en - 1], b'.' | b'-') {
            en -= 1;
        }
        if st < i && valid_domain(&b[ds..en]) {
            hit(hits, st, en, Kind::Email, "detector:email");
            i = en;
        } else {
            i += at_len;
        }
    }
}

fn valid_domain(d: &[u8]) -> bool {
    let labels: Vec<&[u8]> = d.split(|&c| c == b'.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| !l.is_empty())
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.iter().all(u8::is_ascii_alphabetic))
}

fn find_user_ids(b: &[u8], hits: &mut Vec<Hit>) {
    let is_provider = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-';
    let is_id = |c: u8| c.is_ascii_alphanumeric() || b"._-@+:|".contains(&c);
    let mut i = 0;
    while let Some(bar) = b
        .get(i..)
        .and_then(|r| r.iter().position(|&c| c == b'|'))
        .map(|p| p + i)
    {
        i = bar + 1;
        let mut st = bar;
        while st > 0 && is_provider(b[st - 1]) {
            st -= 1;
        }
        let provider = &b[st..bar];
        let boundary = st == 0 || !(b[st - 1].is_ascii_alphanumeric() || b[st - 1] == b'_');
        if provider.len() < 2 || !boundary || !provider.iter().any(u8::is_ascii_lowercase) {
            continue;
        }
        let mut en = run_end(b, bar + 1, is_id);
        while en > bar + 1 && matches!(b[en - 1], b'.' | b':' | b'|' | b'-') {
            en -= 1;
        }
        if en - (bar + 1) >= 3 {
            hit(hits, st, en, Kind::User, "detector:user_id");
            i = en;
        }
    }
}

fn find_ipv4(b: &[u8], hits: &mut Vec<Hit>) {
    let mut i = 0;
    while i < b.len() {
        let starts = b[i].is_ascii_digit()
            && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'.'));
        if starts {
            if let Some(end) = ipv4_at(b, i) {
                hit(hits, i, end, Kind::Ip, "detector:ip");
                i = end;
                continue;
            }
        }
        i += 1;
    }
}

/// A dotted quad of 1–3 digit numbers at `i` (values over 255 accepted on purpose).
fn ipv4_at(b: &[u8], i: usize) -> Option<usize> {
    let mut p = i;
    for part in 0..4 {
        let s = p;
        p = run_end(b, p, |c| c.is_ascii_digit());
        if !(1..=3).contains(&(p - s)) {
            return None;
        }
        if part < 3 {
            if b.get(p) != Some(&b'.') {
                return None;
            }
            p += 1;
        }
    }
    match b.get(p) {
        Some(c) if c.is_ascii_alphanumeric() => None,
        Some(b'.') if b.get(p + 1).is_some_and(u8::is_ascii_digit) => None,
        _ => Some(p),
    }
}

fn find_ipv6(s: &str, hits: &mut Vec<Hit>) {
    let b = s.as_bytes();
    let is_v6 = |c: u8| c.is_ascii_hexdigit() || c == b':' || c == b'.';
    let mut i = 0;
    while let Some(colon) = b
        .get(i..)
        .and_then(|r| r.iter().position(|&c| c == b':'))
        .map(|p| p + i)
    {
        let mut st = colon;
        while st > 0 && is_v6(b[st - 1]) {
            st -= 1;
        }
        let en = run_end(b, colon, is_v6);
        i = en.max(colon + 1);
        let before_ok = st == 0 || !(b[st - 1].is_ascii_alphanumeric() || b[st - 1] == b'_');
        let after_ok = b
            .get(en)
            .is_none_or(|c| !(c.is_ascii_alphanumeric() || *c == b'_'));
        if !before_ok || !after_ok {
            continue;
        }
        // The run may end in sentence punctuation ("… from ::1.").
        let mut e = en;
        while e > st {
            let cand = &s[st..e];
            let colons = cand.bytes().filter(|&c| c == b':').count();
            if colons >= 2
                && cand.bytes().any(|c| c.is_ascii_hexdigit())
                && cand.parse::<std::net::Ipv6Addr>().is_ok()
            {
                // A zone id (`fe80::1%eth0`, URL-encoded `%25eth0`) belongs to it.
                let e = if e == en && b.get(e) == Some(&b'%') {
                    run_end(b, e + 1, |c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
                } else {
                    e
                };
                hit(hits, st, e, Kind::Ip, "detector:ip");
                break;
            }
            if !matches!(b[e - 1], b'.' | b':') {
                break;
            }
            e -= 1;
        }
    }
}

fn find_phones(b: &[u8], hits: &mut Vec<Hit>) {
    let mut i = 0;
    while let Some(plus) = b
        .get(i..)
        .and_then(|r| r.iter().position(|&c| c == b'+'))
        .map(|p| p + i)
    {
        i = plus + 1;
        if plus > 0 && b[plus - 1].is_ascii_alphanumeric() {
            continue;
        }
        let (mut p, mut digits, mut end, mut seps) = (plus + 1, 0, plus + 1, 0);
        while p < b.len() {
            match b[p] {
                c if c.is_ascii_digit() => {
                    digits += 1;
                    seps = 0;
                    end = p + 1;
                }
                b' ' | b'-' | b'.' | b'(' | b')' if seps < 2 => seps += 1,
                _ => break,
            }
            p += 1;
        }
        let after_ok = b.get(end).is_none_or(|c| !c.is_ascii_alphanumeric());
        if (8..=15).contains(&digits)
            && after_ok
            && b.get(plus + 1)
                .is_some_and(|c| c.is_ascii_digit() || *c == b'(')
        {
            hit(hits, plus, end, Kind::Phone, "detector:phone");
            i = end;
        }
    }
}

// ---------------------------------------------------------------------------
// JSON string escapes

/// Decodes the content of a JSON string (between the quotes). Lenient: a bad
/// escape becomes U+FFFD or the escaped character, invalid UTF-8 is replaced.
pub fn unescape(raw: &[u8]) -> Cow<'_, str> {
    if !raw.contains(&b'\\') {
        // Validating is cheaper than `from_utf8_lossy`'s chunk walk; the same result.
        return match std::str::from_utf8(raw) {
            Ok(s) => Cow::Borrowed(s),
            Err(_) => String::from_utf8_lossy(raw),
        };
    }
    let mut out: Vec<u8> = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let c = raw[i];
        if c != b'\\' {
            out.push(c);
            i += 1;
            continue;
        }
        let Some(&e) = raw.get(i + 1) else {
            break;
        };
        i += 2;
        let simple = match e {
            b'"' => Some(b'"'),
            b'\\' => Some(b'\\'),
            b'/' => Some(b'/'),
            b'b' => Some(0x08),
            b'f' => Some(0x0c),
            b'n' => Some(b'\n'),
            b'r' => Some(b'\r'),
            b't' => Some(b'\t'),
            b'u' => None,
            other => Some(other),
        };
        if let Some(byte) = simple {
            out.push(byte);
            continue;
        }
        let Some(hi) = hex4(raw, i) else {
            push_char(&mut out, '\u{fffd}');
            continue;
        };
        i += 4;
        let ch = if (0xD800..0xDC00).contains(&hi) {
            match (raw.get(i..i + 2), hex4(raw, i + 2)) {
                (Some(b"\\u"), Some(lo)) if (0xDC00..0xE000).contains(&lo) => {
                    i += 6;
                    char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
                }
                _ => None,
            }
        } else {
            char::from_u32(hi)
        };
        push_char(&mut out, ch.unwrap_or('\u{fffd}'));
    }
    match String::from_utf8(out) {
        Ok(s) => Cow::Owned(s),
        Err(e) => Cow::Owned(String::from_utf8_lossy(e.as_bytes()).into_owned()),
    }
}

fn hex4(b: &[u8], i: usize) -> Option<u32> {
    let s = std::str::from_utf8(b.get(i..i + 4)?).ok()?;
    u32::from_str_radix(s, 16).ok()
}

fn push_char(out: &mut Vec<u8>, c: char) {
    let mut buf = [0u8; 4];
    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
}

/// Writes `s` JSON-escaped (without the quotes).
fn write_json_string_body(s: &str, out: &mut Vec<u8>) {
    for &c in s.as_bytes() {
        match c {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            c if c < 0x20 => {
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(c >> 4)]);
                out.push(HEX[usize::from(c & 15)]);
            }
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn red() -> Redactor {
        Redactor::new([7u8; 32])
    }

    fn run(record: &str, prefix: &[&str]) -> (String, Summary) {
        let mut out = Vec::new();
        let mut s = Summary::default();
        redact_record(record.as_bytes(), prefix, &red(), &mut s, &mut out).unwrap();
        (String::from_utf8(out).unwrap(), s)
    }

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    #[test]
    fn pbkdf2_matches_rfc_vectors() {
        // RFC 7914 §11 / widely published PBKDF2-HMAC-SHA256 vectors.
        assert_eq!(
            hex(&pbkdf2_sha256(b"password", b"salt", 1)),
            "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b"
        );
        assert_eq!(
            hex(&pbkdf2_sha256(b"password", b"salt", 4096)),
            "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a"
        );
    }

    #[test]
    fn tokens_are_stable_keyed_and_typed() {
        let a = red();
        let t = a.token(Kind::Email, "a@b.com");
        assert_eq!(t, a.token(Kind::Email, "a@b.com"));
        assert!(
            t.starts_with("email-") && t.len() == "email-".len() + 8,
            "{t}"
        );
        assert_ne!(t, a.token(Kind::Name, "a@b.com"));
        assert_ne!(t, Redactor::new([8u8; 32]).token(Kind::Email, "a@b.com"));
        assert_eq!(
            Redactor::from_passphrase("x"),
            Redactor::from_passphrase("x")
        );
        assert_ne!(
            Redactor::from_passphrase("x"),
            Redactor::from_passphrase("y")
        );
        for k in Kind::ALL {
            assert!(a.token(k, "v").starts_with(&format!("{k}-")));
        }
    }

    #[test]
    fn precomputed_hmac_matches_the_hmac_crate_at_every_length() {
        // Lengths around the one- and two-block boundaries of kind || 0 || value.
        for key in [[7u8; 32], [0xff; 32], *b"0123456789abcdef0123456789abcdef"] {
            let r = Redactor::new(key);
            for len in 0..200 {
                let value: Vec<u8> = (0..len).map(|i| (i * 37 % 251) as u8).collect();
                for kind in [Kind::Ip, Kind::Session, Kind::Text] {
                    let mut m = hmac_with_key(&key);
                    m.update(kind.as_str().as_bytes());
                    m.update(&[0]);
                    m.update(&value);
                    let tag = m.finalize().into_bytes();
                    assert_eq!(r.hex(kind, &value), hex(&tag[..4]).as_bytes(), "{kind} {len}");
                }
            }
        }
    }

    #[test]
    fn memo_returns_the_token_of_each_value_across_growth() {
        let r = red();
        let mut t = Tokens::new(&r);
        let values: Vec<String> = (0..20_000).map(|i| format!("value-{i}")).collect();
        for round in 0..2 {
            for (i, v) in values.iter().enumerate() {
                let kind = Kind::ALL[i % Kind::ALL.len()];
                let mut out = Vec::new();
                t.write(kind, v, &mut out);
                assert_eq!(String::from_utf8(out).unwrap(), r.token(kind, v), "round {round}");
            }
        }
        assert_eq!(t.memo.len, values.len());
    }

    #[test]
    fn byte_class_prechecks_never_skip_a_detector_that_would_match() {
        // Strings from an alphabet rich in the bytes detectors look for; each
        // finder is run unconditionally and must find nothing whenever `detect`
        // would have skipped it.
        let alphabet: Vec<char> = "eyJbBrarR .:@%|+=-_/?&#0123456789abcdefABCDEFxyz\t|é".chars().collect();
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let templates = [
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2ln",
            "Bearer abcdef123456",
            "1.2.3.4",
            "+1 415 555 4321",
            "a@b.io",
            "x%40y.com",
            "auth0|abc123",
            "fe80::1",
        ];
        for round in 0..20_000 {
            let mut v = String::new();
            if round % 3 == 0 {
                v.push_str(templates[(next() % templates.len() as u64) as usize]);
            }
            for _ in 0..(next() % 24) {
                v.push(alphabet[(next() % alphabet.len() as u64) as usize]);
            }
            let b = v.as_bytes();
            let f = byte_flags(b);
            let found = |run: &dyn Fn(&mut Vec<Hit>)| {
                let mut h = Vec::new();
                run(&mut h);
                !h.is_empty()
            };
            if found(&|h| find_jwts(b, h)) {
                assert!(f & F_DOT != 0 && f & F_J != 0, "{v}");
            }
            if found(&|h| find_bearer(b, h)) {
                assert!(f & F_SPACE != 0 && f & F_B != 0, "{v}");
            }
            if found(&|h| find_ipv4(b, h)) {
                assert!(f & F_DOT != 0 && f & F_DIGIT != 0, "{v}");
            }
            if found(&|h| find_phones(b, h)) {
                assert!(f & F_PLUS != 0 && f & F_DIGIT != 0, "{v}");
            }
            let mut all = Vec::new();
            detect(&v, &mut all, Detectors::ALL);
            if f & F_ANY_DETECTOR == 0 {
                assert!(all.is_empty(), "{v}");
            }
        }
    }

    #[test]
    fn debug_does_not_print_the_key() {
        let r = Redactor::new([0xab; 32]);
        let d = format!("{r:?}");
        assert!(
            !d.contains("ab, ") && !d.contains("abab") && !d.contains("171"),
            "{d}"
        );
    }

    #[test]
    fn top_level_fields_and_escapes() {
        let rec = r#"{"ip": "1.2.3.4", "user_name":"a\u0040b.com", "log_id":"900123","type":"f","isMobile":false}"#;
        let (out, s) = run(rec, &[]);
        let r = red();
        assert!(
            out.contains(&format!("\"ip\": \"{}\"", r.token(Kind::Ip, "1.2.3.4"))),
            "{out}"
        );
        assert!(
            out.contains(&format!(
                "\"user_name\":\"{}\"",
                r.token(Kind::Email, "a@b.com")
            )),
            "{out}"
        );
        assert!(
            out.ends_with(r#""log_id":"900123","type":"f","isMobile":false}"#),
            "{out}"
        );
        assert_eq!(s.count("path:ip"), 1);
        assert_eq!(s.count("path:user_name"), 1);
        assert_eq!(s.records, 1);
    }

    #[test]
    fn invalid_ip_numeric_user_id_and_masks() {
        let rec = r#"{"ip":"190.257.209.19","user_id":12345,"details":{"body":{"password":"*****","x":"[REDACTED]","n":3}}}"#;
        let (out, s) = run(rec, &[]);
        assert!(!out.contains("190.257"), "{out}");
        assert!(out.contains(&format!(
            "\"ip\":\"{}\"",
            red().token(Kind::Ip, "190.257.209.19")
        )));
        assert!(
            out.contains(&format!(
                "\"user_id\":\"{}\"",
                red().token(Kind::User, "12345")
            )),
            "{out}"
        );
        assert!(
            out.contains(r#""password":"*****","x":"[REDACTED]","n":3"#),
            "{out}"
        );
        assert_eq!(s.already_masked, 2);
        assert_eq!(s.count("path:details.body"), 0);
    }

    #[test]
    fn detectors_in_free_text() {
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl";
        let rec = format!(
            r#"{{"description":"To: neo@test.com from 10.0.0.1 and 2001:db8::1, user auth0|5f1e2d or google-oauth2|1234567, call +1 415 555 4321","details":{{"return_to":"https://app.example.com/logout?id_token_hint={jwt}&x=1","h":"Authorization: Bearer abcdef123456","date":"2024-01-15T10:30:00.000Z","v":"Chrome/95.0.4638.69"}}}}"#
        );
        let (out, s) = run(&rec, &[]);
        for leak in [
            "neo@test.com",
            "10.0.0.1",
            "2001:db8::1",
            "auth0|5f1e2d",
            "google-oauth2|1234567",
            "415 555",
            jwt,
            "abcdef123456",
        ] {
            assert!(!out.contains(leak), "{leak} in {out}");
        }
        assert!(out.contains("To: email-"), "{out}");
        assert!(
            out.contains("https://app.example.com/logout?id_token_hint=token-"),
            "{out}"
        );
        assert!(out.contains("&x=1"));
        assert!(out.contains("Bearer secret-"));
        assert!(
            out.contains("2024-01-15T10:30:00.000Z") && out.contains("Chrome/95.0.4638.69"),
            "{out}"
        );
        for d in ["email", "ip", "jwt", "bearer", "user_id", "phone"] {
            assert!(s.count(&format!("detector:{d}")) > 0, "{d}: {s:?}");
        }
        serde_json::from_str::<serde_json::Value>(&out).unwrap();
    }

    #[test]
    fn known_values_are_replaced_inside_kept_text() {
        let rec = r#"{"client_id":"aI61p8I8aFjmYRliLW","hostname":"dev-x.eu.auth0.com","audience":"https://dev-x.eu.auth0.com/api/v2/",
            "details":{"qs":{"scope":"openid profile","state":"abcdefgh"},"error":{"oauthError":"go to applications/aI61p8I8aFjmYRliLW/settings"}},"scope":"openid profile"}"#;
        let (out, s) = run(rec, &[]);
        let r = red();
        assert!(
            !out.contains("aI61p8I8aFjmYRliLW") && !out.contains("dev-x.eu"),
            "{out}"
        );
        assert!(out.contains(&format!(
            "applications/{}/settings",
            r.token(Kind::Client, "aI61p8I8aFjmYRliLW")
        )));
        assert!(out.contains(&format!(
            "https://{}/api/v2/",
            r.token(Kind::Host, "dev-x.eu.auth0.com")
        )));
        assert!(
            out.ends_with(r#""scope":"openid profile"}"#),
            "protocol words are not echoed: {out}"
        );
        assert_eq!(s.count("detector:known_value"), 2);

        // An error sentence copied into `error.payload` is replaced there, but not
        // chased into `description`; the single-word URL inside it is.
        let rec = r#"{"description":"Callback URL mismatch. http://localhost:3000/cb is not allowed","details":{"error":{"message":"Callback URL mismatch. http://localhost:3000/cb is not allowed","payload":{"message":"Callback URL mismatch. http://localhost:3000/cb is not allowed","attempt":"http://localhost:3000/cb","status":403}}}}"#;
        let (out, _) = run(rec, &[]);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let url = r.token(Kind::Text, "http://localhost:3000/cb");
        let kept = format!("Callback URL mismatch. {url} is not allowed");
        assert_eq!(v["description"], kept.as_str());
        assert_eq!(v["details"]["error"]["message"], kept.as_str());
        assert!(v["details"]["error"]["payload"]["message"]
            .as_str()
            .unwrap()
            .starts_with("text-"));
        assert_eq!(v["details"]["error"]["payload"]["status"], 403);
    }

    #[test]
    fn envelope_prefix_and_rules_by_path() {
        let rec = r#"{"log_id":"9001","data":{"ip":"1.1.1.1","details":{"request":{"method":"POST","path":"/api/v2/users/auth0%7C5f1e2d/roles?page=2&q=neo"},
            "prompts":[{"user_id":"u1","elapsedTime":5,"name":"login"}],"riskAssessment":{"confidence":"low","version":"1","assessments":{"NewDevice":{"confidence":"high","details":{"useragent":"UA"}}}},
            "actions":{"executions":["c5b35bb1"]},"stats":{"total_request_duration_ms":19900},"elapsedTime":10,"session_id":"sess"},
            "location_info":{"latitude":35.6,"city_name":"Tokyo"}}}"#;
        let (out, _) = run(rec, &["data"]);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let d = &v["data"]["details"];
        assert_eq!(v["log_id"], "9001");
        assert_eq!(d["request"]["method"], "POST");
        let user = red().token(Kind::User, "auth0|5f1e2d");
        assert_eq!(d["request"]["path"], format!("/api/v2/users/{user}/roles?page=2&q=text-{}", &red().token(Kind::Text, "neo")[5..]));
        assert!(d["prompts"][0]["user_id"]
            .as_str()
            .unwrap()
            .starts_with("user-"));
        assert_eq!(d["prompts"][0]["elapsedTime"], 5);
        assert_eq!(d["prompts"][0]["name"], "login");
        assert_eq!(d["riskAssessment"]["confidence"], "low");
        assert_eq!(
            d["riskAssessment"]["assessments"]["NewDevice"]["confidence"],
            "high"
        );
        assert!(
            d["riskAssessment"]["assessments"]["NewDevice"]["details"]["useragent"]
                .as_str()
                .unwrap()
                .starts_with("ua-")
        );
        assert_eq!(d["actions"]["executions"][0], "c5b35bb1");
        assert_eq!(d["stats"]["total_request_duration_ms"], 19900);
        assert!(d["session_id"].as_str().unwrap().starts_with("session-"));
        assert!(v["data"]["location_info"]["latitude"]
            .as_str()
            .unwrap()
            .starts_with("text-"));
        assert!(v["data"]["ip"].as_str().unwrap().starts_with("ip-"));
    }

    #[test]
    fn sentinel_flattened_columns() {
        let rec = r#"{"details_request_ip":"81.2.69.144","details_request_method":"POST","details_request_auth_user_email":"x@y.io","ip_s":"IP","isMobile_b":"false","details_response_statusCode":200}"#;
        let (out, _) = run(rec, &[]);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert!(v["details_request_ip"].as_str().unwrap().starts_with("ip-"));
        assert_eq!(v["details_request_method"], "POST");
        assert!(v["details_request_auth_user_email"]
            .as_str()
            .unwrap()
            .starts_with("email-"));
        assert!(v["ip_s"].as_str().unwrap().starts_with("ip-"));
        assert_eq!(v["isMobile_b"], "false");
        assert_eq!(v["details_response_statusCode"], 200);
    }

    #[test]
    fn untouched_records_are_byte_identical_and_bad_ones_are_errors() {
        let rec = "{ \"type\" : \"f\",\n  \"description\": \"resource_exhausted\", \"n\": [1, 2.5e3, true, null, {}] }";
        assert_eq!(run(rec, &[]).0, rec);
        let mut out = Vec::new();
        let mut s = Summary::default();
        for bad in [
            "{\"ip\":\"1.2.3.4\"",
            "{\"ip\":\"1.2.3.4\"} trailing",
            "",
            "\"\\",
            "[1,]",
        ] {
            assert!(
                redact_record(bad.as_bytes(), &[], &red(), &mut s, &mut out).is_err(),
                "{bad}"
            );
        }
        assert!(out.is_empty());
        assert_eq!(s, Summary::default());
    }

    #[test]
    fn export_keeps_the_container_shape_and_skips_unreadable_records() {
        let input = br#"[{"ip":"1.2.3.4"}, {"ip": "1.2.3.4" oops}, {"type":"s"}]"#;
        let span = |from: usize| from..jsonscan::skip_value(input, from).unwrap();
        let third = span(43);
        let spans = vec![
            (span(1), Envelope::Bare),
            (span(19), Envelope::Bare),
            (third.clone(), Envelope::Bare),
            (90..99, Envelope::Bare),
        ];
        let e = export(input, &Container::json_array(), spans.into_iter(), &red());
        let text = String::from_utf8(e.bytes).unwrap();
        let ip = red().token(Kind::Ip, "1.2.3.4");
        assert_eq!(
            text,
            format!("[\n{{\"ip\":\"{ip}\"}},\n{{\"type\":\"s\"}}\n]\n")
        );
        assert_eq!(e.summary.records, 2);
        assert_eq!(e.summary.records_skipped, 2);
        let json = serde_json::to_string(&e.summary).unwrap();
        assert!(json.contains("\"path:ip\":1"), "{json}");
        let paged = Container::paged("logs");
        let e = export(
            input,
            &paged,
            std::iter::once((third, Envelope::Bare)),
            &red(),
        );
        serde_json::from_slice::<serde_json::Value>(&e.bytes).unwrap();
    }

    #[test]
    fn unescape_handles_all_forms() {
        assert_eq!(
            unescape(br#"a\u0040b\n\"\\\/\ud83d\ude00"#),
            "a@b\n\"\\/\u{1f600}"
        );
        assert_eq!(unescape(br#"\ud83d x \u12"#), "\u{fffd} x \u{fffd}12");
        let mut o = Vec::new();
        write_json_string_body("a\"b\\\u{1}\n", &mut o);
        assert_eq!(o, br#"a\"b\\\u0001\n"#);
    }

    #[test]
    fn detectors_do_not_panic_on_odd_text() {
        let samples = [
            "@",
            "%40",
            "|",
            "a|",
            "+",
            "+++",
            "::",
            ":::::",
            "eyJ",
            "eyJaaaaaaaaaa.",
            "bearer",
            "Bearer ",
            "1.2.3",
            "é@é.é",
            "ü|üü",
            "1.2.3.4.",
            "x@y.",
            "\u{1f600}::1",
        ];
        for s in samples {
            let mut h = Vec::new();
            detect(s, &mut h, Detectors::all());
            resolve_overlaps(&mut h);
            for x in &h {
                assert!(s.get(x.start..x.end).is_some(), "{s}");
            }
        }
        let h = &mut Vec::new();
        assert_eq!(infer_kind("190.257.209.19", h), Some(Kind::Ip));
        assert_eq!(infer_kind("+14155554321", h), Some(Kind::Phone));
        assert_eq!(infer_kind("github|32487232", h), Some(Kind::User));
        assert_eq!(infer_kind("Other 0.0.0 / Other 0.0.0", h), None);
        let found: Vec<usize> = find_all(b"abcabcab", b"cab").collect();
        assert_eq!(found, vec![2, 5]);
        assert_eq!(find_all(b"ab", b"abc").count(), 0);
        assert_eq!(find_all(b"abc", b"").count(), 0);
    }
}
