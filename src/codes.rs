//! Auth0 log type codes and what they mean (from Auth0's log event type code table
//! and the official log schemas; see `../shared/reference/auth0-logs.md` §2).
//! Unknown codes are kept as written; [`meaning`] returns `None` for them.

const CODES: &[(&str, &str)] = &[
    ("acls_summary", "Network ACLs summary"),
    ("actions_execution_failed", "Action execution failed"),
    ("api_limit", "Rate limit on the Authentication or Management API"),
    ("api_limit_warning", "Rate limit warning (80% of a bucket)"),
    ("appi", "API peak performance initiated"),
    ("cls", "Passwordless code or link sent"),
    ("cs", "Passwordless code sent"),
    ("depnote", "Deprecation notice"),
    ("du", "Deleted user"),
    ("f", "Failed login"),
    ("fapi", "Failed Management API operation"),
    ("fc", "Failed by connector"),
    ("fce", "Failed change email"),
    ("fco", "Failed due to CORS"),
    ("fcoa", "Failed cross-origin authentication"),
    ("fcp", "Failed change password"),
    ("fcph", "Failed post change password hook"),
    ("fcpn", "Failed change phone number"),
    ("fcpr", "Failed change password request"),
    ("fcpro", "Failed connector provisioning"),
    ("fcu", "Failed change username"),
    ("fd", "Failed delegation"),
    ("fdeac", "Failed device activation"),
    ("fdeaz", "Failed device authorization request"),
    ("fdecc", "Device confirmation cancelled by user"),
    ("fdu", "Failed user deletion"),
    ("feacft", "Failed exchange of authorization code for access token"),
    ("feccft", "Failed exchange of client credentials for access token"),
    ("fecte", "Failed custom token exchange"),
    ("fede", "Failed exchange of device code for access token"),
    ("fens", "Failed exchange for native social login"),
    ("feoobft", "Failed exchange of password and OOB challenge"),
    ("feotpft", "Failed exchange of password and OTP challenge"),
    ("fepft", "Failed exchange of password for access token"),
    ("fepotpft", "Failed exchange of passwordless OTP"),
    ("fercft", "Failed exchange of MFA recovery code"),
    ("ferrt", "Failed exchange of rotating refresh token"),
    ("fertft", "Failed exchange of refresh token for access token"),
    ("feta", "Failed token exchange at Token Vault"),
    ("fi", "Failed invite accept"),
    ("flo", "Failed logout"),
    ("flows_execution_completed", "Flows execution completed"),
    ("flows_execution_failed", "Flows execution failed"),
    ("fn", "Failed notification"),
    ("fp", "Failed login (wrong password)"),
    ("fpar", "Failed pushed authorization request"),
    ("fpurh", "Failed post user registration hook"),
    ("fs", "Failed signup"),
    ("fsa", "Failed silent authentication"),
    ("fu", "Failed login (invalid username)"),
    ("fui", "Failed users import"),
    ("fv", "Failed verification email"),
    ("fvr", "Failed verification email request"),
    ("gd_auth_failed", "MFA authentication failed"),
    ("gd_auth_rejected", "MFA push rejected"),
    ("gd_auth_succeed", "MFA authentication succeeded"),
    ("gd_enrollment_complete", "MFA enrollment complete"),
    ("gd_otp_rate_limit_exceed", "MFA OTP rate limit exceeded"),
    ("gd_send_pn", "MFA push notification sent"),
    ("gd_send_sms", "MFA SMS sent"),
    ("gd_tenant_update", "MFA tenant settings updated"),
    ("limit_delegation", "Too many delegation calls"),
    ("limit_mu", "Blocked IP (too many users)"),
    ("limit_sul", "Blocked user (signup/login rate)"),
    ("limit_wc", "Blocked account (too many failed logins)"),
    ("mgmt_api_read", "Management API read"),
    ("pla", "Pre-login assessment"),
    ("pwd_leak", "Breached password"),
    ("s", "Successful login"),
    ("sapi", "Successful Management API operation"),
    ("scoa", "Successful cross-origin authentication"),
    ("scp", "Successful change password"),
    ("scpr", "Successful change password request"),
    ("sd", "Successful delegation"),
    ("sdu", "Successful user deletion"),
    ("seacft", "Successful exchange of authorization code for access token"),
    ("seccft", "Successful exchange of client credentials for access token"),
    ("sede", "Successful exchange of device code for access token"),
    ("sens", "Successful exchange for native social login"),
    ("seoobft", "Successful exchange of password and OOB challenge"),
    ("seotpft", "Successful exchange of password and OTP challenge"),
    ("sepft", "Successful exchange of password for access token"),
    ("sercft", "Successful exchange of MFA recovery code"),
    ("sertft", "Successful exchange of refresh token for access token"),
    ("signup_pwd_leak", "Breached password used at signup"),
    ("slo", "Successful logout"),
    ("srrt", "Successful refresh token revocation"),
    ("ss", "Successful signup"),
    ("ssa", "Successful silent authentication"),
    ("sv", "Successful verification email"),
    ("svr", "Successful verification email request"),
    ("ublkdu", "User login block released"),
    ("w", "Warning during login"),
    ("wn", "Warning notification"),
    ("wum", "Warning during user management"),
];

/// What a type code means, when it is a known one.
pub fn meaning(code: &str) -> Option<&'static str> {
    CODES.binary_search_by(|(c, _)| (*c).cmp(code)).ok().map(|i| CODES[i].1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_for_binary_search() {
        assert!(CODES.windows(2).all(|w| w[0].0 < w[1].0), "CODES must stay sorted");
    }

    #[test]
    fn known_and_unknown_codes() {
        assert_eq!(meaning("f"), Some("Failed login"));
        assert_eq!(meaning("seacft"), Some("Successful exchange of authorization code for access token"));
        assert_eq!(meaning("made_up_code"), None);
    }
}
