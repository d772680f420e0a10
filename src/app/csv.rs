//! The series on the charts as CSV, for the download button.

use std::fmt::Write;

use pollstream_engine::number::fixed;

use super::snapshot::Snapshot;

/// The columns, in order.
pub const HEADER: &str = "second,strategy,requests,pushes,heartbeats,answered,empty_responses,rejected,\
utilization,queue_length,open_connections,connection_memory_bytes,bytes_in,bytes_out,messages_created,\
messages_delivered,messages_pending,latency_p50_us,latency_p99_us";

/// One row per world and completed second of the last minute, world by world.
pub fn to_csv(snapshot: &Snapshot) -> String {
    let mut out = String::from(HEADER);
    out.push('\n');
    for world in &snapshot.worlds {
        for s in world.seconds.iter() {
            // Writing to a String cannot fail.
            let _ = writeln!(
                out,
                "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
                s.second,
                world.strategy.name(),
                s.requests,
                s.pushes,
                s.heartbeats,
                s.answered,
                s.empty_responses,
                s.rejected,
                fixed(s.utilization(), 6),
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
            );
        }
    }
    out
}

/// The file name of a download: `pollstream-t120s-seed1.csv`.
pub fn file_name(snapshot: &Snapshot) -> String {
    format!(
        "pollstream-t{}s-seed{}.csv",
        snapshot.now.as_micros() / 1_000_000,
        snapshot.params.seed
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::snapshot::tests::{busy_second, world};
    use pollstream_engine::Strategy;

    #[test]
    fn a_row_per_world_and_second() {
        let mut snapshot = Snapshot::empty();
        snapshot.worlds = vec![
            world(Strategy::Polling, 3, busy_second()),
            world(Strategy::LongPolling, 2, busy_second()),
        ];
        let csv = to_csv(&snapshot);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 1 + 3 + 2);
        let columns = HEADER.split(',').count();
        assert!(lines.iter().all(|l| l.split(',').count() == columns));
        assert!(
            lines[1].starts_with("0,polling,1000,0,0,1000,900,0,0.250000,"),
            "{}",
            lines[1]
        );
        assert!(lines[5].starts_with("1,long-polling,"));
        assert_eq!(file_name(&snapshot), "pollstream-t0s-seed1.csv");
    }
}
