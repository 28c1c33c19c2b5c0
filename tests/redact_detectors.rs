//! Detectors, property-tested over generated strings: each kind of value planted
//! in random surrounding text is replaced and never survives; odd text never
//! panics and stays valid JSON; masked values stay masked.

use inflight::redact::{self, Redactor, Summary};
use proptest::prelude::*;
use serde_json::Value;

fn red() -> Redactor {
    Redactor::new([3; 32])
}

/// Redacts `{"description": text, "details": {"note": text}}`; returns both strings.
fn through(text: &str) -> (String, String, Summary) {
    let rec = serde_json::json!({"type": "f", "description": text, "details": {"note": text}, "n": 42});
    let mut out = Vec::new();
    let mut s = Summary::default();
    redact::redact_record(&serde_json::to_vec(&rec).unwrap(), &[], &red(), &mut s, &mut out).expect("redacts");
    let v: Value = serde_json::from_slice(&out).expect("valid JSON");
    assert_eq!(v["n"], 42);
    assert_eq!(v["type"], "f");
    (v["description"].as_str().unwrap().to_string(), v["details"]["note"].as_str().unwrap().to_string(), s)
}

fn gone(value: &str, text: String) {
    let (a, b, _) = through(&text);
    assert!(!a.contains(value) && !b.contains(value), "{value:?} survived in {a:?}");
}

// Separators that end a value (no letter or digit glued to it).
const SEP: &str = "[ ,;()<>\"'\n]";

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn emails(local in "[a-z][a-z0-9._+-]{0,12}[a-z0-9]", dom in "[a-z][a-z0-9-]{0,10}[a-z]", tld in "[a-z]{2,6}", pre in "[A-Za-z ]{0,10}", sep in SEP) {
        let e = format!("{local}@{dom}.{tld}");
        gone(&e, format!("{pre} To: {e}{sep}and more"));
    }

    #[test]
    fn ipv4_valid_and_invalid(a in 0u16..1000, b in 0u16..1000, c in 0u16..1000, d in 0u16..1000, sep in SEP) {
        let ip = format!("{a}.{b}.{c}.{d}");
        gone(&ip, format!("from {ip}{sep}x"));
    }

    #[test]
    fn ipv6_any_form(groups in proptest::collection::vec(0u16..=0xffff, 8), cut in 0usize..8, len in 0usize..8, zone in "(%[a-z]{1,4}[0-9])?", v4 in any::<bool>()) {
        let addr = std::net::Ipv6Addr::from(groups.iter().enumerate().fold([0u16; 8], |mut a, (i, g)| {
            a[i] = if i >= cut && i < cut + len { 0 } else { *g };
            a
        }));
        let text = if v4 { format!("::ffff:{}", std::net::Ipv4Addr::from(u32::from(groups[0]) << 16 | u32::from(groups[1]))) } else { addr.to_string() };
        let with_zone = format!("{text}{zone}");
        let (a, _, _) = through(&format!("peer {with_zone} closed"));
        prop_assert!(!a.contains(&text) || text.len() < 3, "{} in {}", text, a);
        prop_assert!(a.starts_with("peer ip-"), "{}", a);
    }

    #[test]
    fn jwts_whole(h in "[A-Za-z0-9_-]{10,40}", p in "[A-Za-z0-9_-]{4,80}", s in "[A-Za-z0-9_-]{0,60}") {
        let jwt = format!("eyJ{h}.{p}.{s}");
        let (a, b, _) = through(&format!("https://app.example/logout?id_token_hint={jwt}&x=1"));
        prop_assert!(!a.contains(&p) && !b.contains(&jwt), "{}", a);
        prop_assert!(a.starts_with("https://app.example/logout?id_token_hint=token-"), "{}", a);
    }

    #[test]
    fn bearer_and_codes_and_url_values(tok in "[A-Za-z0-9._~+/-]{8,60}", code in "[A-Za-z0-9_-]{6,40}", state in "[A-Za-z0-9_-]{6,40}") {
        gone(&tok, format!("Authorization: Bearer {tok}"));
        let (a, _, s) = through(&format!("https://cb.example/callback?code={code}&state={state}"));
        prop_assert!(!a.contains(&format!("code={code}")) && !a.contains(&format!("state={state}")), "{}", a);
        prop_assert!(a.starts_with("https://cb.example/callback?code=secret-"), "{}", a);
        prop_assert_eq!(s.count("detector:auth_code"), 2);
    }

    #[test]
    fn user_info_in_urls(user in "[a-z]{3,10}", pass in "[A-Za-z0-9]{6,20}") {
        let (a, _, _) = through(&format!("proxy https://{user}:{pass}@proxy.example:8080/path"));
        prop_assert!(!a.contains(&pass), "{}", a);
        prop_assert!(a.contains("@proxy.example:8080/path"), "{}", a);
    }

    #[test]
    fn auth0_user_ids(p in "(auth0|github|google-oauth2|samlp|oidc|my-idp)", id in "[A-Za-z0-9]{3,30}") {
        let uid = format!("{p}|{id}");
        gone(&uid, format!("user {uid} blocked"));
    }

    #[test]
    fn phones(cc in 1u32..999, rest in "[0-9]{7,11}", sep in "[ .-]?") {
        let digits = format!("{cc}{rest}");
        prop_assume!(digits.len() <= 15);
        let phone = format!("+{cc}{sep}{rest}");
        gone(&rest, format!("SMS to {phone} failed"));
    }

    #[test]
    fn masked_values_stay(stars in 4usize..50, tail in "[A-Z0-9-]{0,4}") {
        let v = format!("{}{tail}", "*".repeat(stars));
        let rec = serde_json::json!({"details": {"code": v, "body": {"password": v}}});
        let mut out = Vec::new();
        let mut s = Summary::default();
        redact::redact_record(&serde_json::to_vec(&rec).unwrap(), &[], &red(), &mut s, &mut out).unwrap();
        let after: Value = serde_json::from_slice(&out).unwrap();
        prop_assert_eq!(&after, &rec);
        prop_assert_eq!(s.already_masked, 2);
        prop_assert_eq!(s.total_replacements(), 0);
    }

    #[test]
    fn numbers_dates_and_words_survive(n in any::<i32>(), w in "[a-z_]{1,20}", ms in 0u32..100_000) {
        let date = "2024-01-15T10:30:00.000Z";
        let rec = serde_json::json!({"type": w, "date": date, "details": {"stats": {"total_request_duration_ms": ms}, "elapsedTime": n, "error": {"message": w}}, "isMobile": true});
        let text = serde_json::to_vec(&rec).unwrap();
        let mut out = Vec::new();
        redact::redact_record(&text, &[], &red(), &mut Summary::default(), &mut out).unwrap();
        prop_assert_eq!(out, text);
    }

    #[test]
    fn odd_text_never_panics(s in "\\PC{0,80}", t in "[0-9.:@|+%a-fA-F eyJ=&?/*-]{0,60}") {
        let (_, _, _) = through(&s);
        let (_, _, _) = through(&t);
        let _ = inflight::verify::scan(s.as_bytes());
        let _ = inflight::verify::scan(t.as_bytes());
    }
}
