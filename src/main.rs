//! `inflight`, the command-line tool: the same core as the web app, natively.
//!
//! ```text
//! inflight analyze FILE... [--limit N] [--json]   what happened, as text or JSON
//! inflight redact FILE [--passphrase P] [--rules R] [--allow V] [-o OUT]
//!                                                 the logs with personal data replaced, verified
//! inflight report FILE... [-o report.html] [--passphrase P] [--rules R] [--include-events] [--limit N]
//!                                                 one offline HTML report, verified
//! inflight gen [--scenario S] [--format F] [--bytes N] [--seed N]   synthetic incidents
//! ```
//! With no FILE (or `-`), input is read from stdin. Exit codes: 0 success, 1 input
//! that could not be used, 2 usage error (clap).

use clap::{Parser, Subcommand, ValueEnum};
use inflight::session::{count_noun, group_digits};
use inflight::rules::RuleSet;
use inflight::session::Session;
use std::io::{Read, Write};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "inflight", version, about = "Find the slow Auth0 Action behind resource_exhausted login failures")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Read logs and report events, breaches of the concurrency limit and problems.
    Analyze {
        /// Log files (JSON array, NDJSON, log-stream, paged object, gzip). `-` or none: stdin.
        files: Vec<String>,
        /// The tenant's concurrency limit, if you know it (otherwise it is estimated).
        #[arg(long)]
        limit: Option<u32>,
        /// Print the analysis as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Write one log file redacted, in the shape it came in.
    Redact {
        /// The log file. `-` or none: stdin.
        file: Option<String>,
        /// Derive the pseudonym key from this passphrase, so two runs give the same tokens.
        /// Without it, a random key is used and forgotten.
        #[arg(long)]
        passphrase: Option<String>,
        /// Write here instead of stdout.
        #[arg(short, long)]
        output: Option<String>,
        /// The rule set, as the page saves it (`v=1&off=detector:phone&path=details.body.**`).
        #[arg(long, value_name = "FRAGMENT")]
        rules: Option<String>,
        /// Keep this value although the verifier flags it as personal data (repeatable).
        #[arg(long, value_name = "VALUE")]
        allow: Vec<String>,
    },
    /// Write one self-contained, offline HTML report (redacted, verified) to share.
    Report {
        /// Log files (any shape `analyze` reads). `-` or none: stdin.
        files: Vec<String>,
        /// Where to write the report.
        #[arg(short, long, default_value = "report.html")]
        output: String,
        /// Derive the pseudonym key from this passphrase, so two reports use the same tokens.
        /// Without it, a random key is used and forgotten.
        #[arg(long)]
        passphrase: Option<String>,
        /// Append the redacted events themselves to the report.
        #[arg(long)]
        include_events: bool,
        /// The tenant's concurrency limit, if you know it (otherwise it is estimated).
        #[arg(long)]
        limit: Option<u32>,
        /// The report's title.
        #[arg(long)]
        title: Option<String>,
        /// Keep this value although the verifier flags it as personal data (repeatable).
        #[arg(long, value_name = "VALUE")]
        allow: Vec<String>,
        /// The rule set, as the page saves it (`v=1&off=detector:phone&path=details.body.**`).
        #[arg(long, value_name = "FRAGMENT")]
        rules: Option<String>,
        /// The time shown as "Generated …" (epoch milliseconds; default: now).
        #[arg(long, value_name = "MS")]
        generated_at: Option<i64>,
    },
    /// Generate a synthetic incident (for trying the app, tests and benchmarks).
    Gen {
        #[arg(long, value_enum, default_value_t = Scenario::Sample)]
        scenario: Scenario,
        #[arg(long, value_enum, default_value_t = Format::Ndjson)]
        format: Format,
        /// Grow the incident until the output is about this many bytes.
        #[arg(long)]
        bytes: Option<usize>,
        /// Seed for the generator (same seed, same output).
        #[arg(long)]
        seed: Option<u64>,
        /// Print the ground truth (windows, culprits, limit) as JSON to stderr.
        #[arg(long)]
        truth: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Scenario {
    Sample,
    NoIncident,
    TwoCulprits,
    SlowCustomDb,
    ColdStarts,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Array,
    Ndjson,
    Stream,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Analyze { files, limit, json } => analyze(&files, limit, json),
        Command::Redact { file, passphrase, output, rules, allow } => {
            parse_rules(rules.as_deref(), &allow).and_then(|rules| redact(file, passphrase, output, &rules))
        }
        Command::Report { files, output, passphrase, include_events, limit, title, allow, rules, generated_at } => {
            parse_rules(rules.as_deref(), &[]).and_then(|rules| {
                report(&files, &output, passphrase, include_events, limit, title, allow, rules, generated_at)
            })
        }
        Command::Gen { scenario, format, bytes, seed, truth } => gen(scenario, format, bytes, seed, truth),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("inflight: {message}");
            ExitCode::from(1)
        }
    }
}

