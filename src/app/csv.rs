//! The series on the charts as CSV, for the download button: the engine's CSV
//! ([`pollstream_engine::csv`]), the same columns as the runner's `--format csv`.

use pollstream_engine::csv;

use super::snapshot::Snapshot;

/// One row per world and completed second of the last minute, world by world.
pub fn to_csv(snapshot: &Snapshot) -> String {
    let mut out = String::from(csv::HEADER);
    out.push('\n');
    for world in &snapshot.worlds {
        for second in world.seconds.iter() {
            csv::push_row(&mut out, world.strategy, second);
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
        let columns = csv::HEADER.split(',').count();
        assert!(lines.iter().all(|l| l.split(',').count() == columns));
        assert!(
            lines[1].starts_with("polling,0,1000,0,0,1000,900,0,0.25,"),
            "{}",
            lines[1]
        );
        assert!(lines[5].starts_with("long-polling,1,"));
        assert_eq!(file_name(&snapshot), "pollstream-t0s-seed1.csv");
    }
}
