//! `pollstream-cli`: runs polling, long-polling and streaming worlds side by side and reports on them.
//! See `pollstream-cli --help` and this crate's `README.md`.

use pollstream_cli::args::{self, Command, BIN};
use pollstream_cli::progress::Progress;
use pollstream_cli::{report, run};
use std::io::{self, BufWriter, ErrorKind, Write};
use std::process::ExitCode;

/// The exit status when the output could not be written or the run failed.
const FAILURE: u8 = 1;

fn main() -> ExitCode {
    // Arguments that are not valid UTF-8 are read lossily: they then fail as unknown flags or malformed
    // values with a normal message, instead of a panic.
    let arguments = std::env::args_os()
        .skip(1)
        .map(|arg| arg.to_string_lossy().into_owned());
    let config = match args::parse(arguments) {
        Ok(Command::Run(config)) => config,
        Ok(Command::Help) => return print(&args::help_text()),
        Ok(Command::Version) => return print(&args::version_text()),
        Err(err) => return fail(err.exit_code(), &err),
    };
    let total = config
        .duration
        .as_micros()
        .saturating_mul(config.strategies.len() as u64);
    let results = match run::run(&config, &mut Progress::stderr(total)) {
        Ok(results) => results,
        Err(err) => return fail(FAILURE, &err),
    };
    let mut out = BufWriter::new(io::stdout().lock());
    finish(report::write(&mut out, &results, config.format).and_then(|()| out.flush()))
}

/// Writes `text` to standard output.
fn print(text: &str) -> ExitCode {
    let mut out = io::stdout().lock();
    finish(out.write_all(text.as_bytes()).and_then(|()| out.flush()))
}

/// The exit status after writing the output: success, also when the reader went away early (`| head`).
fn finish(written: io::Result<()>) -> ExitCode {
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if err.kind() == ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(err) => fail(FAILURE, &format!("cannot write the output: {err}")),
    }
}

/// Prints one line about `err` on standard error and returns `code`.
fn fail(code: u8, err: &dyn std::fmt::Display) -> ExitCode {
    // Nothing sensible is left to do if standard error itself cannot be written.
    let _ = writeln!(io::stderr(), "{BIN}: {err}");
    ExitCode::from(code)
}