fn read_inputs(files: &[String]) -> Result<Vec<(String, Vec<u8>)>, String> {
    if files.is_empty() || files == ["-"] {
        let mut buf = Vec::new();
        std::io::stdin().read_to_end(&mut buf).map_err(|e| format!("reading stdin: {e}"))?;
        return Ok(vec![("stdin".to_string(), buf)]);
    }
    files
        .iter()
        .map(|f| std::fs::read(f).map(|b| (f.clone(), b)).map_err(|e| format!("{f}: {e}")))
        .collect()
}

fn analyze(files: &[String], limit: Option<u32>, json: bool) -> Result<(), String> {
    let session = Session::load(read_inputs(files)?, limit);
    let summary = session.summary();
    if summary.events == 0 && session.ingest.executions.is_empty() {
        // Nothing usable: say why on stderr (the problems, with their carets) and
        // print no analysis.
        let mut err = std::io::stderr().lock();
        write_problems(&mut err, &summary).map_err(|e| e.to_string())?;
        return Err(format!(
            "no Auth0 log events could be read ({} problem{})",
            summary.problems.len(),
            if summary.problems.len() == 1 { "" } else { "s" }
        ));
    }
    let out = std::io::stdout();
    let mut out = out.lock();
    if json {
        let an = &session.analysis;
        let windows: Vec<serde_json::Value> = summary
            .culprit_windows
            .iter()
            .zip(&an.window_inflight)
            .map(|(w, &at_breaches)| {
                serde_json::json!({
                    "start": w.start,
                    "end": w.end,
                    "failures": w.failures,
                    "inflight_before": w.inflight_before,
                    "inflight_at_breaches": at_breaches,
                    "attributed_from": w.from,
                    "culprits": w.culprits,
                })
            })
            .collect();
        let value = serde_json::json!({
            "findings": summary.findings,
            "analysis": {
                "peak_inflight": an.peak.0,
                "peak_at": summary.peak_at,
                "limit": an.limit,
                "estimated_limit": an.estimated_limit,
                "limit_is_estimate": summary.limit_estimated,
                "lookback_ms": summary.lookback_ms,
                "breach_windows": windows,
                "by_action": summary.by_action,
                "by_client": summary.by_client,
                "by_connection": summary.by_connection,
                "by_label": an.by_label,
                "extensibility_failures": summary.extensibility_failures,
                "timing_sources": summary.timing_sources,
                "untimed_by_type": an.untimed_by_type,
                "executions": summary.executions,
            },
            "summary": summary,
        });
        serde_json::to_writer_pretty(&mut out, &value).map_err(|e| e.to_string())?;
        writeln!(out).map_err(|e| e.to_string())?;
    } else {
        write_text(&mut out, &summary).map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn write_text(out: &mut impl Write, s: &inflight::session::Summary) -> std::io::Result<()> {
    use inflight::attribution::seconds;
    for f in &s.findings {
        writeln!(out, "{f}")?;
    }
    writeln!(out)?;
    for src in &s.sources {
        writeln!(
            out,
            "{}: {} ({}, {}, {})",
            src.name,
            src.shape,
            count_noun(src.events as usize, "event", "events"),
            count_noun(src.duplicates as usize, "duplicate", "duplicates"),
            count_noun(src.problems as usize, "problem", "problems")
        )?;
    }
    writeln!(out, "events: {} ({} dropped)", group_digits(s.events), count_noun(s.duplicates, "duplicate", "duplicates"))?;
    if let (Some(a), Some(b)) = (&s.first, &s.last) {
        writeln!(out, "time span: {a} .. {b} ({})", s.span_text)?;
    }
    let types: Vec<String> = s.type_counts.iter().take(8).map(|(c, _, n)| format!("{c} {}", group_digits(*n))).collect();
    writeln!(out, "types: {}", types.join(", "))?;
    let sources: Vec<String> = s.timing_sources.iter().map(|(k, n)| format!("{k} {}", group_digits(*n))).collect();
    writeln!(out, "timed requests: {} ({})", group_digits(s.timed), sources.join(", "))?;
    if s.untimed > 0 {
        let by: Vec<String> = s.untimed_by_type.iter().take(6).map(|(c, n)| format!("{c} {}", group_digits(*n))).collect();
        writeln!(out, "events without timing: {} ({})", group_digits(s.untimed), by.join(", "))?;
    }
    let x = &s.executions;
    if x.loaded > 0 || x.missing > 0 {
        writeln!(
            out,
            "Action executions: {} loaded, {} joined to events, {} listed but not loaded, {} with no event",
            group_digits(x.loaded),
            group_digits(x.joined),
            group_digits(x.missing),
            group_digits(x.orphans)
        )?;
    }
    match &s.peak_at {
        Some(at) => writeln!(out, "peak in flight: {} at {at}", group_digits(s.peak_inflight as usize))?,
        None => writeln!(out, "peak in flight: 0")?,
    }
    match s.limit {
        Some(l) if s.limit_estimated => {
            writeln!(out, "concurrency limit: ~{} (estimate from the in-flight count at the breaches)", group_digits(l as usize))?
        }
        Some(l) => writeln!(out, "concurrency limit: {}", group_digits(l as usize))?,
        None => {}
    }
    if s.breaches == 0 {
        writeln!(out, "resource_exhausted failures: none")?;
    } else {
        writeln!(
            out,
            "resource_exhausted failures: {} in {}, first at {}",
            group_digits(s.breaches),
            count_noun(s.breach_windows, "window", "windows"),
            s.first_breach.as_deref().unwrap_or("?")
        )?;
    }
    // The windows with the most failures, in time order (all of them in --json).
    const SHOWN: usize = 10;
    let mut shown: Vec<usize> = (0..s.culprit_windows.len()).collect();
    shown.sort_by(|&a, &b| s.culprit_windows[b].failures.cmp(&s.culprit_windows[a].failures).then(a.cmp(&b)));
    shown.truncate(SHOWN);
    shown.sort_unstable();
    for w in shown.iter().map(|&i| &s.culprit_windows[i]) {
        writeln!(
            out,
            "  {} .. {}: {}, {} in flight just before; attributed from {}",
            w.start,
            w.end,
            count_noun(w.failures as usize, "failure", "failures"),
            group_digits(w.inflight_before as usize),
            w.from
        )?;
        for (k, c) in w.culprits.iter().take(3).enumerate() {
            let outside = c.outside.map(|o| format!(" (p95 {} at other times)", seconds(o.p95))).unwrap_or_default();
            writeln!(
                out,
                "    {}. {:5.1}%  {}  p50 {} p95 {} p99 {}{outside}",
                k + 1,
                c.share * 100.0,
                c.label,
                seconds(c.inside.p50),
                seconds(c.inside.p95),
                seconds(c.inside.p99),
            )?;
        }
        if let Some(c) = w.culprits.first() {
            writeln!(out, "       {}", c.explanation)?;
        }
    }
    if s.culprit_windows.len() > SHOWN {
        let left = s.culprit_windows.len() - SHOWN;
        writeln!(out, "  … {} not shown (--json lists them all)", count_noun(left, "smaller window", "smaller windows"))?;
    }
    if !s.by_action.is_empty() {
        writeln!(out, "by Action / script:")?;
        for a in s.by_action.iter().take(12) {
            writeln!(
                out,
                "  {:<36} {:>7} runs {:>5} failed  p50 {:>7} p95 {:>7} p99 {:>7} max {:>7}",
                a.label,
                group_digits(a.count),
                group_digits(a.failures),
                seconds(a.p50),
                seconds(a.p95),
                seconds(a.p99),
                seconds(a.max)
            )?;
        }
    }
    for f in s.extensibility_failures.iter().take(8) {
        writeln!(out, "extensibility failures: {:?} {} x{}", f.kind, f.label, group_digits(f.count))?;
    }
    write_problems(out, s)
}

fn write_problems(out: &mut impl Write, s: &inflight::session::Summary) -> std::io::Result<()> {
    for p in &s.problems {
        let record = p.record.map(|r| format!(" record {r}")).unwrap_or_default();
        writeln!(out, "{}:{}:{}:{record} {:?}: {}", p.source, p.line, p.column, p.severity, p.message)?;
        writeln!(out, "    {}", p.excerpt)?;
        writeln!(out, "    {}^", " ".repeat(p.caret))?;
    }
    Ok(())
}

/// The `--rules` fragment (default: the default rules) with `--allow` values added.
fn parse_rules(fragment: Option<&str>, allow: &[String]) -> Result<RuleSet, String> {
    let mut rules = match fragment {
        Some(f) => RuleSet::from_fragment(f).map_err(|e| format!("--rules: {e}"))?,
        None => RuleSet::default(),
    };
    for v in allow {
        rules.allow(v);
    }
    Ok(rules)
}

fn redact(file: Option<String>, passphrase: Option<String>, output: Option<String>, rules: &RuleSet) -> Result<(), String> {
    let files: Vec<String> = file.into_iter().collect();
    let session = Session::load(read_inputs(&files)?, None);
    let redactor = match passphrase {
        Some(p) => inflight::redact::Redactor::from_passphrase(&p),
        None => inflight::redact::Redactor::new(random_key()?),
    };
    let summary = session.summary();
    if summary.events == 0 {
        return Err("no Auth0 log events could be read; nothing to redact".into());
    }
    let download = session.export_redacted(0, &redactor, rules)?;
    // The same gate as the page: nothing is written while the verifier finds something.
    let (verdict, blocked) = inflight::session::gate(&download.bytes, rules);
    if !verdict.is_clean() {
        let mut msg = format!(
            "the redacted output would still contain {} value(s) that look like personal data, so nothing was written:",
            blocked.len()
        );
        for b in blocked.iter().take(20) {
            msg.push_str(&format!("\n  line {}: {} {} (x{}): {}", b.line, b.kind, b.excerpt, b.count, b.hint));
        }
        if blocked.len() > 20 {
            msg.push_str(&format!("\n  … and {} more", blocked.len() - 20));
        }
        msg.push_str("\nFix it with --rules, or keep a value deliberately with --allow VALUE.");
        return Err(msg);
    }
    match output {
        Some(path) => std::fs::write(&path, &download.bytes).map_err(|e| format!("{path}: {e}"))?,
        None => std::io::stdout().lock().write_all(&download.bytes).map_err(|e| e.to_string())?,
    }
    eprintln!(
        "inflight: {} events written, {} values redacted, {} problem(s) in the input{}",
        summary.events,
        download.redactions,
        summary.problems.len(),
        if verdict.allowed.is_empty() { String::new() } else { format!(", {} flagged value(s) kept by --allow", verdict.allowed.len()) },
    );
    Ok(())
}

/// `inflight report`: the offline HTML report, written only if the verifier passes.
#[allow(clippy::too_many_arguments)]
fn report(
    files: &[String],
    output: &str,
    passphrase: Option<String>,
    include_events: bool,
    limit: Option<u32>,
    title: Option<String>,
    allow: Vec<String>,
    rules: RuleSet,
    generated_at: Option<i64>,
) -> Result<(), String> {
    let inputs = read_inputs(files)?;
    let total: usize = inputs.iter().map(|i| i.1.len()).sum();
    if total > 50 << 20 {
        eprintln!("inflight: read {} MB from {} input(s); analysing and redacting…", total >> 20, inputs.len());
    }
    let session = Session::load(inputs, limit);
    let summary = session.summary();
    if summary.events == 0 {
        return Err(format!(
            "no Auth0 log events could be read ({} problem(s)); no report written (try `inflight analyze` to see why)",
            summary.problems.len()
        ));
    }
    let redactor = match passphrase {
        Some(p) => inflight::redact::Redactor::from_passphrase(&p),
        None => inflight::redact::Redactor::new(random_key()?),
    };
    let generated_at = generated_at.or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .ok()
            .and_then(|d| i64::try_from(d.as_millis()).ok())
    });
    let opts = inflight::report::ReportOptions { generated_at, include_events, title, allow, rules };
    let report = inflight::report::render(&session, &redactor, &opts)?;
    if output == "-" {
        std::io::stdout().lock().write_all(report.html.as_bytes()).map_err(|e| e.to_string())?;
    } else {
        std::fs::write(output, &report.html).map_err(|e| format!("{output}: {e}"))?;
    }
    eprintln!(
        "inflight: report written to {output} ({} KB): {} events, {} breach window(s), {} values redacted{}{}",
        report.html.len().div_ceil(1024),
        summary.events,
        summary.breach_windows,
        report.redaction.total_replacements(),
        if summary.problems.is_empty() { String::new() } else { format!(", {} problem(s) in the input", summary.problems.len()) },
        if report.allowed.is_empty() { String::new() } else { format!(", {} flagged value(s) kept by --allow", report.allowed.len()) },
    );
    Ok(())
}

