// The native `inflight` binary for browser tests and benchmarks, wherever Cargo puts it
// (`$CARGO_TARGET_DIR` when set, else `target/` in the repo); brought up to date once per run.
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const built = new Set();

/**
 * Path of the CLI for a Cargo profile ('debug' or 'release'). Cargo is asked to bring it up
 * to date the first time in a run (a no-op when it is): a binary left from older sources
 * made the page-versus-CLI test fail (or pass) against code that is not under test.
 */
export function cliBin(profile = 'debug') {
  if (profile === 'debug' && process.env.INFLIGHT_CLI) return process.env.INFLIGHT_CLI;
  const env = process.env.CARGO_TARGET_DIR;
  const targetDir = env ? (isAbsolute(env) ? env : resolve(repo, env)) : join(repo, 'target');
  const bin = join(targetDir, profile, 'inflight');
  if (!built.has(profile)) {
    console.log(`# building the CLI (cargo build --bin inflight${profile === 'release' ? ' --release' : ''})`);
    const args = ['build', '--quiet', '--bin', 'inflight'];
    if (profile === 'release') args.push('--release');
    execFileSync('cargo', args, { cwd: repo, stdio: 'inherit' });
    built.add(profile);
  }
  if (!existsSync(bin)) throw new Error(`cargo build did not produce ${bin}`);
  return bin;
}

/** `inflight gen --format ndjson --bytes N`: a synthetic incident of about N bytes. */
export function generateNdjson(bytes, extra = []) {
  const args = ['gen', '--format', 'ndjson', '--bytes', String(bytes), ...extra];
  return execFileSync(cliBin('release'), args, { maxBuffer: 2 ** 31 });
}
