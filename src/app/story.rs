//! "What you are seeing": a few plain sentences computed from a snapshot.

use pollstream_engine::format::{bytes, micros, significant, thousands};
use pollstream_engine::Strategy;

use super::snapshot::{count_text, Metric, Snapshot, WorldSnapshot};

fn lower(strategy: Strategy) -> &'static str {
    match strategy {
        Strategy::Polling => "polling",
        Strategy::LongPolling => "long polling",
        Strategy::Streaming => "streaming",
    }
}

/// Joins `["a", "b", "c"]` as `a, b and c`.
fn list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// Work a world asks of the server, as a multiple of what it can do (1 = exactly full).
pub fn offered_load(snapshot: &Snapshot, world: &WorldSnapshot) -> Option<f64> {
    let params = &snapshot.params;
    let requests = Metric::RequestsPerS.measured(world)?;
    let pushes = Metric::PushesPerS.measured(world)?;
    let work = requests * params.service.as_secs_f64() + pushes * params.push_service.as_secs_f64();
    Some(work / params.n_workers as f64)
}

/// Two to four sentences on what the worlds are doing (one when nothing has been measured yet).
pub fn sentences(snapshot: &Snapshot) -> Vec<String> {
    let measured: Vec<&WorldSnapshot> = snapshot
        .worlds
        .iter()
        .filter(|w| !w.seconds.is_empty())
        .collect();
    if measured.is_empty() {
        return vec![
            "Nothing measured yet: the first simulated second is under way. Press play if the clock \
             stands still."
                .into(),
        ];
    }
    let n = snapshot.params.n_clients;
    let clients = if n == 1 {
        "The one".to_string()
    } else {
        format!("The {}", thousands(n))
    };
    let mut out = Vec::new();

    // A restart under way explains everything else.
    if snapshot.worlds.iter().any(|w| w.gauges.server_down) {
        out.push(format!(
            "The server was restarted: every open connection was dropped, and it refuses every request \
             until its {} of downtime are over. Watch the clients come back.",
            snapshot.params.downtime
        ));
    }

    // What the pollers send, and how much of it was for nothing.
    if let Some(world) = measured.iter().find(|w| w.strategy != Strategy::Streaming) {
        let requests = Metric::RequestsPerS.measured(world).unwrap_or(0.0);
        let mut sentence = format!(
            "{clients} {} clients send {} requests a second",
            lower(world.strategy),
            count_text(requests)
        );
        if let Some(empty) = Metric::EmptyShare.measured(world) {
            sentence += &format!(
                "; {}\u{a0}% of the answers come back empty",
                significant(empty * 100.0, 2)
            );
        }
        out.push(sentence + ".");
    }

    // How loaded the server is.
    let capacity = snapshot.capacity_per_s();
    let loads: Vec<(Strategy, f64, f64)> = measured
        .iter()
        .filter_map(|w| {
            Some((
                w.strategy,
                offered_load(snapshot, w)?,
                Metric::RejectedPerS.measured(w)?,
            ))
        })
        .collect();
    let head = format!(
        "The server can answer {} requests a second ({} workers, {} each)",
        count_text(capacity),
        thousands(snapshot.params.n_workers),
        snapshot.params.service
    );
    let overloaded: Vec<String> = loads
        .iter()
        .filter(|(_, load, _)| *load > 1.0)
        .map(|(s, load, rejected)| {
            let mut text = format!("{} asks {} times that", lower(*s), significant(*load, 2));
            if *rejected > 0.0 {
                text += &format!(" and has {} a second turned away", count_text(*rejected));
            }
            text
        })
        .collect();
    if overloaded.is_empty() {
        let busy: Vec<String> = measured
            .iter()
            .filter_map(|w| Some((w.strategy, Metric::Utilization.measured(w)?)))
            .enumerate()
            .map(|(i, (strategy, utilization))| {
                let of_the_time = if i == 0 { " of the time" } else { "" };
                format!(
                    "{}\u{a0}%{of_the_time} with {}",
                    significant(utilization * 100.0, 2),
                    lower(strategy)
                )
            })
            .collect();
        out.push(format!("{head}. Its workers are busy {}.", list(&busy)));
    } else {
        out.push(format!("{head}: {}.", list(&overloaded)));
    }

    // The memory that open connections hold.
    let holding: Vec<String> = measured
        .iter()
        .filter_map(|w| {
            let last = w.seconds.last()?;
            (last.open_connections > 0).then(|| {
                format!(
                    "{} holds {} connections open ({} of server memory)",
                    lower(w.strategy),
                    count_text(last.open_connections as f64),
                    bytes(last.connection_memory_bytes as f64)
                )
            })
        })
        .collect();
    if !holding.is_empty() {
        let mut sentence = list(&holding);
        sentence[..1].make_ascii_uppercase();
        out.push(sentence + ".");
    }

    // How long a message waits.
    let waits: Vec<String> = measured
        .iter()
        .filter(|w| w.totals.latency.count > 0)
        .map(|w| {
            format!(
                "{} with {}",
                micros(w.totals.latency.mean),
                lower(w.strategy)
            )
        })
        .collect();
    if !waits.is_empty() {
        out.push(format!("On average a message waits {}.", list(&waits)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::snapshot::tests::{busy_second, world};
    use pollstream_engine::SecondStats;

    #[test]
    fn sentences_from_a_snapshot() {
        let mut snapshot = Snapshot::empty();
        assert_eq!(sentences(&snapshot).len(), 1);
        snapshot.worlds = vec![
            world(Strategy::Polling, 10, busy_second()),
            world(
                Strategy::Streaming,
                10,
                SecondStats {
                    pushes: 100,
                    capacity_us: 8_000_000,
                    ..busy_second()
                },
            ),
        ];
        let text = sentences(&snapshot);
        assert_eq!(text.len(), 4, "{text:#?}");
        assert_eq!(
            text[0],
            "The 1,000 polling clients send 1,000 requests a second; 90\u{a0}% of the answers come back empty."
        );
        assert_eq!(
            text[1],
            "The server can answer 4,000 requests a second (8 workers, 2 ms each). Its workers are \
             busy 25\u{a0}% of the time with polling and 25\u{a0}% with streaming."
        );
        assert!(
            text[2].starts_with("Polling holds 1,000 connections open"),
            "{}",
            text[2]
        );
        assert_eq!(
            text[3],
            "On average a message waits 550 ms with polling and 550 ms with streaming."
        );
    }

    #[test]
    fn overload_is_named() {
        let mut snapshot = Snapshot::empty();
        let second = SecondStats {
            requests: 12_000,
            rejected: 8_000,
            capacity_us: 8_000_000,
            ..Default::default()
        };
        snapshot.worlds = vec![world(Strategy::Polling, 5, second)];
        let text = sentences(&snapshot);
        assert!(
            text[1].ends_with("polling asks 3 times that and has 8,000 a second turned away."),
            "{}",
            text[1]
        );
    }
}
