//! The per-second series as CSV: one writer for the app's "Download CSV" and the runner's
//! `--format csv`, so that both give the same columns in the same order (documented column by column
//! in `crates/cli/README.md`).
//!
//! ```
//! use pollstream_engine::{csv, SecondStats, Strategy};
//! let mut out = String::from(csv::HEADER);
//! out.push('\n');
//! csv::push_row(&mut out, Strategy::Polling, &SecondStats::default());
//! assert!(out.ends_with("polling,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0\n"));
//! ```

use crate::number::shortest;
use crate::{SecondStats, Strategy};

/// The header line, without its line end.
pub const HEADER: &str = "strategy,second,requests,pushes,heartbeats,answered,empty_responses,\
rejected,utilization,queue_len,open_connections,connection_memory_bytes,bytes_in,bytes_out,\
messages_created,messages_delivered,messages_pending,latency_p50_us,latency_p99_us,latency_max_us,\
latency_mean_us";

/// Appends the row of second `s` of a `strategy` world, with its line end. Real numbers are written
/// in the fewest digits that read back to them; one that is not finite is an empty cell.
pub fn push_row(out: &mut String, strategy: Strategy, s: &SecondStats) {
    let real = |value: f64| {
        if value.is_finite() {
            shortest(value)
        } else {
            String::new()
        }
    };
    out.push_str(strategy.name());
    for cell in [
        s.second,
        s.requests,
        s.pushes,
        s.heartbeats,
        s.answered,
        s.empty_responses,
        s.rejected,
    ] {
        out.push(',');
        out.push_str(&cell.to_string());
    }
    out.push(',');
    out.push_str(&real(s.utilization()));
    for cell in [
        s.queue_len,
        s.open_connections,
        s.connection_memory_bytes,
        s.bytes_in,
        s.bytes_out,
        s.messages_created,
        s.messages_delivered,
        s.messages_pending,
        s.latency.p50,
        s.latency.p99,
        s.latency.max,
    ] {
        out.push(',');
        out.push_str(&cell.to_string());
    }
    out.push(',');
    out.push_str(&real(s.latency.mean));
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::LatencySummary;

    #[test]
    fn a_row_has_a_cell_for_every_column_in_order() {
        let second = SecondStats {
            second: 7,
            requests: 1_000,
            busy_us: 1,
            capacity_us: 4,
            queue_len: 3,
            latency: LatencySummary {
                p50: 500,
                max: 900,
                mean: 512.5,
                ..LatencySummary::default()
            },
            ..SecondStats::default()
        };
        let mut row = String::new();
        push_row(&mut row, Strategy::LongPolling, &second);
        assert_eq!(
            row,
            "long-polling,7,1000,0,0,0,0,0,0.25,3,0,0,0,0,0,0,0,500,0,900,512.5\n"
        );
        assert_eq!(
            row.split(',').count(),
            HEADER.split(',').count(),
            "{HEADER}"
        );
    }
}