/// A fresh key from the operating system (the core itself never reads randomness).
fn random_key() -> Result<[u8; 32], String> {
    let mut key = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut key))
        .map_err(|e| format!("cannot read /dev/urandom for a random key ({e}); pass --passphrase"))?;
    Ok(key)
}

fn gen(scenario: Scenario, format: Format, bytes: Option<usize>, seed: Option<u64>, truth: bool) -> Result<(), String> {
    use inflight::sample;
    let mut spec = match scenario {
        Scenario::Sample => sample::Scenario::sample_incident(),
        Scenario::NoIncident => sample::Scenario::no_incident(),
        Scenario::TwoCulprits => sample::Scenario::two_culprits(),
        Scenario::SlowCustomDb => sample::Scenario::slow_custom_db(),
        Scenario::ColdStarts => sample::Scenario::cold_starts(),
    };
    if let Some(b) = bytes {
        spec = sample::Scenario::sized(b);
    }
    if let Some(s) = seed {
        spec.seed = s;
    }
    let format = match format {
        Format::Array => sample::Format::JsonArray,
        Format::Ndjson => sample::Format::Ndjson,
        Format::Stream => sample::Format::LogStreamNdjson,
    };
    let incident = sample::generate(&spec, format);
    std::io::stdout().lock().write_all(incident.text.as_bytes()).map_err(|e| e.to_string())?;
    if truth {
        eprintln!("{}", serde_json::to_string_pretty(&incident.truth).map_err(|e| e.to_string())?);
    }
    Ok(())
}
